"""Outlook .msg to RFC 822: headers, bodies, attachments, embedded messages,
and broken files as warnings. The .msg files are written by msg_fixtures."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("extract_msg")
from tests.text.msg_fixtures import draft, msg_from_eml, nested, ole_document, to_bytes  # noqa: E402
from vigil.formats.sniff import sniff_media_type  # noqa: E402
from vigil.text.carriers import extract_text  # noqa: E402
from vigil.text.mail import parse_email  # noqa: E402
from vigil.text.outlook import MAX_DEPTH, outlook_to_rfc822  # noqa: E402
from vigil.text.samples import phishing_email  # noqa: E402

IBAN = "DE89 3704 0044 0532 0130 00"


def _demo_msg() -> bytes:
    return msg_from_eml(phishing_email())


def test_received_message_keeps_its_transport_headers_bodies_and_attachment() -> None:
    converted = outlook_to_rfc822(_demo_msg())
    assert converted.status == "ok" and not converted.warnings
    mail = parse_email(converted.rfc822)
    assert [a.address for a in mail.from_] == ["service@paypal-resolution.example.test"]
    assert mail.from_[0].display_name == "PayPal Service"
    assert [a.address for a in mail.reply_to] == ["resolution.desk@mailbox.example.net"]
    assert "dmarc=fail" in mail.header_values("Authentication-Results")[0]
    assert mail.subject == "Your account has been limited - action required"
    assert [b.content_type for b in mail.bodies] == ["text/plain", "text/html"]
    assert [link.href for link in mail.links] == ["http://paypal-resolution.example.test/login"]
    [attachment] = mail.attachments
    assert attachment.filename == "account_statement.html"
    assert attachment.html_forms and attachment.html_forms[0].has_password


def test_draft_headers_come_from_mapi_properties() -> None:
    message = draft(
        "Zahlung fällig",
        f"Bitte zahlen Sie heute an {IBAN}",
        ("Jörg Müller", "joerg@example.de"),
        "kunde@example.org",
        (("rechnung.pdf.exe", b"MZ\x90\x00", "application/octet-stream"),),
    )
    mail = parse_email(outlook_to_rfc822(to_bytes(message)).rfc822)
    assert mail.from_[0].address == "joerg@example.de"
    assert mail.from_[0].display_name == "Jörg Müller"  # only the name is encoded
    assert mail.subject == "Zahlung fällig"
    assert [a.address for a in mail.to] == ["kunde@example.org"]
    assert IBAN in mail.text()
    [attachment] = mail.attachments
    assert (attachment.filename, attachment.sniffed) == ("rechnung.pdf.exe", "pe")


def test_embedded_messages_become_attached_messages_to_a_depth_limit() -> None:
    converted = outlook_to_rfc822(nested(3))
    assert converted.status == "ok"
    assert [a.content_type for a in parse_email(converted.rfc822).attachments] == ["message/rfc822"]
    deep = outlook_to_rfc822(nested(MAX_DEPTH + 3))
    assert deep.status == "ok"
    assert any(f"nested deeper than {MAX_DEPTH}" in w for w in deep.warnings)


def test_sniffed_as_outlook_and_read_by_the_carrier() -> None:
    data = _demo_msg()
    assert sniff_media_type(data[:8192]) == "application/vnd.ms-outlook"
    extracted = extract_text(data, "application/vnd.ms-outlook")
    assert extracted.carrier == "email" and extracted.email is not None
    assert "unusual sign-in activity" in extracted.full_text()
    assert extract_text(data, "application/vnd.ms-outlook", truncated=True).carrier == "unreadable"


def test_an_ole_file_that_is_no_message_is_unsupported() -> None:
    data = ole_document()
    assert sniff_media_type(data[:8192]) == "application/x-ole-storage"
    converted = outlook_to_rfc822(data)
    assert converted.status == "unsupported" and "not a message" in converted.warnings[0]
    assert extract_text(data, "application/x-ole-storage").carrier == "unsupported"


@pytest.mark.parametrize("keep", [512, 3000, 0.5, -100], ids=["header", "3k", "half", "end"])
def test_truncated_ole_is_unreadable_with_a_warning(keep: float) -> None:
    data = _demo_msg()
    cut = data[: int(len(data) * keep) if isinstance(keep, float) else keep]
    converted = outlook_to_rfc822(cut)
    assert converted.status == "unreadable"
    assert converted.warnings[0].startswith("the .msg could not be opened")
    extracted = extract_text(cut, "application/vnd.ms-outlook")
    assert extracted.carrier == "unreadable" and extracted.warnings == converted.warnings


def test_not_ole_is_unreadable() -> None:
    converted = outlook_to_rfc822(b"From: a@example.org\r\n\r\nhello")
    assert converted.status == "unreadable" and converted.warnings == ("not an OLE compound file",)


_DEMO = _demo_msg()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_DEMO) - 1), st.integers(0, 255)), max_size=20))
def test_corrupted_msg_never_raises(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_DEMO)
    for offset, value in flips:
        data[offset] = value
    converted = outlook_to_rfc822(bytes(data))
    assert converted.status in ("ok", "unsupported", "unreadable")
    if converted.status == "ok":
        parse_email(converted.rfc822)
    else:
        assert converted.warnings
