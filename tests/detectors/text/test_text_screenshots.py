"""Screenshots through the text detectors: indicators located by the pixel box
of the OCR line they were read from, a scam verdict with its lure, OCR once
per item and detector, and the OCR options."""

from __future__ import annotations

from functools import cache

import pytest

pytest.importorskip("rapidocr")

from tests.memory_evidence import MemoryEvidence  # noqa: E402
from tests.text.rendering import LURES, WALLET, render  # noqa: E402

from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.detectors.text.indicators import TextIndicatorDetector  # noqa: E402
from vigil.detectors.text.scam import ScamDetector  # noqa: E402
from vigil.domain.errors import UsageError  # noqa: E402
from vigil.domain.model import Finding, Status, Verdict  # noqa: E402
from vigil.text.ocr import OcrLine, OcrText, tesseract_available  # noqa: E402
from vigil.text.samples import WALLET_ADDRESS, wallet_screenshot  # noqa: E402

INDICATORS = TextIndicatorDetector(DetectorServices())
SCAM = ScamDetector(DetectorServices())


@cache
def indicators_of(data: bytes) -> list[Finding]:
    return list(INDICATORS.detect(MemoryEvidence(data, "image/png"), INDICATORS.Options()))


def _by_value(findings: list[Finding]) -> dict[object, Finding]:
    return {f.details.get("value"): f for f in findings}


def test_demo_screenshot_gives_the_wallet_located_by_its_line() -> None:
    found = _by_value(indicators_of(wallet_screenshot()))
    wallet = found[WALLET_ADDRESS]
    assert wallet.verdict is Verdict.POSITIVE and wallet.indicators[0].kind == "btc_address"
    box, span = wallet.locator.steps
    assert box.kind == "pixel_box" and span == type(span)("char_span", "0-42")
    x, y, width, height = (int(v) for v in box.value.split(","))
    assert 20 < x < 40 and 250 < y < 300 and 400 < width < 700 and 20 < height < 50
    assert wallet.details["text_source"] == "ocr"
    assert wallet.details["ocr"]["engine"] == "rapidocr"  # type: ignore[index]
    assert "Text read by OCR at pixels" in wallet.explanation
    assert found["@wallet_rescue_desk"].details["kind"] == "telegram"


def test_demo_screenshot_gets_a_scam_verdict_with_its_lure() -> None:
    [finding] = SCAM.detect(MemoryEvidence(wallet_screenshot(), "image/png"), SCAM.Options())
    assert finding.verdict is Verdict.POSITIVE, finding.explanation
    assert finding.details["carrier"] == "image_ocr"
    ocr = finding.details["ocr"]
    assert isinstance(ocr, dict) and ocr["engines"] == ["rapidocr"]
    assert WALLET_ADDRESS in [line["text"] for line in ocr["lines"]]  # type: ignore[index,union-attr]
    assert "lure words" in finding.explanation


class _CountingReader:
    calls = 0

    def read(self, data: bytes) -> OcrText:
        _CountingReader.calls += 1
        return OcrText((OcrLine(f"send to {WALLET}", (10, 20, 410, 50), 0.99),), 600, 200)


def test_ocr_runs_once_per_item_and_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.detectors.text import _ocr

    for detector in (TextIndicatorDetector(DetectorServices()), ScamDetector(DetectorServices())):
        monkeypatch.setattr(_ocr.OcrReaders, "get", lambda self, languages: _CountingReader())
        _CountingReader.calls = 0
        findings = list(
            detector.detect(MemoryEvidence(b"\x89PNG stand-in", "image/png"), detector.Options())
        )
        assert _CountingReader.calls == 1 and findings


def test_both_text_detectors_share_one_reading_of_an_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vigil.detectors.text import _ocr

    monkeypatch.setattr(_ocr.OcrReaders, "_readers", {})
    image = render("en", ["one image, two detectors"])
    for detector in (TextIndicatorDetector(DetectorServices()), ScamDetector(DetectorServices())):
        list(detector.detect(MemoryEvidence(image, "image/png"), detector.Options()))
    (reader,) = _ocr.OcrReaders._readers.values()
    assert reader.reads == 1


def test_ocr_options() -> None:
    shot = MemoryEvidence(wallet_screenshot(), "image/png")
    [off] = INDICATORS.detect(shot, INDICATORS.parse_options({"ocr": "off"}))
    assert off.status is Status.UNSUPPORTED and "ocr='off'" in off.explanation
    [jpeg] = INDICATORS.detect(MemoryEvidence(b"\xff\xd8\xff", "image/jpeg"), INDICATORS.Options())
    assert jpeg.status is Status.UNSUPPORTED and "image/jpeg" in jpeg.explanation
    for bad in ({"ocr_languages": ["russian"]}, {"ocr": "sometimes"}):
        with pytest.raises(UsageError):
            INDICATORS.parse_options(bad)
    assert INDICATORS.parse_options({"ocr_languages": ["rus", "chi_sim"]})


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\x00\x00", b"GIF89a" + b"\xff" * 64], ids=["png", "gif"]
)
def test_broken_images_are_unreadable_with_the_reason(data: bytes) -> None:
    for detector in (INDICATORS, SCAM):
        [finding] = detector.detect(MemoryEvidence(data, "image/png"), detector.Options())
        assert finding.status is Status.UNREADABLE
        assert "image" in finding.explanation


@pytest.mark.skipif(not tesseract_available(), reason="the tesseract binary is not installed")
def test_wallet_in_a_thai_screenshot_is_found_beside_tesseract_text() -> None:
    findings = indicators_of(render("th", [LURES["th"], WALLET]))
    wallet = _by_value(findings)[WALLET]
    assert wallet.details["ocr"]["engine"] == "rapidocr"  # type: ignore[index]
    thai = MemoryEvidence(render("th", [LURES["th"]]), "image/png")
    [finding] = SCAM.detect(thai, SCAM.Options())
    assert finding.details["script"] == "thai"
    assert finding.details["ocr"]["engines"] == ["tesseract:tha+eng"]  # type: ignore[index]
