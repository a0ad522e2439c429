"""The text of an RFC 822 message that indicators are read from: the sender
headers (From, Reply-To, Return-Path) and the inline text/plain and text/html
bodies. Attachments and attached messages are left out: ingest stores them as
their own items. Parts are numbered as IMAP does (1, 1.2, ...)."""

from __future__ import annotations

import codecs
import email
import email.errors
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message

from vigil.detectors.text._html_text import html_to_text
from vigil.domain.model import Locator

__all__ = ["SENDER_HEADERS", "TextSource", "decode_bytes", "mail_text_sources"]

SENDER_HEADERS = ("From", "Reply-To", "Return-Path")
_MAX_PARTS = 500
_MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class TextSource:
    """A stretch of text, where it came from, and how it was made."""

    locator: Locator
    text: str
    source: str
    """plain, html_to_text or header"""
    header: str = ""


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """UTF-8 (or a BOM's encoding, or the declared charset); bytes that do not
    decode become U+FFFD."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    return data.decode(charset or "utf-8", "replace")


def _header_text(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _bodies(part: Message, section: str, depth: int, budget: list[int]) -> Iterator[TextSource]:
    if budget[0] <= 0:
        return
    if part.is_multipart():
        payload = part.get_payload()
        if depth >= _MAX_DEPTH or not isinstance(payload, list):
            return
        for index, child in enumerate(payload, start=1):
            if not isinstance(child, Message) or child.get_content_type() == "message/rfc822":
                continue
            yield from _bodies(
                child, f"{section}.{index}" if section else str(index), depth + 1, budget
            )
        return
    budget[0] -= 1
    content_type = part.get_content_type()
    if content_type not in ("text/plain", "text/html") or _is_attachment(part):
        return
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return
    text = decode_bytes(raw, part.get_content_charset())
    locator = Locator().child("mime_part", section or "1")
    if content_type == "text/html":
        yield TextSource(locator, html_to_text(text), "html_to_text")
    else:
        yield TextSource(locator, text, "plain")


def mail_text_sources(data: bytes) -> list[TextSource]:
    """Sender headers first, then bodies in part order."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    sources: list[TextSource] = []
    for name, value in message.raw_items():
        canonical = next((h for h in SENDER_HEADERS if h.lower() == name.lower()), None)
        if canonical is None:
            continue
        locator = Locator().child("mime_part", f"HEADER.FIELDS ({canonical.upper()})")
        sources.append(TextSource(locator, _header_text(str(value)), "header", canonical))
    try:
        sources.extend(_bodies(message, "", 0, [_MAX_PARTS]))
    except RecursionError:  # pathological nesting: keep what was read
        pass
    return sources
