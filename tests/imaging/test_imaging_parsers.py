"""JPEG marker walk, PNG chunks, EXIF and XMP parsing: known values from
images made here, and any bytes never raise."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.imaging.jpeg import IJG_LUMA, estimate_ijg_quality, ijg_table, parse_jpeg
from vigil.imaging.metadata import parse_exif, read_metadata, sniff_format, xmp_fields
from vigil.imaging.png import parse_png
from vigil.imaging.samples import (
    insert_jpeg_segment,
    plain_png,
    sd_tagged_png,
    xmp_packet,
    xmp_tagged_jpeg,
)

Image = pytest.importorskip("PIL.Image")


def _jpeg(quality: int, exif: bytes | None = None) -> bytes:
    image = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
    out = io.BytesIO()
    if exif is None:
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 100])
def test_pillow_tables_are_libjpeg_tables_at_the_saved_quality(quality: int) -> None:
    info = parse_jpeg(_jpeg(quality))
    assert info is not None and info.has_scan and info.reached_eoi
    assert (info.width, info.height, info.components) == (64, 48, 3)
    luma = info.quant_tables[0].values
    assert luma == ijg_table(IJG_LUMA, quality)
    assert estimate_ijg_quality(luma) == (quality, 0.0)


def test_truncated_jpeg_is_reported_not_raised() -> None:
    data = _jpeg(80)
    info = parse_jpeg(data[: len(data) // 2])
    assert info is not None and not info.reached_eoi
    assert any("end-of-image" in p or "truncated" in p for p in info.problems)
    assert parse_jpeg(b"\xff\xd8") is not None
    assert parse_jpeg(b"not a jpeg") is None


def test_exif_fields_from_pillow() -> None:
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"
    exif[0x0110] = "Model 1"
    exif[0x0131] = "Adobe Photoshop 25.0"
    meta = read_metadata(_jpeg(85, exif.tobytes()))
    assert meta.format == "JPEG"
    assert meta.exif == {
        "Make": "ExampleCam",
        "Model": "Model 1",
        "Software": "Adobe Photoshop 25.0",
    }


def test_broken_exif_offsets_are_problems() -> None:
    # IFD0 with one entry pointing far outside, then a sub-IFD pointer into itself
    body = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 2)
    body += struct.pack("<HHII", 0x010F, 2, 100, 0xFFFFFF)  # Make, beyond the end
    body += struct.pack("<HHII", 0x8769, 4, 1, 8)  # EXIF IFD -> IFD0 again (loop)
    problems: list[str] = []
    assert parse_exif(body, problems) == {}
    assert problems
    assert parse_exif(b"garbage", []) == {}


def test_png_text_chunks_including_compressed() -> None:
    data = sd_tagged_png()
    info = parse_png(data)
    assert info is not None and info.reached_iend
    assert (info.width, info.height) == (96, 64)
    assert info.text(
        "parameters",
    ).startswith("a watercolour lighthouse")  # type: ignore[union-attr]
    ztxt = b"Comment\x00\x00" + zlib.compress(b"hello " * 10)
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp_packet("trainedAlgorithmicMedia")
    chunks = b""
    for kind, body in ((b"zTXt", ztxt), (b"iTXt", itxt)):
        chunks += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", 0)
    spliced = data[:33] + chunks + data[33:]
    meta = read_metadata(spliced)
    assert meta.png is not None and meta.png.text("Comment") == "hello " * 10
    assert meta.xmp is not None
    assert xmp_fields(meta.xmp)["DigitalSourceType"] == [
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    ]


def test_ztxt_bomb_is_cut() -> None:
    bomb = b"Comment\x00\x00" + zlib.compress(b"\x00" * (64 << 20), 9)
    chunk = struct.pack(">I", len(bomb)) + b"zTXt" + bomb + struct.pack(">I", 0)
    data = plain_png(8, 8)
    info = parse_png(data[:33] + chunk + data[33:])
    assert info is not None
    assert len(info.texts[0][1]) == 4 << 20
    assert any("cut" in p for p in info.problems)


def test_xmp_in_jpeg_and_element_forms() -> None:
    meta = read_metadata(xmp_tagged_jpeg("compositeWithTrainedAlgorithmicMedia"))
    assert meta.xmp is not None
    assert xmp_fields(meta.xmp)["DigitalSourceType"][0].endswith(
        "compositeWithTrainedAlgorithmicMedia"
    )
    element = (
        "<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
        "trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType><xmp:CreatorTool>Tool X"
        "</xmp:CreatorTool>"
    )
    resource = '<Iptc4xmpExt:DigitalSourceType rdf:resource="urn:x/algorithmicMedia"/>'
    fields = xmp_fields(element + resource)
    assert fields["DigitalSourceType"][0].endswith("trainedAlgorithmicMedia")
    assert fields["DigitalSourceType"][1] == "urn:x/algorithmicMedia"
    assert fields["CreatorTool"] == ["Tool X"]


def test_segment_insertion_and_format_sniffing() -> None:
    jpeg = insert_jpeg_segment(_jpeg(70), 0xFE, b"a comment")
    info = parse_jpeg(jpeg)
    assert info is not None and info.comments == [b"a comment"]
    assert sniff_format(jpeg) == "JPEG"
    assert sniff_format(plain_png(4, 4)) == "PNG"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_format(b"\x00" * 16) == "UNKNOWN"
    with pytest.raises(ValueError):
        insert_jpeg_segment(b"nope", 0xFE, b"")


_PREFIXES = st.sampled_from(
    [
        b"",
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x10\x00\x00\x00WEBP",
        b"II*\x00",
        b"MM\x00*",
    ]
)


@settings(max_examples=300, deadline=None)
@given(prefix=_PREFIXES, body=st.binary(max_size=2048))
def test_any_bytes_never_raise(prefix: bytes, body: bytes) -> None:
    data = prefix + body
    meta = read_metadata(data)
    assert meta.format in {"JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "UNKNOWN"}
    parse_jpeg(data)
    parse_png(data)
    assert isinstance(parse_exif(data, []), dict)
    if meta.xmp:
        xmp_fields(meta.xmp)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=4000), flip=st.integers(min_value=0, max_value=4000))
def test_mutated_real_files_never_raise(cut: int, flip: int) -> None:
    for data in (xmp_tagged_jpeg(), sd_tagged_png()):
        mutated = bytearray(data[: max(cut, 2)])
        if flip < len(mutated):
            mutated[flip] ^= 0xFF
        read_metadata(bytes(mutated))
