"""E-mail parsing: bodies, addresses, attachments, and hostile messages that
must give warnings instead of exceptions."""

from __future__ import annotations

import base64
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.text.mail import MailLimits, iter_mbox, parse_email


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = '"Service Desk" <desk@example.test>'
    message["Reply-To"] = "other@example.org"
    message["To"] = "Bob <bob@example.net>"
    message["Subject"] = "Réunion demain"
    message.set_content("Plain body text.\n")
    message.add_alternative(
        '<p>HTML body with <a href="https://x.example.test/a">a link</a>.</p>', subtype="html"
    )
    return message


def test_headers_addresses_and_bodies() -> None:
    mail = parse_email(bytes(_message()))
    assert mail.subject == "Réunion demain"
    assert [(a.display_name, a.address, a.domain) for a in mail.from_] == [
        ("Service Desk", "desk@example.test", "example.test")
    ]
    assert mail.reply_to[0].domain == "example.org"
    assert mail.to[0].address == "bob@example.net"
    assert [(b.section, b.content_type) for b in mail.bodies] == [
        ("1", "text/plain"),
        ("2", "text/html"),
    ]
    assert mail.links[0].href == "https://x.example.test/a"
    assert mail.text().startswith("Réunion demain\n\n")
    assert not mail.warnings


def test_html_wins_when_the_plain_part_is_a_stub() -> None:
    message = EmailMessage()
    message["Subject"] = "s"
    message.set_content("-\n")
    message.add_alternative("<p>" + "The real message is here. " * 10 + "</p>", subtype="html")
    assert "The real message is here." in parse_email(bytes(message)).body_text()


def _zip(names: dict[str, bytes], encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    if encrypted:  # set the general-purpose 'encrypted' bit in every header
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (start := data.find(signature, start)) >= 0:
                data[start + offset] |= 0x01
                start += 4
    return bytes(data)


def test_attachments_are_described_not_run() -> None:
    message = _message()
    message.add_attachment(
        _zip({"docs/invoice.pdf.exe": b"MZ"}),
        maintype="application",
        subtype="zip",
        filename="invoice.zip",
    )
    message.add_attachment(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "_VBA_PROJECT".encode("utf-16-le"),
        maintype="application",
        subtype="msword",
        filename="form.doc",
    )
    message.add_attachment(
        b"<html><form action='https://x.test'><input type='password'></form></html>",
        maintype="text",
        subtype="html",
        filename="login.html",
    )
    message.add_attachment(
        _zip({"a.txt": b"x"}, encrypted=True),
        maintype="application",
        subtype="zip",
        filename="locked.zip",
    )
    mail = parse_email(bytes(message))
    by_name = {a.filename: a for a in mail.attachments}
    assert by_name["invoice.zip"].archive_members == ("docs/invoice.pdf.exe",)
    assert by_name["invoice.zip"].sniffed == "zip"
    assert by_name["form.doc"].has_macros and by_name["form.doc"].sniffed == "ole"
    assert by_name["login.html"].html_forms[0].has_password
    assert by_name["locked.zip"].archive_encrypted
    assert not by_name["invoice.zip"].archive_encrypted
    assert all(b.section != a.section for b in mail.bodies for a in mail.attachments)


def _deep(depth: int) -> bytes:
    head = b"From: a@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    body += b"Content-Type: text/plain\r\n\r\ninnermost text\r\n"
    body += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + body


@pytest.mark.parametrize("depth", [40, 2000])
def test_deep_mime_nesting_gives_a_warning(depth: int) -> None:
    mail = parse_email(_deep(depth))
    assert mail.subject == "deep"
    assert any("MIME" in w for w in mail.warnings)


def test_hostile_headers_are_bounded() -> None:
    huge = parse_email(b"From: a@example.test\r\nSubject: " + b"A" * 3_000_000 + b"\r\n\r\nbody")
    assert len(huge.subject) <= MailLimits().max_header_chars
    assert any("cut" in w for w in huge.warnings)
    many = parse_email(b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\nbody")
    assert len(many.headers) == MailLimits().max_headers
    assert any("header fields" in w for w in many.warnings)


def test_bad_encodings_never_raise() -> None:
    mail = parse_email(
        b"From: \xe9ric <eric@example.test>\r\nSubject: caf\xe9 =?utf-8?q?=C3=A9t=C3=A9?=\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!not base64==\r\n"
    )
    assert mail.subject == "café été"
    assert mail.from_[0].display_name == "éric"
    assert len(mail.bodies) == 1
    assert set(mail.warnings) >= {
        "header 'From': raw 8-bit bytes, charset guessed",
        "part 1: declared charset 'x-unknown-charset' does not fit the bytes; read as utf-8",
    }
    assert any(w.startswith("part 1: InvalidBase64") for w in mail.warnings)
    bogus = parse_email(b"From: a@example.test\r\nSubject: =?bogus?q?x?=\r\n\r\nhi")
    assert bogus.warnings == ("header 'Subject': encoded word in unknown charset 'bogus'",)


def test_html_bomb_body_is_cut_with_a_warning() -> None:
    mail = parse_email(
        b"From: a@example.test\r\nContent-Type: text/html\r\n\r\n" + b"<b>" * 500_000
    )
    assert any("HTML cut" in w for w in mail.warnings)


def test_unusual_return_path_still_gives_a_domain() -> None:
    mail = parse_email(
        b"Return-Path: <bounce+1.2-user@pot=hotmail.com@mail.example.test>\r\n"
        b"From: x@y.test\r\n\r\n"
    )
    assert mail.return_path[0].domain == "mail.example.test"


def test_mbox_is_split_and_unquoted() -> None:
    mbox = (
        b"From alice@example.test Mon Jan  1 00:00:00 2024\nSubject: one\n\nFirst\n>From here\n\n"
        b"From bob@example.test Mon Jan  1 00:00:01 2024\nSubject: two\n\nSecond\n"
    )
    messages = list(iter_mbox(io.BytesIO(mbox)))
    assert len(messages) == 2
    assert messages[0] is not None and b"\nFrom here" in messages[0]
    assert parse_email(messages[1] or b"").subject == "two"
    too_big = list(iter_mbox(io.BytesIO(mbox), max_message_bytes=10))
    assert too_big == [None, None]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [b"From: ", b"To: ", b"Subject: ", b"Content-Type: multipart/mixed; boundary=x",
                 b"\r\n", b"--x\r\n", b"--x--", b"Content-Transfer-Encoding: base64\r\n",
                 b"=?utf-8?b?w6k=?=", b"<a href=http://x.test>", b"\xff\xfe", b"filename=a.exe",
                 b"Content-Disposition: attachment; ", b"charset=bogus", b"<", b"@"]
            ),
            st.binary(max_size=20),
        ),
        max_size=40,
    ).map(b"".join)
)  # fmt: skip
def test_any_bytes_parse(data: bytes) -> None:
    mail = parse_email(data)
    assert isinstance(mail.text(), str)
    assert all(isinstance(w, str) for w in mail.warnings)


def test_every_shared_mail_parses(shared_data: Path) -> None:
    folders = ["email_spamassassin", "email_phishing_pot", "email_modern_ham"]
    paths = sorted(p for f in folders for p in (shared_data / "text" / f).rglob("*.eml"))
    assert len(paths) > 1000
    with_text = 0
    for path in paths[::4]:
        mail = parse_email(path.read_bytes())
        with_text += bool(mail.text().strip())
    assert with_text >= 0.97 * len(paths[::4])


def test_base64_attachment_size_is_the_decoded_size() -> None:
    message = _message()
    message.add_attachment(b"x" * 3000, maintype="application", subtype="octet-stream",
                           filename="blob.bin")  # fmt: skip
    mail = parse_email(bytes(message))
    assert mail.attachments[0].size == 3000
    assert base64.b64encode(b"x" * 3000).decode()[:20] not in mail.text()
