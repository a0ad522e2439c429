"""Benign images the project makes itself, for detector examples, tests and
`vigil demo`: a PNG carrying Stable-Diffusion-style "parameters", a JPEG
carrying an IPTC DigitalSourceType in XMP, and a textured scene with a
copy-moved patch. Nothing here is downloaded or taken from evidence.
"""

from __future__ import annotations

import io
import struct
import zlib

__all__ = [
    "SD_PARAMETERS",
    "c2pa_signed_jpeg",
    "write_demo_images",
    "copy_move_scene",
    "drawn_face_png",
    "insert_jpeg_segment",
    "plain_png",
    "sd_tagged_png",
    "xmp_packet",
    "xmp_tagged_jpeg",
]

SD_PARAMETERS = (
    "a watercolour lighthouse on a calm sea at dawn\n"
    "Negative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 96x64, Model: demo-model"
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def plain_png(width: int = 96, height: int = 64, texts: tuple[tuple[str, str], ...] = ()) -> bytes:
    """An RGB gradient PNG built with zlib alone, with optional tEXt chunks."""
    rows = b"".join(
        b"\x00"
        + bytes(v for x in range(width) for v in ((x * 3) % 256, (y * 4) % 256, (x + 2 * y) % 256))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text_chunks = b"".join(
        _chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1"))
        for key, value in texts
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + text_chunks
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def sd_tagged_png(width: int = 96, height: int = 64) -> bytes:
    """A PNG whose "parameters" chunk reads as AUTOMATIC1111 output."""
    return plain_png(width, height, (("parameters", SD_PARAMETERS),))


def xmp_packet(digital_source_type: str) -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        f'{digital_source_type}"/></rdf:RDF></x:xmpmeta>'
    ).encode()


def insert_jpeg_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """`jpeg` with one APPn/COM segment inserted right after SOI."""
    if not jpeg.startswith(b"\xff\xd8") or len(payload) > 65533:
        raise ValueError("not a JPEG, or the payload is too long for one segment")
    return (
        jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]
    )


def xmp_tagged_jpeg(digital_source_type: str = "trainedAlgorithmicMedia") -> bytes:
    """A small JPEG (Pillow) with an XMP packet declaring `digital_source_type`."""
    from PIL import Image

    image = Image.linear_gradient("L").resize((96, 64)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet(digital_source_type)
    return insert_jpeg_segment(out.getvalue(), 0xE1, payload)


def copy_move_scene(
    width: int = 512, height: int = 384, seed: int = 7
) -> tuple[bytes, tuple[int, int, int, int], tuple[int, int]]:
    """A synthetic textured scene (PNG) in which one patch was copied elsewhere.

    Returns the PNG bytes, the source box (x, y, w, h) and the target corner.
    The texture is smooth noise plus shapes, so keypoints are plentiful and
    the copy is the only exact repetition.
    """
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    base = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    fine = rng.normal(0, 14, size=(height, width, 3))
    pixels = np.clip(np.asarray(base, dtype=np.float64) + fine, 0, 255).astype(np.uint8)
    scene = Image.fromarray(pixels)
    draw = ImageDraw.Draw(scene)
    for _ in range(40):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(6, 30))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(0.6))
    box = (width // 8, height // 5, width // 5, height // 4)
    target = (width - width // 8 - box[2], height - height // 5 - box[3] - 8)
    patch = scene.crop((box[0], box[1], box[0] + box[2], box[1] + box[3]))
    scene.paste(patch, target)
    out = io.BytesIO()
    scene.save(out, "PNG")
    return out.getvalue(), box, target


def write_demo_images(folder: object) -> None:
    """`vigil demo` samples: an AI-tagged PNG (pure zlib), and, when NumPy and
    Pillow are installed, an edited photo-like scene with a copy-moved patch
    (JPEG) and a C2PA-signed AI image whose throwaway key and certificates are
    made at demo time and never written to disk."""
    from pathlib import Path

    out = Path(str(folder))
    (out / "ai_generated_lighthouse.png").write_bytes(sd_tagged_png(160, 120))
    try:
        from PIL import Image
    except ImportError:
        return
    png, _, _ = copy_move_scene()
    scene = Image.open(io.BytesIO(png)).convert("RGB")
    jpeg = io.BytesIO()
    scene.save(jpeg, "JPEG", quality=92)
    (out / "edited_scene_copy_move.jpg").write_bytes(jpeg.getvalue())
    signed = c2pa_signed_jpeg()
    if signed is not None:
        (out / "c2pa_signed_generated.jpg").write_bytes(signed)
    (out / "drawn_face.png").write_bytes(drawn_face_png())


def drawn_face_png(size: int = 320, seed: int = 0) -> bytes:
    """A cartoon face drawn from ellipses (no person, nothing real) that the
    HOG face detector finds: hair, skin, eyes with brows, nose and mouth,
    softened by a blur and a little noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (size, size), (90, 110, 140))
    draw = ImageDraw.Draw(image)
    cx, cy = size // 2, size // 2 + size // 32
    fw, fh = int(size * 0.30), int(size * 0.40)
    draw.ellipse([cx - fw - 8, cy - fh - 30, cx + fw + 8, cy + fh - 40], fill=(60, 40, 25))
    draw.rectangle([cx - fw // 2, cy + fh - 20, cx + fw // 2, size], fill=(200, 150, 120))
    draw.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=(220, 170, 140))
    ey, ex = cy - int(fh * 0.2), int(fw * 0.42)
    for side in (-1, 1):
        x = cx + side * ex
        draw.ellipse([x - 22, ey - 12, x + 22, ey + 12], fill=(170, 120, 100))
        draw.ellipse([x - 16, ey - 7, x + 16, ey + 7], fill=(245, 245, 240))
        draw.ellipse([x - 7, ey - 7, x + 7, ey + 7], fill=(60, 40, 30))
        draw.line([x - 22, ey - 26, x + 22, ey - 26], fill=(50, 35, 25), width=6)
    nose = cy + int(fh * 0.28)
    draw.polygon([(cx, ey + 5), (cx - 14, nose), (cx + 14, nose)], fill=(195, 140, 115))
    my = cy + int(fh * 0.5)
    draw.ellipse([cx - 30, my - 8, cx + 30, my + 10], fill=(160, 70, 70))
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(2.5)), dtype=np.float64)
    noisy = blurred + np.random.default_rng(seed).normal(0, 4, blurred.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def c2pa_signed_jpeg() -> bytes | None:
    """A small JPEG signed with C2PA, declaring trainedAlgorithmicMedia, or
    `None` when c2pa-python or cryptography is missing or signing fails."""
    signed = c2pa_signed_jpeg_with_ca()
    return signed[0] if signed else None


def c2pa_signed_jpeg_with_ca() -> tuple[bytes, bytes] | None:
    """The signed JPEG and the PEM of the throwaway CA that issued its signer
    (a trust anchor for validation tests). The CA and leaf (EKU
    emailProtection) are generated in memory; no key is ever written."""
    try:
        import c2pa
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        from PIL import Image
    except ImportError:
        return None
    import datetime
    import json

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vigil demo (throwaway)"),
            ]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=not sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=sign,
            crl_sign=sign,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    valid = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Vigil demo CA"))
        .issuer_name(name("Vigil demo CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Vigil demo signer"))
        .issuer_name(name("Vigil demo CA"))
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    manifest = {
        "claim_generator_info": [{"name": "vigil-demo", "version": "1.0"}],
        "title": "c2pa_signed_generated.jpg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/trainedAlgorithmicMedia",
                            "softwareAgent": {"name": "Vigil demo generator"},
                        }
                    ]
                },
            }
        ],
    }
    source = io.BytesIO()
    Image.linear_gradient("L").resize((160, 120)).convert("RGB").save(source, "JPEG", quality=90)
    source.seek(0)
    signed = io.BytesIO()
    try:
        info = c2pa.C2paSignerInfo(
            alg=b"es256",
            sign_cert=leaf.public_bytes(pem) + ca.public_bytes(pem),
            private_key=key,
            ta_url=None,
        )
        signer = c2pa.Signer.from_info(info)
        with c2pa.Builder(json.dumps(manifest)) as builder:
            builder.sign(signer, "image/jpeg", source, signed)
    except Exception:  # the native signer raises its own error tree; the demo goes on
        return None
    return signed.getvalue(), ca.public_bytes(pem)
