"""Chat exports split into messages with sender and time.

* WhatsApp "Export chat" text files, Android (``31/12/2020, 21:41 - Name: text``)
  and iOS (``[31/12/2020, 21:41:05] Name: text``) styles, 12- or 24-hour
  clocks, ``/``, ``.`` or ``-`` date separators, the invisible marks newer
  exports put around names and times. Lines that do not start a message
  continue the previous one. Lines without ``Name:`` are system messages
  (sender empty).
* Telegram Desktop "Export chat history" JSON (``result.json``): one chat
  (``{"name", "messages": [...]}``) or a whole account (``{"chats":
  {"list": [...]}}``). Formatted text (lists of strings and entity objects)
  is flattened; a text link's target is written after its text as
  ``<href>``.

Dates are kept as written; `ChatMessage.iso_time` is filled when the day /
month order is unambiguous in the file. Parsing is bounded and never raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ChatExport",
    "ChatMessage",
    "looks_like_whatsapp",
    "parse_telegram_json",
    "parse_whatsapp",
]

MAX_MESSAGES = 200_000
MAX_MESSAGE_CHARS = 65_536

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_WHATSAPP = re.compile(
    r"^[" + _MARKS + r"]*\[?(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})[,.]?\s+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[\s\u202f\u00a0]*[AaPp]\.?\s?[Mm]\.?)?)"
    r"[" + _MARKS + r"]*(?:\]\s*|\s+[-\u2013]\s+)(?P<rest>.*)$"
)
_SENDER = re.compile(
    r"^[" + _MARKS + r"]*(?P<sender>[^:\n]{1,100}?)[" + _MARKS + r"]*: (?P<text>.*)$"
)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    index: int
    """Position in the export, from 1."""
    sender: str
    text: str
    sent_at: str
    """The date and time as written in the export."""
    iso_time: str = ""
    """ISO 8601 when the date could be read unambiguously: local time without
    a zone (WhatsApp, Telegram), UTC with ``Z`` (SMS)."""
    message_id: str = ""
    """The platform's message id where the export has one (Telegram)."""
    chat: str = ""
    direction: str = ""
    """SMS: received, sent, draft, outbox, failed or queued; empty for other chats."""
    address: str = ""
    """SMS: the other party's phone number (or short code) as written."""


@dataclass(frozen=True, slots=True)
class ChatExport:
    platform: str
    """whatsapp, telegram or sms"""
    messages: tuple[ChatMessage, ...]
    warnings: tuple[str, ...] = ()


def looks_like_whatsapp(text: str) -> bool:
    """At least two of the first 20 non-empty lines start like WhatsApp messages
    (or the only line does)."""
    lines = [line for line in text[:20_000].splitlines() if line.strip()][:20]
    hits = sum(1 for line in lines if _WHATSAPP.match(line))
    return hits >= 2 or (hits == 1 and len(lines) == 1)


def _day_first(dates: Iterable[str]) -> bool | None:
    """True for day/month/year, False for month/day/year, None if unknown."""
    day_first = month_first = False
    for date in dates:
        fields = re.split(r"[./-]", date)
        if len(fields) != 3 or len(fields[0]) == 4:
            continue
        first, second = int(fields[0]), int(fields[1])
        day_first = day_first or first > 12
        month_first = month_first or second > 12
    if day_first != month_first:
        return day_first
    return None


def _iso(date: str, time: str, day_first: bool | None) -> str:
    fields = re.split(r"[./-]", date)
    if len(fields) != 3:
        return ""
    try:
        numbers = [int(f) for f in fields]
    except ValueError:
        return ""
    if len(fields[0]) == 4:
        year, month, day = numbers
    elif day_first is None:
        return ""
    else:
        day, month, year = numbers if day_first else (numbers[1], numbers[0], numbers[2])
    if year < 100:
        year += 2000
    clock = re.match(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?", time)
    if clock is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    meridiem = re.sub(r"[^apAP]", "", time[clock.end() :]).lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def parse_whatsapp(text: str, max_messages: int = MAX_MESSAGES) -> ChatExport:
    raw: list[list[str]] = []  # [date, time, sender, text]
    warnings: list[str] = []
    for line in text.splitlines():
        match = _WHATSAPP.match(line)
        if match is None:
            if raw and len(raw[-1][3]) < MAX_MESSAGE_CHARS:
                raw[-1][3] += "\n" + line
            continue
        if len(raw) >= max_messages:
            warnings.append(f"more than {max_messages} messages; the rest was not read")
            break
        rest = match.group("rest")
        sender = _SENDER.match(rest)
        if sender is not None:
            raw.append([match["date"], match["time"], sender["sender"].strip(), sender["text"]])
        else:
            raw.append([match["date"], match["time"], "", rest])
    day_first = _day_first(entry[0] for entry in raw)
    messages = tuple(
        ChatMessage(
            index=i,
            sender=sender.strip(_MARKS + " "),
            text=body.strip(_MARKS)[:MAX_MESSAGE_CHARS],
            sent_at=f"{date}, {time}".replace("\u202f", " "),
            iso_time=_iso(date, time, day_first),
        )
        for i, (date, time, sender, body) in enumerate(raw, start=1)
    )
    return ChatExport("whatsapp", messages, tuple(warnings))


def _flatten(text: object) -> str:
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        return ""
    parts: list[str] = []
    for piece in text[:10_000]:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            inner = piece.get("text")
            parts.append(inner if isinstance(inner, str) else "")
            href = piece.get("href")
            if isinstance(href, str) and href and href != inner:
                parts.append(f" <{href}>")
    return "".join(parts)


def _telegram_chats(document: object) -> list[dict[str, object]]:
    if not isinstance(document, dict):
        return []
    if isinstance(document.get("messages"), list):
        return [document]
    chats: list[dict[str, object]] = []
    for key in ("chats", "left_chats"):
        group = document.get(key)
        listing = group.get("list") if isinstance(group, dict) else None
        if isinstance(listing, list):
            chats.extend(c for c in listing if isinstance(c, dict))
    return chats


def is_telegram_export(document: object) -> bool:
    return bool(_telegram_chats(document))


def parse_telegram_json(data: bytes | str, max_messages: int = MAX_MESSAGES) -> ChatExport:
    """Messages of a Telegram export; an empty export with a warning when the
    JSON is not one."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        return ChatExport("telegram", (), (f"not readable JSON ({type(exc).__name__})",))
    chats = _telegram_chats(document)
    if not chats:
        return ChatExport("telegram", (), ("JSON is not a Telegram chat export",))
    messages: list[ChatMessage] = []
    warnings: list[str] = []
    for chat in chats:
        chat_name = chat.get("name")
        chat_label = chat_name if isinstance(chat_name, str) else str(chat.get("id", ""))
        listing = chat.get("messages")
        if not isinstance(listing, list):
            continue
        for entry in listing:
            if len(messages) >= max_messages:
                warnings.append(f"more than {max_messages} messages; the rest was not read")
                return ChatExport("telegram", tuple(messages), tuple(warnings))
            if not isinstance(entry, dict):
                continue
            sender = entry.get("from") or entry.get("actor") or ""
            date = entry.get("date")
            text = _flatten(entry.get("text"))
            if entry.get("type") == "service" and not text:
                action = entry.get("action")
                text = action if isinstance(action, str) else ""
            sent_at = date if isinstance(date, str) else ""
            messages.append(
                ChatMessage(
                    index=len(messages) + 1,
                    sender=sender if isinstance(sender, str) else "",
                    text=text[:MAX_MESSAGE_CHARS],
                    sent_at=sent_at,
                    iso_time=sent_at if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", sent_at) else "",
                    message_id=str(entry.get("id", ""))[:40],
                    chat=chat_label[:200],
                )
            )
    return ChatExport("telegram", tuple(messages), tuple(warnings))
