"""Image metadata without decoding pixels: EXIF (own bounded TIFF walk),
XMP packet, PNG text chunks, JPEG segments, WebP chunks, C2PA store presence.

Every parser here takes bytes already read and never raises: broken EXIF,
XMP or chunks become entries in `problems`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from vigil.imaging.jpeg import JpegInfo, parse_jpeg
from vigil.imaging.png import PngInfo, parse_png

__all__ = [
    "EXIF_TAGS",
    "ImageMetadata",
    "parse_exif",
    "read_metadata",
    "sniff_format",
    "xmp_fields",
]

EXIF_TAGS = {
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x8298: "Copyright",
    0x9003: "DateTimeOriginal",
    0x9286: "UserComment",
    0xA430: "CameraOwnerName",
    0xA433: "LensMake",
    0xA434: "LensModel",
}
_EXIF_IFD = 0x8769
_MAX_IFD_ENTRIES = 512
_MAX_VALUE = 1 << 20
_XMP_START = re.compile(rb"<x:xmpmeta|<x:xapmeta|<rdf:RDF")
_XMP_END = re.compile(rb"</x:xmpmeta>|</x:xapmeta>|</rdf:RDF>")
_MAX_XMP = 4 << 20


@dataclass(slots=True)
class ImageMetadata:
    format: str
    """JPEG, PNG, WEBP, GIF, TIFF, BMP, HEIF/AVIF or UNKNOWN, from the magic bytes."""
    exif: dict[str, str] = field(default_factory=dict)
    xmp: str | None = None
    png: PngInfo | None = None
    jpeg: JpegInfo | None = None
    has_c2pa_store: bool = False
    has_icc: bool = False
    problems: list[str] = field(default_factory=list)


def sniff_format(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[:2] == b"BM":
        return "BMP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis", b"heic", b"heix", b"mif1"):
        return "HEIF"
    return "UNKNOWN"


def read_metadata(data: bytes) -> ImageMetadata:
    """All metadata Vigil reads from an image's bytes."""
    fmt = sniff_format(data)
    meta = ImageMetadata(format=fmt)
    exif_blob: bytes | None = None
    if fmt == "JPEG":
        meta.jpeg = parse_jpeg(data)
        if meta.jpeg is not None:
            meta.problems.extend(meta.jpeg.problems)
            exifs = meta.jpeg.app(1, b"Exif\x00")
            exif_blob = exifs[0][6:] if exifs else None
            meta.xmp = _first_xmp([p for p in meta.jpeg.app(1) if b"ns.adobe.com/xap" in p[:40]])
            meta.has_c2pa_store = any(b"jumb" in p and b"c2pa" in p for p in meta.jpeg.app(11))
            meta.has_icc = bool(meta.jpeg.app(2, b"ICC_PROFILE\x00"))
    elif fmt == "PNG":
        meta.png = parse_png(data)
        if meta.png is not None:
            meta.problems.extend(meta.png.problems)
            exif_blob = meta.png.exif
            xmp_text = meta.png.text("XML:com.adobe.xmp")
            meta.xmp = xmp_text[:_MAX_XMP] if xmp_text else None
            meta.has_c2pa_store = meta.png.has_c2pa
            meta.has_icc = meta.png.has_icc
    elif fmt == "WEBP":
        chunks = _riff_chunks(data, meta.problems)
        exif_blob = chunks.get("EXIF")
        if exif_blob is not None and exif_blob.startswith(b"Exif\x00\x00"):
            exif_blob = exif_blob[6:]
        xmp_blob = chunks.get("XMP ")
        meta.xmp = _first_xmp([xmp_blob]) if xmp_blob else None
        meta.has_c2pa_store = "C2PA" in chunks
        meta.has_icc = "ICCP" in chunks
    elif fmt == "TIFF":
        exif_blob = data
    if meta.xmp is None:
        meta.xmp = _first_xmp([data[: 16 << 20]])
    if not meta.has_c2pa_store and fmt in ("HEIF", "TIFF", "UNKNOWN"):
        meta.has_c2pa_store = b"jumb" in data and b"c2pa" in data
    if exif_blob:
        meta.exif = parse_exif(exif_blob, meta.problems)
    return meta


def _first_xmp(blobs: list[bytes]) -> str | None:
    for blob in blobs:
        start = _XMP_START.search(blob)
        if start is None:
            continue
        end = _XMP_END.search(blob, start.end())
        stop = end.end() if end else min(len(blob), start.start() + _MAX_XMP)
        return blob[start.start() : min(stop, start.start() + _MAX_XMP)].decode(
            "utf-8", errors="replace"
        )
    return None


def _riff_chunks(data: bytes, problems: list[str]) -> dict[str, bytes]:
    chunks: dict[str, bytes] = {}
    pos = 12
    for _ in range(10_000):
        if pos + 8 > len(data):
            break
        kind = data[pos : pos + 4].decode("latin-1")
        (length,) = struct.unpack_from("<I", data, pos + 4)
        body = data[pos + 8 : pos + 8 + length]
        if len(body) < length:
            problems.append(f"WebP chunk {kind!r} runs past the end of the file")
        chunks.setdefault(kind, body)
        pos += 8 + length + (length & 1)
    return chunks


def parse_exif(blob: bytes, problems: list[str] | None = None) -> dict[str, str]:
    """The tags in `EXIF_TAGS` from a TIFF-structured EXIF blob (IFD0 and the
    EXIF sub-IFD), as text. Bounded: at most 512 entries per IFD, values cut
    at 1 MiB, each IFD visited once."""
    problems = problems if problems is not None else []
    out: dict[str, str] = {}
    if len(blob) < 8 or blob[:2] not in (b"II", b"MM"):
        if blob:
            problems.append("EXIF block has no TIFF header")
        return out
    endian = "<" if blob[:2] == b"II" else ">"
    (first,) = struct.unpack_from(endian + "I", blob, 4)
    pending = [first]
    seen: set[int] = set()
    while pending and len(seen) < 8:
        offset = pending.pop()
        if offset in seen or offset + 2 > len(blob):
            if offset not in seen and offset:
                problems.append("EXIF IFD offset points outside the block")
            seen.add(offset)
            continue
        seen.add(offset)
        (count,) = struct.unpack_from(endian + "H", blob, offset)
        if count > _MAX_IFD_ENTRIES:
            problems.append("EXIF IFD claims too many entries")
            count = _MAX_IFD_ENTRIES
        for i in range(count):
            at = offset + 2 + 12 * i
            if at + 12 > len(blob):
                problems.append("EXIF IFD is truncated")
                break
            tag, kind, n, value_at = struct.unpack_from(endian + "HHII", blob, at)
            if tag == _EXIF_IFD:
                pending.append(value_at)
            elif tag in EXIF_TAGS:
                value = _exif_value(blob, kind, n, at + 8, value_at, tag)
                if value is None:
                    problems.append(f"EXIF tag {EXIF_TAGS[tag]} is malformed")
                elif value:
                    out[EXIF_TAGS[tag]] = value
    return out


def _exif_value(
    blob: bytes, kind: int, n: int, inline_at: int, value_at: int, tag: int
) -> str | None:
    if kind not in (2, 7) or n > _MAX_VALUE:
        return None
    raw = blob[inline_at : inline_at + n] if n <= 4 else blob[value_at : value_at + n]
    if len(raw) < n:
        return None
    if tag == 0x9286:  # UserComment: 8-byte character-code prefix
        code, body = raw[:8], raw[8:]
        if code.startswith(b"UNICODE"):
            # either byte order is seen in the wild; pick the one giving more ASCII
            le = body.decode("utf-16-le", errors="replace")
            be = body.decode("utf-16-be", errors="replace")
            text = le if sum(c.isascii() for c in le) >= sum(c.isascii() for c in be) else be
        else:
            text = body.decode("utf-8", errors="replace")
        return text.replace("\x00", "").strip()
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace").strip()


_XMP_FIELD = {
    "DigitalSourceType": re.compile(
        r"DigitalSourceType(?:\s*=\s*[\"']([^\"']*)[\"']|\s*>\s*([^<]*)<"
        r"|[^>]{0,200}?rdf:resource\s*=\s*[\"']([^\"']*)[\"'])"
    ),
    "CreatorTool": re.compile(r"xmp:CreatorTool\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<]*)<)"),
    "Credit": re.compile(r"photoshop:Credit\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<]*)<)"),
    "SoftwareAgent": re.compile(r"stEvt:softwareAgent\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<]*)<)"),
}


def xmp_fields(xmp: str) -> dict[str, list[str]]:
    """Values of the few XMP properties provenance needs (attribute or element form)."""
    found: dict[str, list[str]] = {}
    for name, pattern in _XMP_FIELD.items():
        values = []
        for match in pattern.finditer(xmp[:_MAX_XMP]):
            value = next((g for g in match.groups() if g), "").strip()
            if value and value not in values:
                values.append(value[:500])
            if len(values) >= 20:
                break
        if values:
            found[name] = values
    return found
