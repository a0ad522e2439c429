"""`vigil check backup.xml --json` (the service behind it) on an SMS backup:
a scam verdict per message and the indicators, each located in its message."""

from __future__ import annotations

from pathlib import Path

from tests.text.test_sms import BACKUP, SCAMMER, WALLET
from vigil.detectors.base import Registry
from vigil.detectors.text.indicators import TextIndicatorDetector
from vigil.detectors.text.scam import ScamDetector
from vigil.formats.sniff import SMS_BACKUP_MEDIA_TYPE
from vigil.services.check import check_paths
from vigil.services.config import load_settings
from vigil.text.samples import write_demo_messages


def _check(tmp_path: Path, path: Path) -> list[dict[str, object]]:
    registry = Registry(kind="detector")
    for detector in (TextIndicatorDetector, ScamDetector):
        registry.available[detector.name] = detector
    [described] = check_paths(load_settings(home=tmp_path / "home"), [path], registry)
    assert described["media_type"] == SMS_BACKUP_MEDIA_TYPE
    findings = described["findings"]
    assert isinstance(findings, list)
    return findings


def test_scam_per_message_and_indicators(tmp_path: Path) -> None:
    backup = tmp_path / "backup.xml"
    backup.write_bytes(BACKUP)
    findings = _check(tmp_path, backup)
    scams = {f["locator"]: f for f in findings if f["label"] == "text.scam"}
    assert scams["chat_message=1"]["verdict"] == "positive"
    assert scams["chat_message=1"]["details"]["direction"] == "received"  # type: ignore[index]
    assert scams["(top)"]["details"]["carrier"] == "sms"  # type: ignore[index]
    assert "chat_message=2" not in scams and "chat_message=3" not in scams
    indicators = {f["details"]["value"]: f for f in findings if f["label"] == "text.indicator"}  # type: ignore[index]
    assert str(indicators[WALLET]["locator"]).startswith("chat_message=1 > char_span=")
    assert "https://secure-login.example.com/v" in indicators
    phone = indicators[SCAMMER]["details"]
    assert phone["text_source"] == "sms_address" and phone["region"] == "GB"  # type: ignore[index]


def test_demo_sms_backup_flags_the_parcel_and_bank_texts(tmp_path: Path) -> None:
    write_demo_messages(tmp_path)
    [backup] = tmp_path.glob("sms-*.xml")
    findings = _check(tmp_path, backup)
    positive = {
        f["locator"] for f in findings if f["label"] == "text.scam" and f["verdict"] == "positive"
    }
    assert {"chat_message=2", "chat_message=4"} <= positive
    assert "chat_message=1" not in positive and "chat_message=5" not in positive
    assert any(f["label"] == "text.indicator" and f["verdict"] == "positive" for f in findings)
