"""Outlook .msg files (MS-OXMSG, an OLE compound file) turned into RFC 822
bytes, so that a .msg takes the same path as an .eml: `parse_email`, the
e-mail detectors, and ingest of its attachments as derived items.

Read with ``extract-msg`` (an optional dependency of the ``text`` extra).
Headers: the message's transport headers as received
(PR_TRANSPORT_MESSAGE_HEADERS) when it has them, less their MIME fields;
From, To, Cc, Subject, Date and Message-ID are filled from MAPI properties
when absent (drafts and sent items carry no transport headers). Bodies: the
plain text and the HTML body (or the HTML encapsulated in the RTF body).
Attachments: file attachments as they are, embedded messages as
``message/rfc822`` parts (to `MAX_DEPTH`), at most `MAX_ATTACHMENTS`; web
references and unsupported kinds are listed as warnings. Never raises for
bad input: a file that is no OLE file, or an OLE file that is no message,
comes back with a status and a warning.
"""

from __future__ import annotations

import email.encoders
import email.utils
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Literal

from vigil.text.decode import decode_text

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_DEPTH",
    "OLE_MAGIC",
    "OUTLOOK_MEDIA_TYPES",
    "OutlookMessage",
    "outlook_available",
    "outlook_to_rfc822",
]

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OUTLOOK_MEDIA_TYPES = ("application/vnd.ms-outlook", "application/x-ole-storage")
"""Sniffed types a .msg arrives as: the sniffer names an OLE file a message
only when its first bytes show MAPI stream names."""
MAX_ATTACHMENTS = 200
MAX_DEPTH = 8
"""Embedded messages deeper than this are left out (warning)."""
_MIME_FIELDS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
_ADDRESS_FIELDS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender", "return-path"})
_FIELD_START = re.compile(r"^[!-9;-~]+:")


@dataclass(frozen=True, slots=True)
class OutlookMessage:
    status: Literal["ok", "unsupported", "unreadable"]
    """unsupported: an OLE file that is not a message (a .doc, an .xls);
    unreadable: broken or not an OLE file."""
    rfc822: bytes = b""
    warnings: tuple[str, ...] = ()


def outlook_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("extract_msg") is not None


def outlook_to_rfc822(data: bytes) -> OutlookMessage:
    """The message in `data` as RFC 822 bytes; never raises."""
    if not data.startswith(OLE_MAGIC):
        return OutlookMessage("unreadable", warnings=("not an OLE compound file",))
    if not outlook_available():
        return OutlookMessage(
            "unsupported", warnings=("reading .msg needs extract-msg: pip install 'vigil[text]'",)
        )
    import extract_msg
    from extract_msg.enums import ErrorBehavior
    from extract_msg.exceptions import InvalidFileFormatError, UnrecognizedMSGTypeError

    try:
        msg = extract_msg.openMsg(data, errorBehavior=ErrorBehavior.SUPPRESS_ALL)
    except (InvalidFileFormatError, UnrecognizedMSGTypeError) as exc:
        return OutlookMessage("unsupported", warnings=(f"an OLE file but not a message ({exc})",))
    except Exception as exc:  # olefile and extract-msg raise many kinds on broken files
        return OutlookMessage(
            "unreadable", warnings=(f"the .msg could not be opened ({type(exc).__name__})",)
        )
    warnings: list[str] = []
    try:
        with msg:
            rfc822 = _message(msg, 0, warnings).as_bytes()
    except RecursionError:
        return OutlookMessage("unreadable", warnings=("the .msg nests too deeply to read",))
    except Exception as exc:  # a broken stream deep inside: report, do not crash
        log.warning(".msg conversion failed: %s", type(exc).__name__)
        return OutlookMessage(
            "unreadable", warnings=(f"the .msg could not be read ({type(exc).__name__})",)
        )
    return OutlookMessage("ok", rfc822, tuple(warnings))


def _message(msg: object, depth: int, warnings: list[str]) -> MIMEMultipart:
    """One MAPI message (and its embedded messages) as a MIME tree."""
    root = MIMEMultipart("mixed")
    del root["MIME-Version"]
    for name, value in _headers(msg):
        root[name] = _encodable(name, value)
    root["MIME-Version"] = "1.0"
    bodies = MIMEMultipart("alternative")
    del bodies["MIME-Version"]
    for text, subtype in (
        (_text(getattr(msg, "body", None)), "plain"),
        (_html(msg, warnings), "html"),
    ):
        if text:
            body = MIMEText(text, subtype, "utf-8")
            del body["MIME-Version"]
            bodies.attach(body)
    root.attach(bodies)
    for attachment in _attachments(msg, depth, warnings):
        root.attach(attachment)
    return root


def _headers(msg: object) -> Iterator[tuple[str, str]]:
    transport = _text(getattr(msg, "headerText", None))
    if transport.startswith("Microsoft Mail Internet Headers Version 2.0"):
        transport = transport[43:].lstrip()
    fields = list(_fields(transport))
    present = {name.lower() for name, _ in fields}
    yield from fields
    filled = {
        "From": _sender(msg),
        "To": _recipients(msg, 1),
        "Cc": _recipients(msg, 2),
        "Subject": _text(getattr(msg, "subject", None)),
        "Date": _date(getattr(msg, "date", None)),
        "Message-ID": _text(getattr(msg, "messageId", None)),
    }
    for name, value in filled.items():
        if value and name.lower() not in present:
            yield name, _one_line(value)


def _encodable(name: str, value: str) -> str:
    """Non-ASCII address fields with only their display names encoded: the
    serialiser would otherwise encode the whole field, addresses included."""
    if value.isascii() or name.lower() not in _ADDRESS_FIELDS:
        return value
    pairs = email.utils.getaddresses([value])
    return ", ".join(email.utils.formataddr(pair, "utf-8") for pair in pairs if any(pair))


def _fields(block: str) -> Iterator[tuple[str, str]]:
    """Header fields of a raw header block, unfolded; MIME fields dropped."""
    name, lines = "", []
    for line in block.replace("\r\n", "\n").split("\n") + [""]:
        if line[:1] in (" ", "\t") and name:
            lines.append(line.strip())
            continue
        if name and name.lower() not in _MIME_FIELDS:
            yield name, " ".join(lines)
        name, lines = "", []
        if _FIELD_START.match(line):
            name, _, value = line.partition(":")
            lines = [value.strip()]


def _sender(msg: object) -> str:
    """The From address from MAPI properties: the SMTP address when the
    sender is an Exchange (EX) entry."""
    stream = getattr(msg, "getStringStream", None)
    if stream is None:
        return ""

    def prop(tag: str) -> str:
        return _one_line(_text(stream(f"__substg1.0_{tag}")))

    name = prop("0C1A") or prop("0042")
    address = prop("5D01")
    if not address and prop("0C1E").upper() == "SMTP":
        address = prop("0C1F")
    if not address and prop("0064").upper() == "SMTP":
        address = prop("0065")
    if not address:
        address = prop("5D02")
    return email.utils.formataddr((name, address)) if address else name


def _recipients(msg: object, kind: int) -> str:
    """The recipients of one kind (1 To, 2 Cc: MAPI's PR_RECIPIENT_TYPE),
    SMTP addresses preferred over Exchange ones."""
    listed = []
    for recipient in getattr(msg, "recipients", None) or ():
        if int(getattr(recipient, "type", 0) or 0) & 0xF != kind:
            continue
        address = _text(getattr(recipient, "smtpAddress", None)) or _text(
            getattr(recipient, "email", None)
        )
        name = _text(getattr(recipient, "name", None))
        if address:
            listed.append(email.utils.formataddr(("" if name == address else name, address)))
    return ", ".join(listed)


def _date(value: object) -> str:
    return email.utils.format_datetime(value) if isinstance(value, datetime) else ""


def _html(msg: object, warnings: list[str]) -> str:
    """The HTML body as stored, else the HTML encapsulated in the RTF body;
    never the HTML extract-msg makes up from the plain body."""
    get_stream = getattr(msg, "getStream", None)
    raw = get_stream("__substg1.0_10130102") if get_stream is not None else None
    if not raw and getattr(msg, "rtfBody", None):
        from extract_msg.enums import DeencapType

        try:
            raw = msg.deencapsulateBody(msg.rtfBody, DeencapType.HTML)  # type: ignore[attr-defined]
        except Exception as exc:  # RTFDE raises its own kinds on malformed RTF
            warnings.append(f"the RTF body could not be read ({type(exc).__name__})")
            raw = None
    if isinstance(raw, str):
        return raw
    return decode_text(raw).text if isinstance(raw, bytes) and raw else ""


def _attachments(msg: object, depth: int, warnings: list[str]) -> Iterator[MIMEBase]:
    from extract_msg.enums import AttachmentType

    attachments = list(getattr(msg, "attachments", None) or ())
    if len(attachments) > MAX_ATTACHMENTS:
        warnings.append(f"{len(attachments)} attachments; only the first {MAX_ATTACHMENTS} read")
    for index, attachment in enumerate(attachments[:MAX_ATTACHMENTS], start=1):
        kind = getattr(attachment, "type", None)
        name = _one_line(
            _text(getattr(attachment, "longFilename", None))
            or _text(getattr(attachment, "shortFilename", None))
            or f"attachment-{index}"
        )
        data = getattr(attachment, "data", None)
        if kind in (AttachmentType.MSG, AttachmentType.SIGNED_EMBEDDED) and data is not None:
            if depth + 1 >= MAX_DEPTH:
                warnings.append(f"embedded message {name!r} nested deeper than {MAX_DEPTH}")
                continue
            part: MIMEBase = MIMEMessage(_message(data, depth + 1, warnings))
        elif isinstance(data, bytes):
            maintype, _, subtype = (_text(getattr(attachment, "mimetype", None)) or "").partition(
                "/"
            )
            part = MIMEBase(maintype or "application", subtype or "octet-stream")
            part.set_payload(data)
            email.encoders.encode_base64(part)
        else:
            warnings.append(f"attachment {name!r} ({getattr(kind, 'name', kind)}) has no data")
            continue
        del part["MIME-Version"]
        part.add_header("Content-Disposition", "attachment", filename=name)
        yield part


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return decode_text(value).text
    return value if isinstance(value, str) else ""


def _one_line(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())
