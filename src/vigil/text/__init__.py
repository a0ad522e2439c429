"""Text from the carriers evidence comes in: plain text in any common
encoding, HTML, e-mail (headers, bodies, links, attachment facts), Outlook
.msg, mbox, WhatsApp and Telegram chat exports, PDF and DOCX, images by OCR
(RapidOCR, and Tesseract for the scripts RapidOCR misreads); and the
character n-gram hashing and linear models the text detectors share.

A library: it imports `vigil.domain`, `vigil.imaging.decode` (bounded image
decoding), the standard library and, inside functions, numpy, pypdf,
extract-msg and rapidocr; Tesseract runs as a subprocess fed on stdin. It
never touches the network and writes no files.
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
from vigil.text.ocr import OcrEngine, OcrLine, OcrReader, OcrText
from vigil.text.outlook import OUTLOOK_MEDIA_TYPES, OutlookMessage, outlook_to_rfc822

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
    "OUTLOOK_MEDIA_TYPES",
    "OcrEngine",
    "OcrLine",
    "OcrReader",
    "OcrText",
    "OutlookMessage",
    "ParsedEmail",
    "TextSegment",
    "decode_text",
    "docx_text",
    "extract_text",
    "html_to_text",
    "iter_mbox",
    "looks_binary",
    "looks_like_whatsapp",
    "outlook_to_rfc822",
    "parse_email",
    "parse_telegram_json",
    "parse_whatsapp",
    "pdf_text",
    "read_bounded",
]
