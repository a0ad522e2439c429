"""E-mail (RFC 822 / MIME) to headers, bodies, links and attachment facts,
with every size bounded, and mbox files split into messages.

Parsing uses the standard library's `email` package with the lenient
``compat32`` policy (it records defects instead of raising). Limits: bytes
parsed, header fields kept and their length, MIME parts visited and their
nesting depth, body text per part, archive members listed. Anything cut or
malformed becomes a warning string on the result; nothing raises for bad
input. Attachments are described (name, declared and sniffed type, size,
archive listing, macro storage), never opened beyond that, never run.
"""

from __future__ import annotations

import codecs
import email
import email.errors
import email.policy
import email.utils
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from typing import BinaryIO

from vigil.text.decode import decode_text
from vigil.text.html import HtmlForm, HtmlLink, html_to_text

__all__ = [
    "Address",
    "Attachment",
    "MailBody",
    "MailLimits",
    "ParsedEmail",
    "iter_mbox",
    "parse_email",
]

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?[bBqQ]\?")


@dataclass(frozen=True, slots=True)
class MailLimits:
    max_bytes: int = 32 << 20
    """Bytes of the message parsed; the rest is ignored (warning)."""
    max_headers: int = 500
    max_header_chars: int = 16_384
    """Characters kept of one header value."""
    max_parts: int = 500
    max_depth: int = 24
    max_body_chars: int = 500_000
    """Characters kept of one body part's text."""
    max_archive_members: int = 1_000


@dataclass(frozen=True, slots=True)
class Address:
    display_name: str
    address: str
    """Lower-case addr-spec (local@domain); may be empty when unparsable."""

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].strip(".").lower() if "@" in self.address else ""


@dataclass(frozen=True, slots=True)
class MailBody:
    section: str
    """IMAP-style part number (``1``, ``2.1``...)."""
    content_type: str
    text: str
    charset: str
    links: tuple[HtmlLink, ...] = ()
    """HTML parts: the links, with their targets (not in `text`)."""
    hidden_text: str = ""
    """HTML parts: text of hidden elements (not in `text`)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    section: str
    filename: str
    content_type: str
    """As declared in the part's header."""
    size: int
    sniffed: str = ""
    """What the first bytes say: zip, ole, pdf, rar, 7z, gzip, pe, elf, html, iso or ''."""
    archive_members: tuple[str, ...] = ()
    archive_encrypted: bool = False
    has_macros: bool = False
    """An Office document carrying a VBA project (OLE stream or vbaProject.bin)."""
    html_forms: tuple[HtmlForm, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    headers: tuple[tuple[str, str], ...]
    """Decoded header fields, in order (names as written)."""
    subject: str
    from_: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    return_path: tuple[Address, ...]
    to: tuple[Address, ...]
    bodies: tuple[MailBody, ...]
    links: tuple[HtmlLink, ...]
    forms: tuple[HtmlForm, ...]
    attachments: tuple[Attachment, ...]
    hidden_chars: int = 0
    warnings: tuple[str, ...] = ()
    defects: tuple[str, ...] = field(default_factory=tuple)

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def body_text(self) -> str:
        """The readable body: plain parts, unless the HTML parts say much more
        (phishing often ships a near-empty text/plain alternative)."""
        plain = "\n\n".join(b.text for b in self.bodies if b.content_type == "text/plain")
        html = "\n\n".join(b.text for b in self.bodies if b.content_type == "text/html")
        if html and len(plain.strip()) < 0.5 * len(html.strip()):
            return html
        return plain or html

    def text(self) -> str:
        """Subject and readable body, the text a content classifier reads."""
        body = self.body_text()
        return f"{self.subject}\n\n{body}" if self.subject else body


def _decode_header_value(value: str, limit: int) -> str:
    value = value[:limit]
    # compat32 keeps undecodable 8-bit bytes as surrogate escapes
    if any("\udc80" <= c <= "\udcff" for c in value):
        value = decode_text(value.encode("utf-8", "surrogateescape")).text
    if _ENCODED_WORD.search(value):
        try:
            pieces = decode_header(value)
        except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
            pieces = []
        if pieces:
            value = "".join(_decode_piece(piece, charset) for piece, charset in pieces)
    return " ".join(value.split())


def _header_encoding_problem(value: str) -> str:
    """Raw 8-bit bytes (RFC 5322 headers are ASCII) or an encoded word in a
    charset Python does not know; '' when neither."""
    if any("\udc80" <= c <= "\udcff" for c in value):
        return "raw 8-bit bytes, charset guessed"
    for match in _ENCODED_WORD.finditer(value):
        charset = match.group(1).split("*")[0]  # RFC 2231 language suffix
        try:
            codecs.lookup(charset)
        except (LookupError, ValueError):
            return f"encoded word in unknown charset {charset!r}"
    return ""


def _fits(declared: str, used: str, raw: bytes) -> bool:
    """Whether the bytes were read in the charset the part declares (ASCII
    read as UTF-8 counts)."""
    try:
        name = codecs.lookup(declared.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return False
    return name == used or (name == "ascii" and used == "utf-8" and raw.isascii())


def _decode_piece(piece: bytes | str, charset: str | None) -> str:
    if isinstance(piece, str):
        return piece
    if charset is None:  # text outside encoded words comes back raw-unicode-escaped
        return piece.decode("raw-unicode-escape", "replace")
    return decode_text(piece, charset).text


_ADDR_SPEC = re.compile(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()@]+")


def _addresses(raw_values: list[str], limit: int) -> tuple[Address, ...]:
    found: list[Address] = []
    for raw in raw_values:
        raw = raw[:limit]
        try:
            pairs = email.utils.getaddresses([raw])
        except (ValueError, IndexError, TypeError, email.errors.HeaderParseError):
            pairs = []
        parsed = [
            Address(_decode_header_value(name, limit), addr.strip().strip("<>").lower())
            for name, addr in pairs[:50]
            if "@" in addr and not addr.startswith("@") and not addr.endswith("@")
        ]
        if not parsed:
            # unusual forms (two @ in a VERP address, bare words): take addr-specs as written
            plain = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            parsed = [Address("", m.group(0).lower()) for m in _ADDR_SPEC.finditer(plain)][:50]
        found.extend(parsed)
    return tuple(found)


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"%PDF", "pdf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"MZ", "pe"),
    (b"\x7fELF", "elf"),
)
_OLE_VBA = "_VBA_PROJECT".encode("utf-16-le")


def _sniff(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if len(data) > 0x8006 and data[0x8001:0x8006] == b"CD001":
        return "iso"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg")):
        return "html"
    return ""


def _describe_attachment(
    section: str, part: Message, data: bytes, limits: MailLimits, warnings: list[str]
) -> Attachment:
    filename = _decode_header_value(str(part.get_filename() or ""), limits.max_header_chars)
    sniffed = _sniff(data)
    members: list[str] = []
    encrypted = False
    has_macros = False
    forms: tuple[HtmlForm, ...] = ()
    if sniffed == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist()[: limits.max_archive_members]:
                    members.append(info.filename[:300])
                    encrypted = encrypted or bool(info.flag_bits & 0x1)
                    name = info.filename.lower()
                    has_macros = has_macros or name.endswith("vbaproject.bin")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            warnings.append(f"attachment {section}: unreadable zip ({type(exc).__name__})")
    elif sniffed == "ole":
        has_macros = _OLE_VBA in data or b"_VBA_PROJECT" in data
    elif sniffed == "html" or filename.lower().endswith((".htm", ".html", ".shtml", ".xhtml")):
        forms = html_to_text(decode_text(data[: 4 << 20]).text).forms
    return Attachment(
        section,
        filename,
        part.get_content_type(),
        len(data),
        sniffed,
        tuple(members),
        encrypted,
        has_macros,
        forms,
    )


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except (ValueError, IndexError, TypeError):
        disposition = None
    return disposition == "attachment" or part.get_filename() is not None


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, UnicodeError, AssertionError):
        return b""
    return data if isinstance(data, bytes) else b""


@dataclass(slots=True)
class _Walk:
    limits: MailLimits
    bodies: list[MailBody] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    links: list[HtmlLink] = field(default_factory=list)
    forms: list[HtmlForm] = field(default_factory=list)
    hidden_chars: int = 0
    warnings: list[str] = field(default_factory=list)
    parts: int = 0

    def walk(self, root: Message) -> None:
        """Depth-first over the MIME tree with an explicit stack (no recursion)."""
        stack: list[tuple[Message, str, int]] = [(root, "", 0)]
        while stack:
            part, section, depth = stack.pop()
            self.parts += 1
            if self.parts > self.limits.max_parts:
                self.warnings.append(f"more than {self.limits.max_parts} MIME parts; rest skipped")
                return
            if part.get_content_type() == "message/rfc822":
                self._attached_message(part, section or "1")
                continue
            if part.is_multipart():
                children = part.get_payload()
                if not isinstance(children, list):
                    continue
                if depth >= self.limits.max_depth:
                    self.warnings.append(
                        f"MIME nesting deeper than {self.limits.max_depth} at part "
                        f"{section or 'top'}; deeper parts skipped"
                    )
                    continue
                numbered = [
                    (child, f"{section}.{i}" if section else str(i), depth + 1)
                    for i, child in enumerate(children, start=1)
                    if isinstance(child, Message)
                ]
                stack.extend(reversed(numbered))
                continue
            self._leaf(part, section or "1")

    def _attached_message(self, part: Message, section: str) -> None:
        inner = part.get_payload()
        subject = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = _decode_header_value(str(inner[0].get("subject", "")), 300)
        name = _decode_header_value(str(part.get_filename() or ""), 300) or subject
        self.attachments.append(Attachment(section, name, "message/rfc822", 0, "message"))

    def _leaf(self, part: Message, section: str) -> None:
        content_type = part.get_content_type()
        if _is_attachment(part):
            data = _payload_bytes(part)
            self.attachments.append(
                _describe_attachment(section, part, data, self.limits, self.warnings)
            )
            return
        if content_type not in ("text/plain", "text/html"):
            return
        raw = _payload_bytes(part)
        # decoding records broken base64 / quoted-printable as defects on the part
        for defect in part.defects[:3]:
            self.warnings.append(f"part {section}: {type(defect).__name__}")
        try:
            charset = part.get_content_charset() or ""
        except (ValueError, LookupError, TypeError):
            charset = ""
        decoded = decode_text(raw[: self.limits.max_body_chars * 4], charset or None)
        if decoded.replaced:
            self.warnings.append(f"part {section}: bytes not valid in {decoded.encoding}")
        elif charset and raw and not _fits(charset, decoded.encoding, raw):
            self.warnings.append(
                f"part {section}: declared charset {charset[:40]!r} does not fit the bytes; "
                f"read as {decoded.encoding}"
            )
        text = decoded.text.replace("\r\n", "\n")
        if content_type == "text/html":
            rendered = html_to_text(text, max_chars=self.limits.max_body_chars)
            links = rendered.links[: max(0, 2000 - len(self.links))]
            self.links.extend(links)
            self.forms.extend(rendered.forms[:100])
            self.hidden_chars += rendered.hidden_chars
            if rendered.truncated:
                self.warnings.append(f"part {section}: HTML cut at the size or tag limit")
            body = MailBody(
                section,
                content_type,
                rendered.text,
                decoded.encoding,
                links=links,
                hidden_text=rendered.hidden_text,
            )
            self.bodies.append(body)
            return
        if len(text) > self.limits.max_body_chars:
            self.warnings.append(f"part {section}: text cut at {self.limits.max_body_chars} chars")
            text = text[: self.limits.max_body_chars]
        self.bodies.append(MailBody(section, content_type, text, decoded.encoding))


def parse_email(data: bytes, limits: MailLimits | None = None) -> ParsedEmail:
    """Parse one RFC 822 message; never raises for bad input."""
    limits = limits or MailLimits()
    warnings: list[str] = []
    if len(data) > limits.max_bytes:
        warnings.append(f"message cut at {limits.max_bytes} bytes")
        data = data[: limits.max_bytes]
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
    except (RecursionError, ValueError, TypeError, IndexError, LookupError) as exc:
        # e.g. MIME nested deeper than the parser's recursion allows: keep the
        # headers and read the whole body as one plain-text part
        warnings.append(
            f"MIME structure could not be parsed ({type(exc).__name__}); body read as plain text"
        )
        message = BytesParser(policy=email.policy.compat32).parsebytes(data, headersonly=True)
        message.set_type("text/plain")
    headers: list[tuple[str, str]] = []
    raw_items = list(message.raw_items())
    if len(raw_items) > limits.max_headers:
        warnings.append(f"{len(raw_items)} header fields; only the first {limits.max_headers} kept")
    for name, value in raw_items[: limits.max_headers]:
        text = str(value)
        if len(text) > limits.max_header_chars:
            warnings.append(f"header {name[:40]!r} cut at {limits.max_header_chars} chars")
        encoding_problem = _header_encoding_problem(text[: limits.max_header_chars])
        if encoding_problem and len(warnings) < 100:
            warnings.append(f"header {name[:40]!r}: {encoding_problem}")
        headers.append((name[:200], _decode_header_value(text, limits.max_header_chars)))

    def raw(name: str) -> list[str]:
        return [str(v) for k, v in raw_items[: limits.max_headers] if k.lower() == name]

    walker = _Walk(limits)
    try:
        walker.walk(message)
    except RecursionError:
        walker.warnings.append("MIME structure too deep to walk; parts skipped")
    subject = next((v for k, v in headers if k.lower() == "subject"), "")
    defects = tuple(type(d).__name__ for d in message.defects[:50])
    return ParsedEmail(
        headers=tuple(headers),
        subject=subject,
        from_=_addresses(raw("from"), limits.max_header_chars),
        reply_to=_addresses(raw("reply-to"), limits.max_header_chars),
        return_path=_addresses(raw("return-path"), limits.max_header_chars),
        to=_addresses(raw("to") + raw("delivered-to"), limits.max_header_chars),
        bodies=tuple(walker.bodies),
        links=tuple(walker.links),
        forms=tuple(walker.forms),
        attachments=tuple(walker.attachments),
        hidden_chars=walker.hidden_chars,
        warnings=tuple(warnings + walker.warnings),
        defects=defects,
    )


def iter_mbox(stream: BinaryIO, max_message_bytes: int = 32 << 20) -> Iterator[bytes | None]:
    """Messages of an mbox, split on 'From ' lines after a blank line, with
    mboxrd '>From ' unquoted; a message over the limit yields None (skipped,
    never held in memory whole)."""
    lines: list[bytes] = []
    size = 0
    previous_blank = True
    started = False
    for line in iter(lambda: stream.readline(1 << 20), b""):
        if line.startswith(b"From ") and previous_blank:
            if started:
                yield _mbox_message(lines, size, max_message_bytes)
            lines, size, started = [], 0, True
        elif started:
            size += len(line)
            if size <= max_message_bytes:
                lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if started:
        yield _mbox_message(lines, size, max_message_bytes)


def _mbox_message(lines: list[bytes], size: int, limit: int) -> bytes | None:
    if size > limit:
        return None
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(
        line[1:] if line.startswith(b">") and line.lstrip(b">").startswith(b"From ") else line
        for line in lines
    )
