"""Hosts, URLs and registrable domains for the mail checks.

Registrable domains come from the public suffix list bundled with
tldextract (private suffixes such as ``web.app`` included, so each hosted
site is its own domain), built with no list URLs and no cache directory so
that nothing touches the network or the disk. tldextract and idna are
imported inside functions (the ``text`` extra).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import tldextract

__all__ = [
    "Host",
    "domain_in_text",
    "find_urls",
    "host_of_url",
    "parse_host",
    "registrable_domain",
]

SPECIAL_USE_TLDS = frozenset({"test", "example", "invalid", "localhost"})
"""RFC 2606 / RFC 6761 names, absent from the public suffix list: treated as
one-label suffixes so that test and training evidence (x.example.test) is
judged like real domains."""
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\])}]{2,2000}", re.IGNORECASE)
_DOMAIN_TEXT = re.compile(
    r"(?<![@\w.-])(?:https?://)?((?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+"
    r"[a-z\u00a1-\uffff]{2,63})(?![\w-]*@)",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    import tldextract

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@dataclass(frozen=True, slots=True)
class Host:
    name: str
    """Lower-case ASCII (punycode) host name."""
    unicode: str
    """The Unicode form (differs from `name` for internationalised names)."""
    registrable: str
    """Registrable domain in ASCII, '' when none (IP address, single label)."""
    registrable_unicode: str
    is_ip: bool = False


@lru_cache(maxsize=8192)
def parse_host(raw: str) -> Host | None:
    """A host as written (Unicode or punycode, maybe with a port or a
    trailing dot); None when it is not a plausible host name."""
    import idna

    host = raw.strip().strip("[]").rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        ipaddress.ip_address(host)
        return Host(host, host, "", "", True)
    except ValueError:
        pass
    try:
        ascii_name = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    try:
        unicode_name = idna.decode(ascii_name) if "xn--" in ascii_name else ascii_name
    except (idna.IDNAError, UnicodeError, ValueError):
        unicode_name = ascii_name
    result = _extractor()(ascii_name)
    registrable = f"{result.domain}.{result.suffix}" if result.domain and result.suffix else ""
    labels = ascii_name.split(".")
    if not registrable and len(labels) >= 2 and labels[-1] in SPECIAL_USE_TLDS:
        registrable = ".".join(labels[-2:])
    registrable_unicode = registrable
    if registrable and "xn--" in registrable:
        try:
            registrable_unicode = idna.decode(registrable)
        except (idna.IDNAError, UnicodeError, ValueError):
            registrable_unicode = registrable
    return Host(ascii_name, unicode_name, registrable, registrable_unicode)


def registrable_domain(host: str) -> str:
    parsed = parse_host(host)
    return parsed.registrable if parsed is not None else ""


def host_of_url(url: str) -> Host | None:
    """The host of an http(s) URL, or of ``www.…`` written without a scheme."""
    url = url.strip()
    if url.lower().startswith("www."):
        url = "http://" + url
    try:
        parts = urlsplit(url[:4000])
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return parse_host(host)


def find_urls(text: str, limit: int = 500) -> list[str]:
    """http(s) and www. URLs written in plain text, trailing punctuation trimmed."""
    found = []
    for match in _URL.finditer(text[:1_000_000]):
        found.append(match.group(0).rstrip(".,;:!?"))
        if len(found) >= limit:
            break
    return found


def domain_in_text(text: str) -> Host | None:
    """The first host name shown in a short text (link text such as
    'www.paypal.com' or 'https://bank.example/login'), when it has a
    registrable domain; e-mail addresses are not hosts."""
    match = _DOMAIN_TEXT.search(text[:500])
    if match is None:
        return None
    host = parse_host(match.group(1))
    return host if host is not None and host.registrable else None
