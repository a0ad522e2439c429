"""Safe decoding: decompression bombs, huge declared sizes, truncated files,
broken ICC and EXIF give statuses or warnings, never exceptions."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.domain.model import Status
from vigil.imaging import DecodedImage, ImageLimits, ImageProblem, decode_image
from vigil.imaging.samples import insert_jpeg_segment, plain_png

Image = pytest.importorskip("PIL.Image")
np = pytest.importorskip("numpy")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header(width: int, height: int, idat: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _jpeg(size: tuple[int, int] = (64, 48), **kwargs: object) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, **kwargs)
    return out.getvalue()


def test_png_bomb_is_refused_from_its_header() -> None:
    # 100k x 100k declared, a few KB of zlib zeros: refused before any pixel is made
    bomb = _png_header(100_000, 100_000, zlib.compress(b"\x00" * 100_000, 9))
    result = decode_image(bomb)
    assert isinstance(result, ImageProblem)
    assert result.status is Status.UNSUPPORTED
    assert "limit" in result.reason


def test_pixel_limit_is_configurable() -> None:
    data = plain_png(64, 64)
    refused = decode_image(data, ImageLimits(max_pixels=1000))
    assert isinstance(refused, ImageProblem) and refused.status is Status.UNSUPPORTED
    decoded = decode_image(data)
    assert isinstance(decoded, DecodedImage) and decoded.rgb.shape == (64, 64, 3)


def test_huge_jpeg_dimensions_are_refused() -> None:
    data = bytearray(_jpeg())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 65000, 65000)
    result = decode_image(bytes(data))
    assert isinstance(result, ImageProblem) and result.status is Status.UNSUPPORTED


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_jpeg_is_unreadable(keep: float) -> None:
    data = _jpeg((256, 256))
    result = decode_image(data[: int(len(data) * keep)])
    assert isinstance(result, ImageProblem)
    assert result.status is Status.UNREADABLE


def test_broken_icc_profile_decodes_with_a_warning() -> None:
    bad_icc = b"\x00\x00\x01\x00" + b"garbage" * 40
    data = insert_jpeg_segment(_jpeg(), 0xE2, b"ICC_PROFILE\x00\x01\x01" + bad_icc)
    result = decode_image(data)
    assert isinstance(result, DecodedImage)
    assert any("ICC" in w for w in result.warnings)


def test_broken_exif_does_not_stop_decoding() -> None:
    data = insert_jpeg_segment(_jpeg(), 0xE1, b"Exif\x00\x00MM\x00*\xff\xff\xff\xff\x00")
    result = decode_image(data)
    assert isinstance(result, DecodedImage) and result.rgb.shape == (48, 64, 3)


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "I;16", "CMYK", "1"])
def test_modes_become_rgb(mode: str) -> None:
    image = Image.linear_gradient("L").resize((40, 30)).convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        image = Image.fromarray((np.arange(1200).reshape(30, 40) * 50).astype(np.uint16))
    out = io.BytesIO()
    image.save(out, "TIFF" if mode in ("CMYK", "I;16") else "PNG")
    result = decode_image(out.getvalue())
    assert isinstance(result, DecodedImage)
    assert result.rgb.shape == (30, 40, 3) and result.rgb.dtype == np.uint8


def test_animated_gif_first_frame_only() -> None:
    frames = [Image.new("RGB", (20, 20), (i * 40, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    result = decode_image(out.getvalue())
    assert isinstance(result, DecodedImage)
    assert "first frame" in " ".join(result.warnings)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from([b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM"]),
    body=st.binary(max_size=1024),
)
def test_any_bytes_give_an_image_or_a_problem(prefix: bytes, body: bytes) -> None:
    result = decode_image(prefix + body)
    assert isinstance(result, DecodedImage | ImageProblem)
    if isinstance(result, ImageProblem):
        assert result.status in (Status.UNREADABLE, Status.UNSUPPORTED)
