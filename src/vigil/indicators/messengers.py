"""Messenger pivots: Telegram usernames (t.me links, @names near the word
Telegram), other bare @handles (LINE IDs marked), and WhatsApp click-to-chat
links as phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from vigil.indicators.network import Url
from vigil.indicators.phones import PhoneHit, parse_international

__all__ = ["HandleHit", "find_handles", "telegram_from_url", "whatsapp_from_url"]


@dataclass(frozen=True, slots=True)
class HandleHit:
    start: int
    end: int
    username: str
    """Lower-case, without the '@'."""
    platform: str
    """'telegram' for t.me links and @names with Telegram named nearby,
    'line' for @names announced as a LINE ID, else ''."""

    @property
    def telegram(self) -> bool:
        return self.platform == "telegram"


_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog", "www.t.me", "www.telegram.me"})
# First path segments of t.me links that are not usernames
_TELEGRAM_RESERVED = frozenset(
    {
        "addemoji", "addlist", "addstickers", "addtheme", "auth", "bg", "boost", "c",
        "confirmphone", "contact", "giftcode", "invoice", "iv", "joinchat", "login", "m",
        "nft", "proxy", "setlanguage", "share", "socks",
    }
)  # fmt: skip
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_WHATSAPP_HOSTS = frozenset(
    {"wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com", "www.whatsapp.com"}
)
_PHONE_PARAM = re.compile(r"[?&]phone=\+?(\d{6,15})(?!\d)")
_WA_PATH = re.compile(r"^/\+?(\d{6,15})(?!\d)")

_HANDLE = re.compile(
    r"(?<![A-Za-z0-9_.@/+\-])@(?P<name>[A-Za-z][A-Za-z0-9_]{4,31})(?![A-Za-z0-9_@]|\.[A-Za-z0-9])"
)
_TELEGRAM_WORDS = re.compile(
    r"(?i)telegram|\btg\b|\btele\b|t\.me|телеграм|телеграмм|тг\b|电报|纸飞机|飞机|"
    r"تلغرام|تيليجرام|تليجرام|تلگرام|เทเลแกรม|เทเล|telegrama"
)
_LINE_BEFORE = re.compile(r"(?i)(?:\bline\b(?:\s*id)?|ไลน์|ライン)\s*[:：]?\s*$")
_LINE_WORDS = re.compile(r"ไลน์|แอดไลน์|ライン|(?i:\bline\s*id\b)")
_CONTEXT_CHARS = 80
_MENTION_WORDS = frozenset({"everyone", "here", "channel", "admin", "admins"})


def _valid_username(name: str) -> bool:
    return bool(_USERNAME.fullmatch(name)) and not name.endswith("_") and "__" not in name


def telegram_from_url(url: Url) -> HandleHit | None:
    """The public username a t.me link points at (t.me/name, t.me/s/name,
    t.me/name/123), not invite (t.me/+..., joinchat) or private-chat links."""
    if url.host not in _TELEGRAM_HOSTS or not url.path:
        return None
    segments = url.path.split("?")[0].split("#")[0].split("/")
    names = [s for s in segments if s]
    if names and names[0] == "s":
        names = names[1:]
    if not names or names[0].lower() in _TELEGRAM_RESERVED or not _valid_username(names[0]):
        return None
    name = names[0]
    start = url.end - len(url.path) + url.path.index(name)
    return HandleHit(start, start + len(name), name.lower(), "telegram")


def whatsapp_from_url(url: Url) -> PhoneHit | None:
    """The number of a click-to-chat link: wa.me/<number>,
    api.whatsapp.com/send?phone=<number>."""
    if url.host not in _WHATSAPP_HOSTS or not url.path:
        return None
    match = _WA_PATH.match(url.path) if url.host == "wa.me" else None
    if match is None:
        match = _PHONE_PARAM.search(url.path)
    if match is None:
        return None
    digits = match.group(1)
    start = url.end - len(url.path) + match.start(1)
    # make sure the query really carries it (not a fragment that looks alike)
    if (
        url.host != "wa.me"
        and digits not in parse_qs(urlsplit(url.value).query).get("phone", [""])[0]
    ):
        return None
    return parse_international(digits, start, start + len(digits))


def find_handles(text: str) -> Iterator[HandleHit]:
    """Bare @names (5-32 characters, Telegram's rules); Telegram ones when
    Telegram is named within 80 characters on the same line, LINE ones when
    announced as a LINE ID."""
    for m in _HANDLE.finditer(text):
        name = m["name"]
        if not _valid_username(name) or name.lower() in _MENTION_WORDS:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        lo = max(line_start, m.start() - _CONTEXT_CHARS)
        window = text[lo : min(line_end, m.end() + _CONTEXT_CHARS)]
        if _TELEGRAM_WORDS.search(window):
            platform = "telegram"
        elif _LINE_BEFORE.search(text, max(line_start, m.start() - 16), m.start()) or (
            _LINE_WORDS.search(window)
        ):
            platform = "line"
        else:
            platform = ""
        yield HandleHit(m.start(), m.end(), name.lower(), platform)
