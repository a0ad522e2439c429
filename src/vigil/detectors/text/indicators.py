"""Indicators in text: phone numbers, e-mail addresses, URLs and domains, IP
addresses, cryptocurrency addresses, IBANs, payment cards and messenger
handles, each as a typed, normalised pivot with the characters it came from.

One positive finding per distinct indicator (its first occurrence locates it);
one negative finding when the text holds none. Rules only: see indicators.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.detectors.text._html_text import html_to_text
from vigil.detectors.text._mail_text import TextSource, decode_bytes, mail_text_sources
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Locator, Status, Verdict

if TYPE_CHECKING:
    from vigil.indicators import IndicatorExtractor, IndicatorHit

__all__ = ["TextIndicatorDetector", "TextIndicatorOptions"]

log = logging.getLogger(__name__)

LABEL = "text.indicator"
_CHUNK = 1 << 20
_SNIFF = 1 << 16
_THRESHOLD = 0.5
_CHAINS = {
    "bitcoin": "Bitcoin",
    "bitcoin-cash": "Bitcoin Cash",
    "litecoin": "Litecoin",
    "dogecoin": "Dogecoin",
    "dash": "Dash",
    "zcash": "Zcash transparent",
    "tron": "Tron",
    "ethereum": "Ethereum (EVM)",
    "monero": "Monero",
}
_TEXT_BYTES = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F) + b"\t\n\v\f\r\x1b"


class TextIndicatorOptions(DetectorOptions):
    region: str | None = None
    """Phone region hint (ISO 3166 alpha-2) for numbers written in national
    form; without it only international (+CC) numbers are found."""
    kinds: tuple[str, ...] | None = None
    """Indicator kinds to report (see vigil.indicators.IndicatorKind; 'crypto'
    means every address kind); None reports all."""
    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=1 << 30)
    """Bytes read from the item; the rest is ignored and the result says so."""
    max_findings: int = Field(default=10_000, ge=1)
    """Distinct indicators reported per item, in order of first occurrence."""

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        from vigil.indicators.phones import check_region

        return check_region(value)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        from vigil.indicators import parse_kinds

        if value is None:
            return None
        return tuple(sorted(k.value for k in parse_kinds(value)))


@dataclass(slots=True)
class _Seen:
    hit: IndicatorHit
    source: TextSource
    count: int


class TextIndicatorDetector(Detector):
    name = "text_indicators"
    version = "1.0.0"
    media_types = ("text/plain", "text/html", "message/rfc822", "application/json", "text/csv")
    model_card = "vigil.detectors.text:indicators.md"
    requires = ("phonenumbers", "schwifty", "tldextract", "Crypto")
    install_hint = "pip install 'vigil-forensics[text]'"
    Options = TextIndicatorOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        from vigil.indicators import IndicatorExtractor

        options = opts if isinstance(opts, TextIndicatorOptions) else TextIndicatorOptions()
        try:
            data, truncated = _read(item, options.max_bytes)
        except OSError as exc:
            yield Finding.problem(LABEL, Status.UNREADABLE, f"The item could not be read ({exc}).")
            return
        if not data.strip():
            yield Finding.problem(LABEL, Status.UNREADABLE, "The item holds no text.")
            return
        if _looks_binary(data):
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                "The bytes are not text (NUL or control bytes), though sniffed as "
                f"{item.media_type}.",
            )
            return
        sources = _sources(data, item.media_type)
        extractor = IndicatorExtractor(region=options.region, kinds=options.kinds)
        seen = _collect(extractor, sources)
        common: dict[str, JsonValue] = {"truncated_at": options.max_bytes} if truncated else {}
        if not seen:
            yield _nothing_found(sum(len(s.text) for s in sources), truncated, common)
            return
        if len(seen) > options.max_findings:
            log.warning(
                "item %s: %d distinct indicators, reporting the first %d",
                item.sha256,
                len(seen),
                options.max_findings,
            )
        for entry in list(seen.values())[: options.max_findings]:
            yield _finding(entry, common)

    @classmethod
    def examples(cls) -> list[Example]:
        lure = (
            b"URGENT: your account is locked. Send 0.01 BTC to "
            b"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq or pay the fee to "
            b"IBAN GB82 WEST 1234 5698 7654 32. Questions? Call +1 415 555 2671.\n"
        )
        plain = b"The team meeting moves to Thursday afternoon; bring the quarterly notes.\n"
        mail = (
            b"From: Support <help@secure-wallet-check.com>\r\n"
            b"Reply-To: recovery.desk@example-mail.net\r\n"
            b"To: victim@example.org\r\nSubject: Verify now\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            b'<p>Verify your wallet <a href="https://secure-wallet-check.com/v">here</a>'
            b" or message us on Telegram @wallet_rescue_team.</p>\r\n"
        )
        return [
            Example(
                "scam text with wallet, IBAN and phone",
                lure,
                "sms.txt",
                "text/plain",
                LABEL,
                Verdict.POSITIVE,
            ),
            Example("plain sentence", plain, "note.txt", "text/plain", LABEL, Verdict.NEGATIVE),
            Example("phishing mail", mail, "lure.eml", "message/rfc822", LABEL, Verdict.POSITIVE),
        ]


def _read(item: EvidenceView, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes, read in 1 MiB chunks; and whether more remained."""
    buffer = bytearray()
    with item.open() as stream:
        while len(buffer) < limit:
            chunk = stream.read(min(_CHUNK, limit - len(buffer)))
            if not chunk:
                return bytes(buffer), False
            buffer += chunk
        return bytes(buffer), bool(stream.read(1))


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SNIFF]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a byte-order mark
    if b"\x00" in sample:
        return True
    control = len(sample.translate(None, _TEXT_BYTES))
    return control > 0.05 * len(sample)


def _sources(data: bytes, media_type: str) -> list[TextSource]:
    if media_type == "message/rfc822":
        try:
            return mail_text_sources(data)
        except (ValueError, LookupError, UnicodeError, IndexError, TypeError, RecursionError):
            # RecursionError: MIME nested thousands deep defeats the stdlib parser
            log.warning("mail parse failed; reading it as plain text")
    text = decode_bytes(data)
    if media_type == "text/html":
        return [TextSource(Locator(), html_to_text(text), "html_to_text")]
    return [TextSource(Locator(), text, "plain")]


def _collect(
    extractor: IndicatorExtractor, sources: list[TextSource]
) -> dict[tuple[str, str], _Seen]:
    """Distinct (kind, value) in order of first occurrence, with counts."""
    from vigil.indicators import IndicatorKind

    header_kinds = {IndicatorKind.EMAIL, IndicatorKind.DOMAIN}
    seen: dict[tuple[str, str], _Seen] = {}
    for source in sources:
        for hit in extractor.extract(source.text):
            if source.source == "header" and hit.kind not in header_kinds:
                continue
            key = (hit.kind.value, hit.value)
            if key in seen:
                seen[key].count += 1
            else:
                seen[key] = _Seen(hit, source, 1)
    return seen


def _nothing_found(characters: int, truncated: bool, common: dict[str, JsonValue]) -> Finding:
    details: dict[str, JsonValue] = {"characters": characters, **common}
    if not truncated:
        return Finding.scored(
            LABEL,
            0.0,
            _THRESHOLD,
            "No indicators (phone, e-mail, URL, domain, IP, wallet, IBAN, "
            "card, handle) were found in the text.",
            details=details,
        )
    return Finding(
        label=LABEL,
        score=0.0,
        threshold=_THRESHOLD,
        verdict=Verdict.INCONCLUSIVE,
        explanation="No indicators were found in the part of the text read; the rest "
        "was beyond the size limit.",
        details=details,
    )


def _finding(entry: _Seen, common: dict[str, JsonValue]) -> Finding:
    hit, source = entry.hit, entry.source
    locator = source.locator.child("char_span", f"{hit.start}-{hit.end}")
    details: dict[str, JsonValue] = {
        "kind": hit.kind.value,
        "value": hit.value,
        "occurrences": entry.count,
        "text_source": source.source,
        **dict(hit.details),
        **common,
    }
    if source.header:
        details["header"] = source.header
    return Finding.scored(
        LABEL,
        1.0,
        _THRESHOLD,
        _explain(hit, source),
        locator=locator,
        details=details,
        indicators=(hit.to_indicator(),),
    )


def _explain(hit: IndicatorHit, source: TextSource) -> str:
    d = hit.details
    where = f"The {source.header} header" if source.header else "The text"
    kind = hit.kind.value
    if kind == "phone":
        region = f"{d.get('region')}, " if d.get("region") else ""
        via = " in a WhatsApp link" if d.get("source") == "whatsapp link" else ""
        return (
            f"{where} contains the phone number {d.get('international')}{via} "
            f"({region}{str(d.get('number_type')).replace('_', ' ')})."
        )
    if kind == "payment_card":
        return (
            f"{where} contains a Luhn-valid {d.get('brand')} card number ending in "
            f"{d.get('last4')}."
        )
    if kind == "iban":
        bank = f", {d['bank_name']}" if d.get("bank_name") else ""
        return f"{where} contains the IBAN {d.get('formatted')} ({d.get('country')}{bank})."
    if kind.endswith("_address"):
        chain = _CHAINS.get(str(d.get("chain")), str(d.get("chain")))
        check = "no EIP-55 checksum" if d.get("checksummed") is False else "checksum valid"
        return (
            f"{where} contains the {chain} {d.get('network')} "
            f"{str(d.get('address_type')).replace('_', ' ')} address {hit.value} ({check})."
        )
    if kind in ("ipv4", "ipv6"):
        return f"{where} contains the {kind.upper()} address {hit.value} ({d.get('scope')})."
    if kind == "telegram":
        return f"{where} names the Telegram account {hit.value}."
    if kind == "handle":
        if d.get("platform") == "line":
            return f"{where} gives the LINE ID {hit.value}."
        return f"{where} contains the handle {hit.value} (platform not named)."
    if kind == "url":
        shown = hit.value if len(hit.value) <= 200 else hit.value[:199] + "…"
        defanged = " (written defanged)" if d.get("defanged") else ""
        return f"{where} contains the URL {shown}{defanged}."
    if kind == "domain":
        idn = f" (shown as {d['unicode']})" if d.get("unicode") else ""
        return f"{where} contains the domain {hit.value}{idn}."
    return f"{where} contains the e-mail address {hit.value}."
