"""The text_indicators detector: reading, e-mail parts, findings and options."""

from __future__ import annotations

import base64
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.memory_evidence import MemoryEvidence
from tests.text.languages import LURES, WALLET

from vigil.detectors.base import DetectorServices, load_registry
from vigil.detectors.text.indicators import TextIndicatorDetector, TextIndicatorOptions
from vigil.domain.errors import UsageError
from vigil.domain.model import Finding, Status, Verdict


def _run(data: bytes, media_type: str = "text/plain", **options: object) -> list[Finding]:
    detector = TextIndicatorDetector(DetectorServices())
    opts = TextIndicatorDetector.parse_options(options or None)
    return list(detector.detect(MemoryEvidence(data, media_type, "x.txt"), opts))


def _kinds(findings: list[Finding]) -> list[tuple[object, object]]:
    return [(f.details["kind"], f.details["value"]) for f in findings if "kind" in f.details]


def test_registered_and_available() -> None:
    registry = load_registry()
    assert registry.available["text_indicators"] is TextIndicatorDetector
    assert TextIndicatorDetector.model_card_text().startswith("# Model card")


def test_examples_give_their_verdicts() -> None:
    for example in TextIndicatorDetector.examples():
        findings = _run(example.data, example.media_type)
        assert findings, example.name
        assert all(f.label == example.expected_label for f in findings)
        assert {f.verdict for f in findings} == {example.expected_verdict}, example.name


def test_one_finding_per_distinct_indicator_with_span_and_indicator() -> None:
    text = (
        "Pay bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq now; again: "
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    )
    [finding] = _run(text.encode())
    assert finding.verdict is Verdict.POSITIVE and finding.score == 1.0
    assert finding.details["occurrences"] == 2
    assert str(finding.locator) == "char_span=4-46"
    [indicator] = finding.indicators
    assert (indicator.kind, indicator.raw) == ("btc_address", text[4:46])
    assert "Bitcoin mainnet" in finding.explanation


def test_card_explanation_masks_the_number() -> None:
    [finding] = _run(b"card 4111 1111 1111 1111 exp 12/29")
    assert "1111 1111" not in finding.explanation and "4111" not in finding.explanation
    assert "ending in 1111" in finding.explanation
    assert finding.indicators[0].value == "4111111111111111"


def test_nothing_found_is_one_negative() -> None:
    [finding] = _run(b"Nothing to see here, just a note about lunch.")
    assert finding.verdict is Verdict.NEGATIVE and finding.score == 0.0
    assert not finding.indicators


def test_empty_and_binary_inputs_are_problems() -> None:
    [empty] = _run(b"")
    assert empty.status is Status.UNREADABLE
    [blank] = _run(b"  \n\t ")
    assert blank.status is Status.UNREADABLE
    [binary] = _run(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    assert binary.status is Status.UNSUPPORTED


def test_undecodable_bytes_are_replaced() -> None:
    data = b"Kontakt: hilfe@example.de \xe4\xf6\xfc \xff\xfe\xfd Tel. +49 30 901820"
    assert set(_kinds(_run(data))) >= {("email", "hilfe@example.de"), ("phone", "+4930901820")}


def test_utf16_with_bom_is_read() -> None:
    data = "mail joe@example.com".encode("utf-16")
    assert ("email", "joe@example.com") in _kinds(_run(data))


def test_reading_stops_at_max_bytes_and_says_so() -> None:
    data = b"a" * 2000 + b" joe@example.com"
    [finding] = _run(data, max_bytes=1024)
    assert finding.verdict is Verdict.INCONCLUSIVE
    assert finding.details["truncated_at"] == 1024
    [found] = _run(b"joe@example.com " + b"a" * 2000, max_bytes=1024, kinds=["email"])
    assert found.verdict is Verdict.POSITIVE and found.details["truncated_at"] == 1024


def test_html_links_show_their_targets() -> None:
    html = (
        b"<html><head><style>a{}</style><script>var x='evil@bad.com'</script></head>"
        b"<body><p>Visit <a href='https://phish.example.net/login'>paypal.com</a>"
        b" &#64;</p><p style='display:none'>wallet bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        b"</p></body></html>"
    )
    findings = _run(html, "text/html")
    kinds = _kinds(findings)
    assert ("url", "https://phish.example.net/login") in kinds
    sources = {f.details["value"]: f.details["text_source"] for f in findings}
    assert sources["https://phish.example.net/login"] == "html_link"
    # hidden text is left out of what a reader sees, not out of the pivots
    assert sources["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"] == "html_hidden"
    assert ("domain", "paypal.com") in kinds
    assert ("email", "evil@bad.com") not in kinds


def _mail(body: bytes, extra_headers: bytes = b"") -> bytes:
    return (
        b'From: "PayPal" <service@paypa1-support.com>\r\n'
        b"Reply-To: =?utf-8?q?Hilfe?= <hilfe@example-mail.de>\r\n"
        b"Return-Path: <bounce@bulk-sender.net>\r\n"
        b"To: victim@example.org\r\nSubject: Account\r\nMIME-Version: 1.0\r\n"
        + extra_headers
        + body
    )


def test_mail_headers_bodies_and_parts() -> None:
    html = b'<p>Pay <a href="https://pay.example.com/x">here</a></p>'
    body = (
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n\r\n'
        b"--b2\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"Call +44 20 7946 0018 or wallet 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
        + b"\r\n--b2\r\nContent-Type: text/html\r\n\r\n"
        + html
        + b"\r\n--b2--\r\n--b1\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="list.txt"\r\n\r\nattached@example.com\r\n'
        b"--b1--\r\n"
    )
    findings = _run(_mail(body), "message/rfc822")
    by_value = {f.details["value"]: f for f in findings}
    assert str(by_value["service@paypa1-support.com"].locator).startswith(
        "mime_part=HEADER.FIELDS (FROM) > char_span="
    )
    assert by_value["hilfe@example-mail.de"].details["header"] == "Reply-To"
    assert "bounce@bulk-sender.net" in by_value
    assert str(by_value["+442079460018"].locator).startswith("mime_part=1.1 > char_span=")
    assert str(by_value["https://pay.example.com/x"].locator).startswith("mime_part=1.2 >")
    assert by_value["https://pay.example.com/x"].details["text_source"] == "html_link"
    assert "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2" in by_value
    assert "attached@example.com" not in by_value  # attachments are items of their own
    assert "victim@example.org" not in by_value  # only sender headers are read


def test_hostile_mail_never_raises() -> None:
    nested = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(200)
    )
    for body in (
        nested + b"Content-Type: text/plain\r\n\r\njoe@example.com\r\n",
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\njoe@example.com\r\n",
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
        b"X-Huge: " + b"a" * 200_000 + b"\r\n\r\nbody",
    ):
        findings = _run(_mail(body), "message/rfc822")
        assert findings and all(f.status is Status.OK for f in findings)
        assert all(f.details["warnings"] for f in findings), body[:60]
    findings = _run(
        _mail(b"Content-Type: text/plain; charset=no-such-charset\r\n\r\njoe@example.com\r\n"),
        "message/rfc822",
    )
    assert ("email", "joe@example.com") in _kinds(findings)


def test_options_are_validated() -> None:
    assert TextIndicatorDetector.parse_options({"region": "de"}) == TextIndicatorOptions(
        region="DE"
    )
    bad_options: list[dict[str, object]] = [
        {"region": "XX"},
        {"kinds": ["wallet"]},
        {"max_bytes": 10},
        {"colour": "red"},
    ]
    for bad in bad_options:
        with pytest.raises(UsageError):
            TextIndicatorDetector.parse_options(bad)


def test_region_and_kinds_options() -> None:
    text = b"Ring 030 901820 or mail a@example.com"
    assert ("phone", "+4930901820") not in _kinds(_run(text))
    assert _kinds(_run(text, region="DE", kinds=["phone"])) == [("phone", "+4930901820")]


def test_max_findings_caps_the_output() -> None:
    text = " ".join(f"user{i}@example.com" for i in range(50)).encode()
    findings = _run(text, kinds=["email"], max_findings=10)
    assert len(findings) == 10


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(TextIndicatorDetector.media_types))
def test_any_bytes_give_findings_never_an_exception(data: bytes, media_type: str) -> None:
    findings = _run(data, media_type)
    assert findings
    for finding in findings:
        assert finding.label == "text.indicator"
        if finding.status is Status.OK:
            assert finding.score in (0.0, 1.0)


@pytest.mark.parametrize("bomb", ["<!--", "<a ", '<a href="', "</script", "<", "<div>"])
def test_html_bombs_take_linear_time(bomb: str) -> None:
    data = (bomb * 250_000 + " joe@example.com").encode()
    start = time.perf_counter()
    for finding in _run(data, "text/html"):
        assert finding.label == "text.indicator"
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize("language", sorted(LURES))
def test_indicators_in_every_language_of_the_issue(language: str) -> None:
    text = f"{LURES[language]}: https://paket-zoll.example.com/pay {WALLET} +44 20 7946 0018"
    kinds = set(_kinds(_run(text.encode())))
    assert {
        ("url", "https://paket-zoll.example.com/pay"),
        ("btc_address", WALLET),
        ("phone", "+442079460018"),
    } <= kinds
