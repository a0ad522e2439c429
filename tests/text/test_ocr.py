"""OCR of screenshots (RapidOCR), image checks, and the scam detector on an
image. Skipped where rapidocr is not installed."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

import pytest

pytest.importorskip("rapidocr")
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from vigil.text.carriers import extract_text  # noqa: E402
from vigil.text.ocr import RapidOcrEngine  # noqa: E402

LINES = ["URGENT: your parcel is held at customs.", "Pay the 2 GBP fee within 24 hours."]


def screenshot(lines: list[str], size: tuple[int, int] = (760, 160)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for number, line in enumerate(lines):
        draw.text((16, 20 + 56 * number), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@lru_cache(maxsize=1)
def engine() -> RapidOcrEngine:
    return RapidOcrEngine()


def test_screenshot_lines_with_boxes() -> None:
    result = engine().read(screenshot(LINES))
    assert result.readable and (result.width, result.height) == (760, 160)
    assert [line.text for line in result.lines] == LINES
    first, second = result.lines
    assert first.box[1] < second.box[1]  # top to bottom
    assert all(0 <= v <= 760 for v in first.box) and first.confidence > 0.8


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 8))


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_png_header(60_000, 60_000), "bomb"),
        (_png_header(7_000, 7_000), "pixel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a readable image"),
        (_tiny_png(), "too small"),
    ],
    ids=["bomb", "over-limit", "truncated", "tiny"],
)
def test_bad_images_are_unreadable(data: bytes, reason: str) -> None:
    result = engine().read(data)
    assert not result.readable and reason in result.warnings[0]


def test_carrier_needs_an_engine() -> None:
    data = screenshot(LINES)
    assert extract_text(data, "image/png").carrier == "unsupported"
    extracted = extract_text(data, "image/png", ocr=engine())
    assert extracted.carrier == "image_ocr" and "parcel" in extracted.full_text()
    blank = io.BytesIO()
    Image.new("RGB", (200, 80), "white").save(blank, "PNG")
    assert extract_text(blank.getvalue(), "image/png", ocr=engine()).carrier == "unsupported"


def test_scam_detector_reads_a_screenshot() -> None:
    from vigil.detectors.base import DetectorServices
    from vigil.detectors.text.scam import ScamDetector, ScamOptions
    from vigil.domain.model import Locator, Status, Verdict

    data = screenshot(["URGENT! You have won a 1000 GBP prize.", "To claim call 09061701461 now."])

    class _View:
        sha256 = md5 = sha1 = ""
        media_type = "image/png"
        name = "shot.png"
        size = len(data)
        locator = Locator()

        def open(self) -> io.BytesIO:
            return io.BytesIO(data)

    detector = ScamDetector(DetectorServices())
    [finding] = detector.detect(_View(), ScamOptions())
    assert finding.verdict is Verdict.POSITIVE
    ocr = finding.details["ocr"]
    assert isinstance(ocr, dict) and ocr["engine"] == "rapidocr"
    [off] = detector.detect(_View(), ScamOptions(ocr="off"))
    assert off.status is Status.UNSUPPORTED and "ocr='off'" in off.explanation
