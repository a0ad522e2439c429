"""One pass over a text for every kind of indicator, with overlaps resolved.

Some kinds nest by design (a URL holds its domain, a t.me link its Telegram
name, a wa.me link its phone number, an e-mail address its domain). Others
compete for the same characters: a digit run can read as a card number and a
phone number. Those are settled by precedence, checksummed kinds first:
crypto address, IBAN, IP address, payment card, phone number.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate

from vigil.domain.model import JsonValue
from vigil.indicators.banking import find_cards, find_ibans, mask_card
from vigil.indicators.crypto import find_crypto_addresses
from vigil.indicators.hits import CRYPTO_KINDS, IndicatorHit, IndicatorKind
from vigil.indicators.messengers import find_handles, telegram_from_url, whatsapp_from_url
from vigil.indicators.network import (
    DomainName,
    Url,
    find_bare_domains,
    find_emails,
    find_ips,
    find_urls,
)
from vigil.indicators.phones import PhoneHit, check_region, find_phone_numbers

__all__ = ["IndicatorExtractor", "extract_indicators", "parse_kinds"]

_PRECEDENCE: dict[IndicatorKind, int] = {
    **{kind: 0 for kind in CRYPTO_KINDS},
    IndicatorKind.IBAN: 1,
    IndicatorKind.IPV4: 2,
    IndicatorKind.IPV6: 2,
    IndicatorKind.PAYMENT_CARD: 3,
    IndicatorKind.PHONE: 4,
}


def parse_kinds(kinds: Iterable[str] | None) -> frozenset[IndicatorKind]:
    """Kinds by name; 'crypto' stands for every address kind. ValueError for an unknown name."""
    if kinds is None:
        return frozenset(IndicatorKind)
    chosen: set[IndicatorKind] = set()
    for name in kinds:
        if name == "crypto":
            chosen |= CRYPTO_KINDS
        else:
            try:
                chosen.add(IndicatorKind(name))
            except ValueError:
                raise ValueError(f"unknown indicator kind {name!r}") from None
    return frozenset(chosen)


class IndicatorExtractor:
    """Extracts indicators from text. `region` is a phone region hint (ISO
    3166 alpha-2) for numbers written in national form; `kinds` limits the
    output (None: all)."""

    def __init__(self, *, region: str | None = None, kinds: Iterable[str] | None = None) -> None:
        self.region = check_region(region)
        self.kinds = parse_kinds(kinds)

    def extract(self, text: str) -> list[IndicatorHit]:
        """Every occurrence, ordered by position; `text[h.start:h.end] == h.raw`."""
        urls = list(find_urls(text))
        hits = [hit for url in urls for hit in _url_hits(text, url)]
        emails = _email_hits(text, urls)
        hits.extend(emails)
        taken = _Spans([(u.start, u.end) for u in urls] + [(e.start, e.end) for e in emails])
        hits.extend(
            _domain_hit(text, domain, "text")
            for domain in find_bare_domains(text)
            if not taken.overlaps(domain.start, domain.end)
        )
        hits.extend(_ip_hits(text))
        hits.extend(_crypto_hits(text))
        hits.extend(_iban_hits(text))
        hits.extend(_card_hits(text))
        if IndicatorKind.PHONE in self.kinds:
            hits.extend(
                _phone_hit(text, phone, "text")
                for phone in find_phone_numbers(text, self.region)
                if not taken.overlaps(phone.start, phone.end)
            )
        if self.kinds & {IndicatorKind.TELEGRAM, IndicatorKind.HANDLE}:
            hits.extend(_handle_hits(text))
        return [h for h in _resolve(hits) if h.kind in self.kinds]


def extract_indicators(
    text: str, *, region: str | None = None, kinds: Iterable[str] | None = None
) -> list[IndicatorHit]:
    """Shortcut for `IndicatorExtractor(region=..., kinds=...).extract(text)`."""
    return IndicatorExtractor(region=region, kinds=kinds).extract(text)


def _hit(
    text: str,
    kind: IndicatorKind,
    value: str,
    start: int,
    end: int,
    details: dict[str, JsonValue],
) -> IndicatorHit:
    return IndicatorHit(kind, value, text[start:end], start, end, details)


class _Spans:
    """A fixed set of character spans, asked whether any overlaps [start, end)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end = list(accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self._starts, end)  # spans starting before `end`
        return before > 0 and self._max_end[before - 1] > start


def _domain_hit(text: str, domain: DomainName, source: str) -> IndicatorHit:
    details: dict[str, JsonValue] = {"suffix": domain.suffix, "source": source}
    if domain.unicode:
        details["unicode"] = domain.unicode
    return _hit(text, IndicatorKind.DOMAIN, domain.value, domain.start, domain.end, details)


def _phone_hit(text: str, phone: PhoneHit, source: str) -> IndicatorHit:
    return _hit(
        text,
        IndicatorKind.PHONE,
        phone.e164,
        phone.start,
        phone.end,
        {
            "region": phone.region,
            "number_type": phone.number_type,
            "international": phone.international,
            "source": source,
        },
    )


def _url_hits(text: str, url: Url) -> Iterator[IndicatorHit]:
    raw = text[url.start : url.end]
    defanged = raw[:3].lower() == "hxx" or "[.]" in raw or "(.)" in raw
    yield _hit(
        text,
        IndicatorKind.URL,
        url.value,
        url.start,
        url.end,
        {
            "host": url.host,
            "domain": url.domain.value if url.domain else None,
            "defanged": defanged,
        },
    )
    if url.domain is not None:
        yield _domain_hit(text, url.domain, "url")
    handle = telegram_from_url(url)
    if handle is not None:
        yield _hit(
            text,
            IndicatorKind.TELEGRAM,
            "@" + handle.username,
            handle.start,
            handle.end,
            {"source": "t.me link"},
        )
    phone = whatsapp_from_url(url)
    if phone is not None:
        yield _phone_hit(text, phone, "whatsapp link")


def _email_hits(text: str, urls: list[Url]) -> list[IndicatorHit]:
    """E-mail addresses (kind email, the address span only) and their domains."""
    userinfo_ats = {u.userinfo_at for u in urls if u.userinfo_at >= 0}
    hits: list[IndicatorHit] = []
    for email in find_emails(text):
        if any(email.start < at < email.end for at in userinfo_ats):
            continue  # http://user@host: the part before @ is no mailbox
        domain = email.domain.value if email.domain else None
        hits.append(
            _hit(text, IndicatorKind.EMAIL, email.value, email.start, email.end, {"domain": domain})
        )
        if email.domain is not None:
            hits.append(_domain_hit(text, email.domain, "email"))
    return hits


def _card_hits(text: str) -> Iterator[IndicatorHit]:
    for card in find_cards(text):
        details: dict[str, JsonValue] = {
            "brand": card.brand,
            "last4": card.number[-4:],
            "length": len(card.number),
            "masked": mask_card(card.number),
        }
        yield _hit(text, IndicatorKind.PAYMENT_CARD, card.number, card.start, card.end, details)


def _handle_hits(text: str) -> Iterator[IndicatorHit]:
    for handle in find_handles(text):
        kind = IndicatorKind.TELEGRAM if handle.telegram else IndicatorKind.HANDLE
        details: dict[str, JsonValue] = {"source": "text"}
        if handle.platform and not handle.telegram:
            details["platform"] = handle.platform
        yield _hit(text, kind, "@" + handle.username, handle.start, handle.end, details)


def _ip_hits(text: str) -> Iterator[IndicatorHit]:
    for ip in find_ips(text):
        kind = IndicatorKind.IPV4 if ip.address.version == 4 else IndicatorKind.IPV6
        yield _hit(
            text,
            kind,
            str(ip.address),
            ip.start,
            ip.end,
            {"scope": ip.scope, "is_global": ip.address.is_global},
        )


def _crypto_hits(text: str) -> Iterator[IndicatorHit]:
    for start, end, address in find_crypto_addresses(text):
        details: dict[str, JsonValue] = {
            "chain": address.chain,
            "network": address.network,
            "address_type": address.address_type,
        }
        if address.also_valid_on:
            details["also_valid_on"] = list(address.also_valid_on)
        if not address.checksummed:
            details["checksummed"] = False
        if address.legacy_value:
            details["legacy_address"] = address.legacy_value
        if address.warning:
            details["warning"] = address.warning
        yield _hit(text, IndicatorKind(address.kind), address.value, start, end, details)


def _iban_hits(text: str) -> Iterator[IndicatorHit]:
    for iban in find_ibans(text):
        details: dict[str, JsonValue] = {
            "country": iban.country,
            "formatted": iban.formatted,
            "bank_code": iban.bank_code,
        }
        if iban.bic:
            details["bic"] = iban.bic
        if iban.bank_name:
            details["bank_name"] = iban.bank_name
        if iban.aspirational:
            details["aspirational"] = True
        yield _hit(text, IndicatorKind.IBAN, iban.iban, iban.start, iban.end, details)


def _resolve(hits: list[IndicatorHit]) -> list[IndicatorHit]:
    """Drop competing hits that overlap a hit of higher precedence."""
    competing = sorted(
        (h for h in hits if h.kind in _PRECEDENCE),
        key=lambda h: (_PRECEDENCE[h.kind], h.start, -(h.end - h.start)),
    )
    starts: list[int] = []  # kept spans never overlap, so they sort by start and end alike
    ends: list[int] = []
    kept: list[IndicatorHit] = [h for h in hits if h.kind not in _PRECEDENCE]
    for hit in competing:
        i = bisect_left(starts, hit.start)
        if (i > 0 and ends[i - 1] > hit.start) or (i < len(starts) and starts[i] < hit.end):
            continue
        starts.insert(i, hit.start)
        ends.insert(i, hit.end)
        kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, h.end, h.kind.value))
