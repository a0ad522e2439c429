"""Text from the carriers evidence comes in: plain text in any common
encoding, HTML, e-mail (headers, bodies, links, attachment facts), mbox,
WhatsApp and Telegram chat exports, PDF and DOCX, images by OCR; and the character n-gram
hashing and linear models the text detectors share.

A library: it imports only `vigil.domain`, the standard library and, inside
functions, numpy and pypdf. It never touches the network or the disk.
"""

from vigil.text.carriers import (
    CARRIER_MEDIA_TYPES,
    DOCX_MEDIA_TYPE,
    IMAGE_MEDIA_TYPES,
    ExtractedText,
    TextSegment,
    extract_text,
)
from vigil.text.chat import (
    ChatExport,
    ChatMessage,
    looks_like_whatsapp,
    parse_telegram_json,
    parse_whatsapp,
)
from vigil.text.decode import DecodedText, decode_text, looks_binary, read_bounded
from vigil.text.documents import DocumentText, docx_text, pdf_text
from vigil.text.html import HtmlForm, HtmlLink, HtmlText, html_to_text
from vigil.text.mail import (
    Address,
    Attachment,
    MailBody,
    MailLimits,
    ParsedEmail,
    iter_mbox,
    parse_email,
)

__all__ = [
    "Address",
    "Attachment",
    "CARRIER_MEDIA_TYPES",
    "ChatExport",
    "ChatMessage",
    "DOCX_MEDIA_TYPE",
    "IMAGE_MEDIA_TYPES",
    "DecodedText",
    "DocumentText",
    "ExtractedText",
    "HtmlForm",
    "HtmlLink",
    "HtmlText",
    "MailBody",
    "MailLimits",
    "ParsedEmail",
    "TextSegment",
    "decode_text",
    "docx_text",
    "extract_text",
    "html_to_text",
    "iter_mbox",
    "looks_binary",
    "looks_like_whatsapp",
    "parse_email",
    "parse_telegram_json",
    "parse_whatsapp",
    "pdf_text",
    "read_bounded",
]
