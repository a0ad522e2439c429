"""URLs, registrable domains, e-mail addresses and IP addresses.

Domains are judged against the public suffix list bundled with tldextract,
which is built with no list URLs and no cache directory so that it never
touches the network or the disk.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import idna
import tldextract

__all__ = [
    "DomainName",
    "EmailAddress",
    "IpAddress",
    "Url",
    "find_bare_domains",
    "find_emails",
    "find_ips",
    "find_urls",
    "registrable_domain",
    "suffix_extractor",
]


@lru_cache(maxsize=1)
def suffix_extractor() -> tldextract.TLDExtract:
    """The offline public-suffix matcher (built once: parsing the list takes ~70 ms).

    Private suffixes (blogspot.com, github.io, pages.dev...) count as public
    suffixes, so each customer site is its own registrable domain."""
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@dataclass(frozen=True, slots=True)
class DomainName:
    """A registrable domain and where it stands inside a larger match."""

    value: str
    """Lower-case IDNA (punycode) form."""
    unicode: str
    """The human-readable form when the domain is internationalised, else ''."""
    suffix: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Url:
    start: int
    end: int
    value: str
    host: str
    """Lower-case IDNA host, no brackets."""
    host_start: int
    host_end: int
    path: str
    userinfo_at: int
    """Text index of the '@' ending a userinfo part, or -1."""
    domain: DomainName | None


@dataclass(frozen=True, slots=True)
class EmailAddress:
    start: int
    end: int
    value: str
    domain: DomainName | None


@dataclass(frozen=True, slots=True)
class IpAddress:
    start: int
    end: int
    address: ipaddress.IPv4Address | ipaddress.IPv6Address

    @property
    def scope(self) -> str:
        """private, loopback, link_local, multicast, unspecified, reserved or global."""
        a = self.address
        for name in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
            if getattr(a, f"is_{name}"):
                return name
        return "global" if a.is_global else "reserved"


# --- host names -------------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# Extensions of common files that are also top-level domains: "setup.py" or
# "notes.zip" standing alone is more likely a file name than a site.
_FILE_LIKE_TLDS = frozenset(
    {"am", "cc", "cs", "md", "ml", "mov", "pl", "pm", "ps", "py", "rs", "sh", "so", "tf", "zip"}
)
# A bare name (no scheme, www. or path) counts only under a country-code TLD
# or one of these generic ones: in chat text "nice.how are you" or
# "u.call me" would otherwise be read as sites under .how or .call.
_BARE_GENERIC_TLDS = frozenset(
    """com net org info biz edu gov mil int xyz top online site shop club store app dev vip
    live life icu fun space website tech link click win bid loan men asia mobi pro name buzz
    monster rest cam cyou sbs cfd bond lat ltd email finance cloud host page blog news digital
    network world global center services support trade market exchange money cash bank
    agency company group solutions systems today work""".split()
)
# Country codes that are also short words: "pain.it will" or "today.do as"
# (no space after the full stop) are not sites when a lower-case word follows.
_WORD_TLDS = frozenset(
    {"am", "as", "at", "be", "by", "do", "es", "in", "is", "it", "me", "my", "no", "so", "to", "us"}
)


def _to_ascii_host(host: str) -> str | None:
    host = host.rstrip(".").lower()
    if not host:
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return host


def _unicode_host(host: str) -> str:
    if "xn--" not in host:
        return ""
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return ""


def registrable_domain(host: str) -> tuple[str, str] | None:
    """(registrable domain, public suffix) of an ASCII host, or None when the
    host has no known public suffix or is itself one."""
    result = suffix_extractor()(host)
    if not result.suffix or not result.domain:
        return None
    return f"{result.domain}.{result.suffix}", result.suffix


_DOT = re.compile(r"\[\.\]|\(\.\)|\.")


def _domain_in(raw_host: str, ascii_host: str, offset: int) -> DomainName | None:
    """The registrable domain of a host written at text[offset:offset+len(raw_host)]
    (dots may be defanged as [.] or (.))."""
    found = registrable_domain(ascii_host)
    if found is None:
        return None
    domain, suffix = found
    seps = [(m.start(), m.end()) for m in _DOT.finditer(raw_host)]
    end = len(raw_host)
    while seps and seps[-1][1] == end:  # a trailing root dot
        end = seps.pop()[0]
    labels = domain.count(".") + 1
    if len(seps) + 1 < labels:
        return None
    start = 0 if len(seps) + 1 == labels else seps[-labels][1]
    return DomainName(domain, _unicode_host(domain), suffix, offset + start, offset + end)


def _trim_host(host: str) -> str:
    """Cut a host where running text glued to it begins: at the first
    non-ASCII character that is not a letter, mark or digit, or where the
    last label switches between ASCII and another script ('scam.comค่ะ')."""
    for i, char in enumerate(host):
        if not char.isascii() and unicodedata.category(char)[0] not in "LMN":
            host = host[:i]
            break
    dot = host.rfind(".")
    last = host[dot + 1 :]
    if last and not last.isascii() and last[0].isascii():
        cut = next(i for i, c in enumerate(last) if not c.isascii())
        host = host[: dot + 1 + cut]
    return host


# --- URLs -------------------------------------------------------------------

# Letters of scripts that mix with Latin in look-alike names: a host glued to
# one of them ('аpple.com' with a Cyrillic a) is not cut out of it. Thai or
# Chinese running straight into a link is common and does not block a match.
_GLUED = r"A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"
_PATH_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_SCHEME_URL = re.compile(
    r"(?<![A-Za-z0-9])(?P<scheme>https?|hxxps?|ftp):/{1,3}"
    r"(?P<userinfo>[^\s/?#@<>\"'\[\]]{1,256}@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]{2,45}\]|(?:[^\s/?#:@<>\"'`\[\](){}\\|^,;!*+=&$%]|\[\.\]|\(\.\)){1,253})"
    r"(?::(?P<port>\d{1,5}))?"
    rf"(?P<path>[/?#]{_PATH_CHARS}*)?",
    re.IGNORECASE,
)
_HOSTNAME = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
_SCHEMELESS = re.compile(
    rf"(?<![{_GLUED}.\-@/_:])(?P<host>{_HOSTNAME})(?::(?P<port>\d{{1,5}}))?"
    rf"(?P<path>/{_PATH_CHARS}*)?(?![A-Za-z0-9\-_@])"
)
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


def _trim_path(path: str) -> str:
    while path:
        last = path[-1]
        if last in _TRAILING:
            path = path[:-1]
        elif last in _PAIRS and path.count(last) > path.count(_PAIRS[last]):
            path = path[:-1]
        else:
            break
    return path


def _normalise_url(scheme: str, userinfo: str, host: str, port: str | None, path: str) -> str:
    port_part = f":{port}" if port and _DEFAULT_PORTS.get(scheme) != port.lstrip("0") else ""
    if not path or path[0] != "/":
        path = "/" + path
    display_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{userinfo}{display_host}{port_part}{path}"


def _host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def find_urls(text: str) -> Iterator[Url]:
    """http(s)/ftp URLs (also defanged hxxp, and with one or three slashes, a
    filter-evasion trick), www. hosts, and scheme-less host/path links such
    as bit.ly/abc, with trailing punctuation trimmed."""
    yield from _scheme_urls(text)
    yield from _schemeless_urls(text)


def _scheme_urls(text: str) -> Iterator[Url]:
    for m in _SCHEME_URL.finditer(text):
        scheme = m["scheme"].lower().replace("xx", "tt")
        raw_host, host_start = m["host"], m.start("host")
        port, path = m["port"], m["path"] or ""
        domain: DomainName | None = None
        if raw_host.startswith("["):
            address = _host_address(raw_host[1:-1])
            if address is None or address.version != 6:
                continue
            host = str(address)
        else:
            trimmed = _trim_host(raw_host)
            if trimmed != raw_host:
                raw_host, port, path = trimmed, None, ""
            if not port and not path:
                raw_host = raw_host.rstrip(".")  # a full stop ending the sentence
            ascii_host = _to_ascii_host(raw_host.replace("[.]", ".").replace("(.)", "."))
            if ascii_host is None:
                continue
            host = ascii_host
            if _host_address(host) is None:
                domain = _domain_in(raw_host, host, host_start)
                if domain is None and "." in host:
                    continue  # a dotted name without a public suffix is no internet host
        path = _trim_path(path)
        host_end = host_start + len(raw_host)
        end = (m.end("port") if port else host_end) + len(path)
        userinfo = m["userinfo"] or ""
        value = _normalise_url(scheme, userinfo, host, port, path)
        at = m.end("userinfo") - 1 if userinfo else -1
        yield Url(m.start(), end, value, host, host_start, host_end, path, at, domain)


def _schemeless_urls(text: str) -> Iterator[Url]:
    for m in _SCHEMELESS.finditer(text):
        raw_host = m["host"]
        path = _trim_path(m["path"] or "")
        is_www = raw_host.lower().startswith("www.")
        if not path and not is_www:
            continue  # a bare name is a domain, not a link: see find_bare_domains
        host = raw_host.lower()
        domain = _domain_in(raw_host, host, m.start("host"))
        if domain is None:
            continue
        port = m["port"]
        end = (m.end("port") if port else m.end("host")) + len(path)
        value = _normalise_url("http", "", host, port, path)
        yield Url(m.start(), end, value, host, m.start("host"), m.end("host"), path, -1, domain)


# --- bare domains and e-mail --------------------------------------------------

_BARE = re.compile(
    rf"(?<![{_GLUED}.\-@/_:])(?P<host>{_HOSTNAME})(?![A-Za-z0-9\-_@/]|\.[A-Za-z0-9])"
)


_WORD_AFTER = re.compile(r" [a-z]")


def find_bare_domains(text: str) -> Iterator[DomainName]:
    """Host names written without scheme or path ('paypal-verify.com').

    Kept only with a known public suffix, and then only when the name does
    not look like two sentences glued at a full stop: the suffix is a
    country code or a common generic one, not capitalised ('home.Click'), not
    a file extension ('setup.py'), not a word-like country code followed by
    a lower-case word ('pain.it will')."""
    for m in _BARE.finditer(text):
        raw = m["host"]
        tld = raw.rsplit(".", 1)[1]
        lower_tld = tld.lower()
        if tld[0].isupper() and not tld.isupper():
            continue
        if raw.lower().startswith("www."):
            pass
        elif lower_tld in _FILE_LIKE_TLDS:
            continue
        elif len(tld) != 2 and lower_tld not in _BARE_GENERIC_TLDS:
            continue
        elif lower_tld in _WORD_TLDS and _WORD_AFTER.match(text, m.end()):
            continue
        domain = _domain_in(raw, raw.lower(), m.start())
        if domain is not None:
            yield domain


_EMAIL = re.compile(
    rf"(?<![{_GLUED}._%+\-])(?P<local>[A-Za-z0-9._%+\-]{{1,64}})@(?P<host>{_HOSTNAME})"
    r"(?![A-Za-z0-9\-_]|\.[A-Za-z0-9])"
)


def find_emails(text: str) -> Iterator[EmailAddress]:
    for m in _EMAIL.finditer(text):
        local = m["local"]
        if local.startswith(".") or local.endswith(".") or ".." in local:
            continue
        domain = _domain_in(m["host"], m["host"].lower(), m.start("host"))
        if domain is None:
            continue
        yield EmailAddress(m.start(), m.end(), m.group().lower(), domain)


# --- IP addresses ------------------------------------------------------------

_IPV4 = re.compile(r"(?<![0-9A-Za-z.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z]|\.[0-9A-Za-z])")
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})"
    r"(?![0-9A-Za-z:]|\.[0-9A-Za-z])"
)
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]")


def find_ips(text: str) -> Iterator[IpAddress]:
    """IPv4 in dotted quads (no leading zeros) and IPv6 in any RFC 4291 form;
    private, loopback and other special ranges are kept and marked by `scope`."""
    for m in _IPV4.finditer(text):
        address = _host_address(m.group())
        if address is not None:
            yield IpAddress(m.start(), m.end(), address)
    for m in _IPV6.finditer(text):
        candidate = m.group()
        if candidate != "::1" and len(_HEX_DIGITS.findall(candidate)) < 3:
            continue
        address = _host_address(candidate)
        if address is not None:
            yield IpAddress(m.start(), m.end(), address)
