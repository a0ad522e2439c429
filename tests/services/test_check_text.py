"""`vigil check` on a screenshot and an Outlook .msg: scam score, verdict,
lure explanation and indicators, as issue 3 asks of every text carrier."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("rapidocr")
pytest.importorskip("extract_msg")

from tests.text.msg_fixtures import msg_from_eml  # noqa: E402
from vigil.detectors.base import Registry  # noqa: E402
from vigil.detectors.text.email_forensics import EmailForensicsDetector  # noqa: E402
from vigil.detectors.text.indicators import TextIndicatorDetector  # noqa: E402
from vigil.detectors.text.scam import ScamDetector  # noqa: E402
from vigil.services.check import check_paths  # noqa: E402
from vigil.services.config import load_settings  # noqa: E402
from vigil.text.samples import WALLET_ADDRESS, phishing_email, write_demo_messages  # noqa: E402


def _registry() -> Registry:
    registry = Registry(kind="detector")
    for detector in (TextIndicatorDetector, ScamDetector, EmailForensicsDetector):
        registry.available[detector.name] = detector
    return registry


def _findings(described: dict[str, object], label: str) -> list[dict[str, object]]:
    findings = described["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["label"] == label]


def test_check_answers_for_a_screenshot_and_a_msg(tmp_path: Path) -> None:
    write_demo_messages(tmp_path)  # the demo's own screenshot
    shot = tmp_path / "Screenshot wallet recovery.png"
    mail = tmp_path / "limited.msg"
    mail.write_bytes(msg_from_eml(phishing_email()))
    settings = load_settings(home=tmp_path / "home")
    on_shot, on_mail = check_paths(settings, [shot, mail], _registry())

    [scam] = _findings(on_shot, "text.scam")
    assert scam["verdict"] == "positive" and isinstance(scam["score"], float)
    assert "lure words" in str(scam["explanation"])
    wallets = [
        f for f in _findings(on_shot, "text.indicator") if f["details"]["value"] == WALLET_ADDRESS
    ]  # type: ignore[index]
    assert len(wallets) == 1 and str(wallets[0]["locator"]).startswith("pixel_box=")

    assert on_mail["media_type"] == "application/vnd.ms-outlook"
    [scam] = _findings(on_mail, "text.scam")
    assert scam["verdict"] == "positive"
    assert [f["verdict"] for f in _findings(on_mail, "email.spoofing")] == ["positive"]
    assert _findings(on_mail, "text.indicator")
    [attachment] = on_mail["derived"]  # type: ignore[misc]
    assert attachment["locator"].endswith("msg_attachment=1")
