"""One entry point from an item's bytes and sniffed media type to the text
it carries, split into segments (a message, a page, a chat message) that
each know where they came from."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.domain.model import Locator
from vigil.formats.sniff import SMS_BACKUP_MEDIA_TYPE
from vigil.text.chat import ChatExport, looks_like_whatsapp, parse_telegram_json, parse_whatsapp
from vigil.text.decode import decode_text, looks_binary
from vigil.text.documents import docx_text, pdf_text
from vigil.text.html import HtmlText, html_to_text
from vigil.text.mail import ParsedEmail, parse_email
from vigil.text.ocr import OcrEngine, OcrText
from vigil.text.outlook import OUTLOOK_MEDIA_TYPES, outlook_to_rfc822
from vigil.text.sms import parse_sms_backup

__all__ = [
    "CARRIER_MEDIA_TYPES",
    "CHAT_CARRIERS",
    "DOCX_MEDIA_TYPE",
    "IMAGE_MEDIA_TYPES",
    "ExtractedText",
    "TextSegment",
    "extract_text",
]

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CARRIER_MEDIA_TYPES = (
    "text/plain",
    "text/html",
    "text/csv",
    "message/rfc822",
    "application/json",
    "application/pdf",
    DOCX_MEDIA_TYPE,
    SMS_BACKUP_MEDIA_TYPE,
    *OUTLOOK_MEDIA_TYPES,
)
"""Sniffed media types `extract_text` reads without OCR (an OLE file that is
not an Outlook message comes back unsupported)."""
CHAT_CARRIERS = ("whatsapp", "telegram", "sms")
"""Carriers whose segments are messages of many authors."""
IMAGE_MEDIA_TYPES = (
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/bmp",
    "image/gif",
    "image/tiff",
)
"""Sniffed media types `extract_text` reads when given an OCR engine."""


@dataclass(frozen=True, slots=True)
class TextSegment:
    text: str
    locator: Locator
    """Relative to the item: empty for the whole item, else e.g. page=3,
    chat_message=17 or pixel_box=x,y,w,h (a line read by OCR)."""
    kind: str
    """text, html, email, chat_message, pdf_page, docx or ocr"""
    sender: str = ""
    sent_at: str = ""
    iso_time: str = ""
    direction: str = ""
    """SMS only: received, sent, draft..."""
    address: str = ""
    """SMS only: the other party's number."""


@dataclass(frozen=True, slots=True)
class ExtractedText:
    carrier: str
    """plain, html, email (.eml and Outlook .msg), whatsapp, telegram, sms, pdf,
    docx, image_ocr; unsupported or unreadable when no text could be taken
    (see `warnings`)."""
    segments: tuple[TextSegment, ...]
    warnings: tuple[str, ...] = ()
    truncated: bool = False
    encoding: str = ""
    email: ParsedEmail | None = None
    ocr: OcrText | None = None
    html: HtmlText | None = None
    """HTML items: the links and hidden text left out of the segments."""

    @property
    def ok(self) -> bool:
        return self.carrier not in ("unsupported", "unreadable")

    def full_text(self) -> str:
        return "\n\n".join(segment.text for segment in self.segments)


def _mostly_control(text: str) -> bool:
    sample = text[:65_536]
    if not sample:
        return False
    control = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    return control > 0.05 * len(sample)


def _unsupported(reason: str) -> ExtractedText:
    return ExtractedText("unsupported", (), (reason,))


def _unreadable(reason: str) -> ExtractedText:
    return ExtractedText("unreadable", (), (reason,))


def _image(data: bytes, truncated: bool, ocr: OcrEngine | None) -> ExtractedText:
    if ocr is None:
        return _unsupported("text in images needs OCR: pip install 'vigil-forensics[text]'")
    if truncated:
        return _unreadable("the image is larger than the read limit")
    result = ocr.read(data)
    if not result.readable:
        return ExtractedText("unreadable", (), result.warnings, ocr=result)
    if not result.lines:  # a readable image that shows no text
        warnings = ("OCR found no text in the image", *result.warnings)
        return ExtractedText("unsupported", (), warnings, ocr=result)
    segments = tuple(
        TextSegment(line.text, Locator().child("pixel_box", line.pixel_box), "ocr")
        for line in result.lines
    )
    return ExtractedText("image_ocr", segments, result.warnings, ocr=result)


def _email(data: bytes, truncated: bool, carried: tuple[str, ...] = ()) -> ExtractedText:
    parsed = parse_email(data)
    warnings = carried + parsed.warnings + (("message cut at the read limit",) if truncated else ())
    text = parsed.text()
    segments = (TextSegment(text, Locator(), "email"),) if text.strip() else ()
    return ExtractedText("email", segments, warnings, truncated, "", parsed)


def _outlook(data: bytes, truncated: bool) -> ExtractedText:
    if truncated:
        return _unreadable("the .msg file is larger than the read limit")
    converted = outlook_to_rfc822(data)
    if converted.status != "ok":
        return ExtractedText(converted.status, (), converted.warnings)
    return _email(converted.rfc822, False, converted.warnings)


def _chat(export: ChatExport, truncated: bool, encoding: str) -> ExtractedText:
    segments = tuple(
        TextSegment(
            message.text,
            Locator().child("chat_message", str(message.index)),
            "chat_message",
            message.sender,
            message.sent_at,
            message.iso_time,
            message.direction,
            message.address,
        )
        for message in export.messages
    )
    return ExtractedText(export.platform, segments, export.warnings, truncated, encoding)


def _sms(data: bytes, truncated: bool) -> ExtractedText:
    export = parse_sms_backup(data)
    if truncated:  # the XML breaks where reading stopped: say why
        export = ChatExport(
            "sms", export.messages, ("backup cut at the read limit", *export.warnings)
        )
    if not export.messages:
        return _unreadable(
            export.warnings[0] if export.warnings else "the backup holds no messages"
        )
    return _chat(export, truncated, "utf-8")


def extract_text(
    data: bytes, media_type: str, *, truncated: bool = False, ocr: OcrEngine | None = None
) -> ExtractedText:
    """Text of an item whose first bytes are `data` (`truncated`: the item was
    longer than what was read); images only when an OCR engine is given.
    Never raises."""
    if not data.strip():
        return _unreadable("the item holds no text")
    if media_type in IMAGE_MEDIA_TYPES:
        return _image(data, truncated, ocr)
    if media_type == "application/pdf":
        if truncated:
            return _unreadable("the PDF is larger than the read limit")
        document = pdf_text(data)
        pages = tuple(
            TextSegment(text, Locator().child("page", str(number)), "pdf_page")
            for number, text in enumerate(document.pages, start=1)
            if text.strip()
        )
        carrier = "pdf" if pages else "unreadable"
        warnings = document.warnings or (() if pages else ("no text layer (scanned?)",))
        return ExtractedText(carrier, pages, warnings, document.truncated)
    if media_type == DOCX_MEDIA_TYPE:
        if truncated:
            return _unreadable("the document is larger than the read limit")
        document = docx_text(data)
        segments = tuple(TextSegment(t, Locator(), "docx") for t in document.pages if t.strip())
        carrier = "docx" if segments else "unreadable"
        return ExtractedText(carrier, segments, document.warnings, document.truncated)
    if media_type in OUTLOOK_MEDIA_TYPES:
        return _outlook(data, truncated)
    if media_type == SMS_BACKUP_MEDIA_TYPE:
        return _sms(data, truncated)
    if media_type not in CARRIER_MEDIA_TYPES:
        return _unsupported(f"{media_type} carries no text this reader knows")
    if looks_binary(data):
        return _unsupported(f"the bytes are not text, though sniffed as {media_type}")
    if media_type == "message/rfc822":
        return _email(data, truncated)
    decoded = decode_text(data)
    if _mostly_control(decoded.text):
        return _unsupported(f"the text is mostly control characters ({decoded.encoding})")
    warnings = ("bytes not valid in the detected encoding",) if decoded.replaced else ()
    if media_type == "application/json":
        export = parse_telegram_json(decoded.text)
        if not export.messages:
            return _unsupported(export.warnings[0] if export.warnings else "no messages")
        return _chat(export, truncated, decoded.encoding)
    if media_type == "text/html":
        rendered = html_to_text(decoded.text)
        return ExtractedText(
            "html",
            (TextSegment(rendered.text, Locator(), "html"),),
            warnings,
            truncated or rendered.truncated,
            decoded.encoding,
            html=rendered,
        )
    if looks_like_whatsapp(decoded.text):
        export = parse_whatsapp(decoded.text)
        if export.messages:
            return _chat(export, truncated, decoded.encoding)
    return ExtractedText(
        "plain",
        (TextSegment(decoded.text, Locator(), "text"),),
        warnings,
        truncated,
        decoded.encoding,
    )
