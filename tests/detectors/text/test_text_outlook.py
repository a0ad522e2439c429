"""Outlook .msg through the e-mail path: the same forensic rules, indicators
and scam verdict as the .eml it was made from; broken .msg files as problems."""

from __future__ import annotations

import pytest

pytest.importorskip("extract_msg")

from tests.memory_evidence import MemoryEvidence  # noqa: E402
from tests.text.msg_fixtures import msg_from_eml, ole_document  # noqa: E402

from vigil.detectors.base import Detector, DetectorServices  # noqa: E402
from vigil.detectors.text.email_forensics import EmailForensicsDetector  # noqa: E402
from vigil.detectors.text.indicators import TextIndicatorDetector  # noqa: E402
from vigil.detectors.text.scam import ScamDetector  # noqa: E402
from vigil.domain.model import Finding, Status, Verdict  # noqa: E402
from vigil.text.samples import phishing_email  # noqa: E402

MSG = "application/vnd.ms-outlook"
EML = phishing_email()
OUTLOOK = msg_from_eml(EML)


def _run(detector: type[Detector], data: bytes, media_type: str) -> list[Finding]:
    instance = detector(DetectorServices())
    return list(instance.detect(MemoryEvidence(data, media_type), instance.Options()))


def _rules(findings: list[Finding]) -> dict[str, list[str]]:
    return {
        f.label: sorted(r["rule"] for r in f.details["rules"])  # type: ignore[index,union-attr]
        for f in findings
    }


def test_email_forensics_fires_the_same_rules_on_the_msg() -> None:
    on_msg = _run(EmailForensicsDetector, OUTLOOK, MSG)
    assert _rules(on_msg) == _rules(_run(EmailForensicsDetector, EML, "message/rfc822"))
    assert {f.label for f in on_msg if f.verdict is Verdict.POSITIVE} == {
        "email.spoofing",
        "email.lookalike_domain",
        "email.deceptive_link",
        "email.risky_attachment",
    }


def test_indicators_of_the_msg_match_the_eml() -> None:
    def pivots(findings: list[Finding]) -> set[tuple[object, object, str]]:
        return {(f.details["kind"], f.details["value"], str(f.locator)) for f in findings}

    on_msg = _run(TextIndicatorDetector, OUTLOOK, MSG)
    assert pivots(on_msg) == pivots(_run(TextIndicatorDetector, EML, "message/rfc822"))
    assert ("email", "resolution.desk@mailbox.example.net") in {
        (f.details["kind"], f.details["value"]) for f in on_msg
    }


def test_scam_verdict_on_the_msg() -> None:
    [finding] = _run(ScamDetector, OUTLOOK, MSG)
    assert finding.verdict is Verdict.POSITIVE and finding.details["carrier"] == "email"


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (OUTLOOK[: len(OUTLOOK) // 2], Status.UNREADABLE, "could not be opened"),
        (OUTLOOK[:600], Status.UNREADABLE, "could not be opened"),
        (ole_document(), Status.UNSUPPORTED, "not a message"),
    ],
    ids=["half", "header-only", "not-a-message"],
)
def test_broken_msg_is_a_problem_with_its_reason(data: bytes, status: Status, words: str) -> None:
    for detector in (EmailForensicsDetector, TextIndicatorDetector, ScamDetector):
        findings = _run(detector, data, "application/x-ole-storage")
        assert findings and {f.status for f in findings} == {status}
        assert all(words in f.explanation for f in findings), findings[0].explanation
