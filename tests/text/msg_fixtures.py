"""Outlook .msg test files, written here with aspose-email-foss (MIT, pure
Python, a dev dependency): extract-msg only reads, and no .msg sample ships
in any package this project installs."""

from __future__ import annotations

import email
import email.policy

import pytest

msg = pytest.importorskip("aspose.email_foss.msg", reason="aspose-email-foss writes .msg files")
cfb = pytest.importorskip("aspose.email_foss.cfb")


def msg_from_eml(eml: bytes) -> bytes:
    """The .msg Outlook would save for this received message: its headers as
    transport headers, bodies and attachments as MAPI properties."""
    parsed = email.message_from_bytes(eml, policy=email.policy.default)
    return bytes(msg.MapiMessage.from_email_message(parsed).to_bytes())


def draft(
    subject: str,
    body: str,
    sender: tuple[str, str],
    to: str,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> object:
    """A message with no transport headers (a draft or sent item)."""
    message = msg.MapiMessage.create(subject, body)
    message.set_property(msg.PropertyId.SENDER_NAME, sender[0])
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, sender[1])
    message.set_property(msg.PropertyId.SENDER_ADDRESS_TYPE, "SMTP")
    message.add_recipient(to)
    for name, data, mime_type in attachments:
        message.add_attachment(name, data, mime_type=mime_type)
    return message


def to_bytes(message: object) -> bytes:
    return bytes(message.to_bytes())  # type: ignore[attr-defined]


def nested(depth: int) -> bytes:
    """A message holding a message holding ... `depth` levels down."""
    inner = draft("level 0", "innermost", ("A", "a@example.org"), "b@example.org")
    for level in range(1, depth):
        outer = draft(f"level {level}", "wrapper", ("A", "a@example.org"), "b@example.org")
        outer.add_embedded_message_attachment(inner, filename=f"level-{level - 1}.msg")  # type: ignore[attr-defined]
        inner = outer
    return to_bytes(inner)


def ole_document() -> bytes:
    """An OLE compound file that is no message (a Word-like stream)."""
    root = cfb.CFBStorage("Root Entry")
    root.add_stream(cfb.CFBStream("WordDocument", b"\x00" * 600))
    return bytes(cfb.CFBWriter.to_bytes(cfb.CFBDocument(root)))
