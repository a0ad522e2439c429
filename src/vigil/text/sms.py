"""SMS exports: the Android "SMS Backup & Restore" XML format.

``<smses count=".."><sms address="+44.." date="1700000000000" type="1"
body=".." readable_date=".." contact_name=".."/>..<mms date=".." msg_box="1"
address=".."><parts><part ct="text/plain" text=".."/></parts><addrs><addr
address=".." type="137"/></addrs></mms></smses>``

``sms type``: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued; the
same numbers in ``mms msg_box``. An MMS ``addr`` of type 137 is its sender,
151 a recipient. ``date`` is milliseconds since the epoch (UTC).

The file is untrusted: it is parsed by expat directly, streaming (handlers,
no tree), with entity declarations and external entities refused (a billion
laughs or an XXE gives a warning, never an expansion or a file read), and at
most `MAX_MESSAGES` messages. The app writes emoji as pairs of UTF-16
surrogate character references (``&#55357;&#56832;``), which XML forbids;
they are joined before parsing. Never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.parsers import expat

from vigil.text.chat import MAX_MESSAGE_CHARS, MAX_MESSAGES, ChatExport, ChatMessage

__all__ = ["SMS_ROOT", "parse_sms_backup"]

SMS_ROOT = "smses"
_CHUNK = 1 << 16
_DIRECTIONS = {
    "1": "received",
    "2": "sent",
    "3": "draft",
    "4": "outbox",
    "5": "failed",
    "6": "queued",
}
_OUTGOING = frozenset(_DIRECTIONS.values()) - {"received"}
_MMS_FROM = "137"
_SURROGATE_PAIR = re.compile(rb"&#(5[5-6]\d{3});&#(5[6-7]\d{3});")
_SURROGATE = re.compile(rb"&#(5[5-7]\d{3});")
OWNER = "me"
"""Sender of messages sent from the phone the backup was taken from."""


class _Refused(Exception):
    """The XML declares entities or reaches outside the file."""


class _Full(Exception):
    """The message bound was reached."""


def _join_pair(match: re.Match[bytes]) -> bytes:
    high, low = int(match.group(1)), int(match.group(2))
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        return b"&#%d;" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return match.group(0)


def _lone_half(match: re.Match[bytes]) -> bytes:
    return b"&#65533;" if 0xD800 <= int(match.group(1)) <= 0xDFFF else match.group(0)


def _fix_surrogates(data: bytes) -> bytes:
    return _SURROGATE.sub(_lone_half, _SURROGATE_PAIR.sub(_join_pair, data))


def _utc(millis: str) -> str:
    try:
        moment = datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _party(address: str, contact: str) -> str:
    """'Name (+44...)', or the address alone when the contact is unknown."""
    contact = "" if contact in ("", "(Unknown)", "null") else contact
    return f"{contact} ({address})" if contact and address else contact or address


@dataclass
class _Reader:
    max_messages: int
    messages: list[ChatMessage] = field(default_factory=list)
    root: str = ""
    mms: dict[str, str] | None = None
    mms_text: list[str] = field(default_factory=list)
    mms_from: str = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if not self.root:
            self.root = name
            if name != SMS_ROOT:
                raise _Refused(f"the root element is <{name[:40]}>, not <{SMS_ROOT}>")
        elif name == "sms":
            self._add(attrs, attrs.get("body", ""), attrs.get("type", ""), attrs.get("address", ""))
        elif name == "mms":
            self.mms, self.mms_text, self.mms_from = dict(attrs), [], ""
        elif name == "part" and self.mms is not None:
            if attrs.get("ct", "").startswith("text/plain") and attrs.get("text"):
                self.mms_text.append(attrs["text"])
        elif name == "addr" and self.mms is not None and attrs.get("type") == _MMS_FROM:
            self.mms_from = attrs.get("address", "")

    def end(self, name: str) -> None:
        if name == "mms" and self.mms is not None:
            mms, self.mms = self.mms, None
            box = mms.get("msg_box", "")
            # a received MMS is from its 137 address; a group MMS lists all parties in `address`
            address = self.mms_from if box == "1" and self.mms_from else mms.get("address", "")
            self._add(mms, "\n".join(self.mms_text), box, address)

    def _add(self, attrs: dict[str, str], body: str, kind: str, address: str) -> None:
        if len(self.messages) >= self.max_messages:
            raise _Full
        direction = _DIRECTIONS.get(kind, "unknown")
        address = address[:200]
        party = _party(address, attrs.get("contact_name", "")[:200])
        iso_time = _utc(attrs.get("date", ""))
        self.messages.append(
            ChatMessage(
                index=len(self.messages) + 1,
                sender=OWNER if direction in _OUTGOING else party,
                text=body[:MAX_MESSAGE_CHARS],
                sent_at=attrs.get("readable_date", "")[:80] or iso_time,
                iso_time=iso_time,
                chat=party,
                direction=direction,
                address=address,
            )
        )


def _refuse(*_: object) -> None:
    raise _Refused("the XML declares entities; they were not expanded")


def _refuse_external(*_: object) -> int:
    raise _Refused("the XML refers to an external entity; it was not read")


def _parser(reader: _Reader) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def parse_sms_backup(data: bytes, max_messages: int = MAX_MESSAGES) -> ChatExport:
    """Messages of an SMS Backup & Restore file, in file order; the messages
    read before a fault, with a warning, when the XML is broken, hostile or
    longer than `max_messages`."""
    reader = _Reader(max_messages)
    parser = _parser(reader)
    data = _fix_surrogates(data)
    warnings: list[str] = []
    try:
        for start in range(0, len(data), _CHUNK):
            parser.Parse(data[start : start + _CHUNK], False)
        parser.Parse(b"", True)
    except _Full:
        warnings.append(f"more than {max_messages} messages; the rest was not read")
    except _Refused as exc:
        warnings.append(str(exc))
    except expat.ExpatError as exc:
        warnings.append(f"the XML is broken at line {exc.lineno}: {expat.ErrorString(exc.code)}")
    except RecursionError:
        warnings.append("the XML nests too deeply")
    return ChatExport("sms", tuple(reader.messages), tuple(warnings))
