"""Indicators in text: phone numbers, e-mail addresses, URLs and domains, IP
addresses, cryptocurrency addresses, IBANs, payment cards and messenger
handles, each as a typed, normalised pivot with the characters it came from.

Text comes from `vigil.text.extract_text`: plain text, HTML (visible text,
link targets and hidden text), e-mail (.eml and Outlook .msg: sender headers
and body parts), chat exports (per message; an SMS backup's phone numbers
too), PDF and DOCX, and images by OCR (per line, located by its pixel box).
One positive finding per distinct indicator (its first occurrence locates
it); one negative finding when the text holds none. Rules only: see indicators.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.detectors.text._ocr import OcrOptions, read_item_text
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Locator, Status, Verdict
from vigil.text.carriers import (
    CARRIER_MEDIA_TYPES,
    IMAGE_MEDIA_TYPES,
    ExtractedText,
)
from vigil.text.decode import decode_text, looks_binary
from vigil.text.html import HtmlLink
from vigil.text.mail import ParsedEmail

if TYPE_CHECKING:
    from vigil.indicators import IndicatorExtractor, IndicatorHit
    from vigil.text.ocr import OcrLine, OcrText

__all__ = ["TextIndicatorDetector", "TextIndicatorOptions"]

log = logging.getLogger(__name__)

LABEL = "text.indicator"
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
SENDER_HEADERS = ("From", "Reply-To", "Return-Path")
_HEADER_KINDS = frozenset({"email", "domain"})
"""Sender headers are read for addresses and their domains only."""
_PHONE = frozenset({"phone"})
_SOURCE_NAMES = {
    "text": "plain",
    "html": "html_to_text",
    "chat_message": "chat_message",
    "pdf_page": "pdf_page",
    "docx": "docx",
    "ocr": "ocr",
}
_TEXTUAL = frozenset({"text/plain", "text/csv", "application/json"})
"""Types read as raw text when no carrier format fits (JSON that is not a
Telegram export)."""


class TextIndicatorOptions(OcrOptions):
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


@dataclass(frozen=True, slots=True)
class TextSource:
    """A stretch of text, where it came from, and how it was made."""

    locator: Locator
    text: str
    source: str
    """plain, html_to_text, html_link, html_hidden, header, chat_message,
    sms_address, pdf_page, docx, ocr or ocr_alternate"""
    header: str = ""
    kinds: frozenset[str] | None = None
    """Indicator kinds read from this source (None: all)."""
    ocr_line: OcrLine | None = None


@dataclass(slots=True)
class _Seen:
    hit: IndicatorHit
    source: TextSource
    count: int


class TextIndicatorDetector(Detector):
    name = "text_indicators"
    version = "1.1.0"
    media_types = CARRIER_MEDIA_TYPES + IMAGE_MEDIA_TYPES
    model_card = "vigil.detectors.text:indicators.md"
    requires = ("phonenumbers", "schwifty", "tldextract", "Crypto")
    install_hint = "pip install 'vigil-forensics[text]'"
    Options = TextIndicatorOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        from vigil.indicators import IndicatorExtractor

        options = opts if isinstance(opts, TextIndicatorOptions) else TextIndicatorOptions()
        read = read_item_text(item, options, options.max_bytes, self.install_hint)
        if isinstance(read, tuple):
            yield Finding.problem(LABEL, *read)
            return
        data, truncated, extracted = read.data, read.truncated, read.extracted
        sources = _sources(extracted, data, item.media_type)
        if sources is None:
            status = Status.UNSUPPORTED if extracted.carrier == "unsupported" else Status.UNREADABLE
            reason = extracted.warnings[0] if extracted.warnings else "no text"
            yield Finding.problem(LABEL, status, f"No text to read indicators from: {reason}.")
            return
        extractor = IndicatorExtractor(region=options.region, kinds=options.kinds)
        seen = _collect(extractor, sources)
        common: dict[str, JsonValue] = {"truncated_at": options.max_bytes} if truncated else {}
        if extracted.warnings:
            common["warnings"] = list(extracted.warnings[:10])
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
        from vigil.text.ocr import ocr_available

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
        examples = [
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
        if ocr_available():
            from vigil.text.samples import wallet_screenshot

            examples.append(
                Example(
                    "screenshot with a wallet address",
                    wallet_screenshot(),
                    "screenshot.png",
                    "image/png",
                    LABEL,
                    Verdict.POSITIVE,
                )
            )
        return examples


def _sources(extracted: ExtractedText, data: bytes, media_type: str) -> list[TextSource] | None:
    """The stretches of text to read, or None when the item has no text."""
    if extracted.email is not None:
        return _mail_sources(extracted.email)
    if not extracted.ok:
        if extracted.carrier == "unsupported" and media_type in _TEXTUAL and not looks_binary(data):
            return [TextSource(Locator(), decode_text(data).text, "plain")]
        return None
    if extracted.ocr is not None:
        return _ocr_sources(extracted.ocr)
    sources = []
    for segment in extracted.segments:
        if segment.address:  # SMS: the other party's number, located in its message
            sources.append(
                TextSource(segment.locator, segment.address, "sms_address", "address", _PHONE)
            )
        sources.append(
            TextSource(segment.locator, segment.text, _SOURCE_NAMES.get(segment.kind, segment.kind))
        )
    if extracted.html is not None:
        sources += _html_extras(Locator(), extracted.html.links, extracted.html.hidden_text)
    return sources


def _ocr_sources(ocr: OcrText) -> list[TextSource]:
    """One source per line read, located by its pixel box; then the other
    engine's readings of the same regions, for checksummed kinds only (a
    misread there cannot pass a checksum)."""
    from vigil.indicators import CRYPTO_KINDS

    checksummed = frozenset({k.value for k in CRYPTO_KINDS} | {"iban"})
    lines: list[tuple[OcrLine, str, frozenset[str] | None]]
    lines = [(line, "ocr", None) for line in ocr.lines]
    lines += [(line, "ocr_alternate", checksummed) for line in ocr.alternates]
    return [
        TextSource(
            Locator().child("pixel_box", line.pixel_box),
            line.text,
            name,
            kinds=kinds,
            ocr_line=line,
        )
        for line, name, kinds in lines
    ]


def _mail_sources(mail: ParsedEmail) -> list[TextSource]:
    """Sender headers first, then the inline body parts in part order;
    attachments and attached messages are items of their own."""
    sources = []
    for name, value in mail.headers:
        canonical = next((h for h in SENDER_HEADERS if h.lower() == name.lower()), None)
        if canonical is not None:
            locator = Locator().child("mime_part", f"HEADER.FIELDS ({canonical.upper()})")
            sources.append(TextSource(locator, value, "header", canonical, _HEADER_KINDS))
    for body in mail.bodies:
        locator = Locator().child("mime_part", body.section)
        html = body.content_type == "text/html"
        sources.append(TextSource(locator, body.text, "html_to_text" if html else "plain"))
        sources += _html_extras(locator, body.links, body.hidden_text)
    return sources


def _html_extras(locator: Locator, links: Sequence[HtmlLink], hidden_text: str) -> list[TextSource]:
    """Link targets (a link may show one site and lead to another) and the
    text of hidden elements, as sources of their own."""
    hrefs = "\n".join(link.href for link in links)
    extras = [TextSource(locator, hrefs, "html_link")] if hrefs else []
    if hidden_text:
        extras.append(TextSource(locator, hidden_text, "html_hidden"))
    return extras


def _collect(
    extractor: IndicatorExtractor, sources: list[TextSource]
) -> dict[tuple[str, str], _Seen]:
    """Distinct (kind, value) in order of first occurrence, with counts."""
    seen: dict[tuple[str, str], _Seen] = {}
    for source in sources:
        for hit in extractor.extract(source.text):
            if source.kinds is not None and hit.kind.value not in source.kinds:
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
    line = source.ocr_line
    if line is not None:
        details["ocr"] = {
            "engine": f"{line.engine}:{line.language}".rstrip(":"),
            "confidence": line.confidence,
            "line": line.text[:200],
        }
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
    if source.ocr_line is not None:
        where = f"Text read by OCR at pixels {source.ocr_line.pixel_box} (x,y,w,h)"
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
