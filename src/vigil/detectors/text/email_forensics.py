"""E-mail forensics by rules: sender spoofing, look-alike domains, deceptive
links and risky attachments, read from one RFC 822 message.

Rules only (no trained model). Each rule has a fixed weight set by hand
before measurement; a label's score is the noisy-OR of the weights of the
rules that fired, 1 - prod(1 - w). How often each rule fires on held-out
phishing and on modern legitimate mail is measured by
``python -m vigil.detectors.text.train_email_forensics`` and reported in
email_forensics.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import Field, field_validator

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, Indicator, JsonValue, Status, Verdict
from vigil.text.brands import FREEMAIL_DOMAINS, URL_SHORTENERS, BrandMatch, brand_in_text
from vigil.text.carriers import extract_text
from vigil.text.decode import read_bounded
from vigil.text.mail import Address, Attachment, ParsedEmail
from vigil.text.mail_auth import (
    AuthResult,
    parse_authentication_results,
    parse_dkim_signature,
    parse_received_spf,
)
from vigil.text.outlook import OUTLOOK_MEDIA_TYPES

__all__ = ["EmailForensicsDetector", "EmailForensicsOptions", "Rule", "RuleHit", "RULES", "check"]

SPOOFING = "email.spoofing"
LOOKALIKE = "email.lookalike_domain"
LINK = "email.deceptive_link"
ATTACHMENT = "email.risky_attachment"
LABELS = (SPOOFING, LOOKALIKE, LINK, ATTACHMENT)
THRESHOLD = 0.5
NEGATIVE_BELOW = 0.35


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    label: str
    weight: float
    description: str


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("dmarc_fail", SPOOFING, 0.9, "the receiver recorded dmarc=fail"),
        Rule("spf_fail_no_dkim", SPOOFING, 0.5, "SPF fail/softfail and no passing DKIM"),
        Rule("unaligned_auth", SPOOFING, 0.3, "no passing SPF or DKIM aligned with From"),
        Rule("reply_to_mismatch", SPOOFING, 0.45, "Reply-To domain differs from From domain"),
        Rule("reply_to_freemail", SPOOFING, 0.6, "replies go to a free-mail address, From is not"),
        Rule("return_path_mismatch", SPOOFING, 0.2, "Return-Path domain differs from From"),
        Rule(
            "display_name_brand",
            SPOOFING,
            0.8,
            "the display name names a brand the address does not belong to",
        ),
        Rule(
            "display_name_address",
            SPOOFING,
            0.8,
            "the display name shows an e-mail address or domain other than the sender's",
        ),
        Rule("brand_homoglyph", LOOKALIKE, 0.9, "a domain spells a brand with look-alike letters"),
        Rule("brand_typo", LOOKALIKE, 0.8, "a domain is one typo away from a brand"),
        Rule("brand_in_name", LOOKALIKE, 0.6, "a domain not the brand's carries a brand name"),
        Rule("brand_in_subdomain", LOOKALIKE, 0.6, "a brand name sits in front of another domain"),
        Rule("own_domain_homoglyph", LOOKALIKE, 0.9, "a domain imitates the recipient's own"),
        Rule("own_domain_typo", LOOKALIKE, 0.8, "a domain is one typo from the recipient's own"),
        Rule("mixed_script_domain", LOOKALIKE, 0.7, "an IDN domain mixes Latin with other scripts"),
        Rule(
            "link_text_mismatch", LINK, 0.7, "link text shows one domain, the link goes elsewhere"
        ),
        Rule("url_shortener", LINK, 0.4, "a link goes through a URL shortener"),
        Rule("ip_address_link", LINK, 0.6, "a link points at a bare IP address"),
        Rule("password_form", LINK, 0.8, "the HTML body holds a form asking for a password"),
        Rule("script_link", LINK, 0.6, "a link runs script or holds inline data"),
        Rule("executable", ATTACHMENT, 0.9, "an attachment is an executable or script"),
        Rule("double_extension", ATTACHMENT, 0.9, "an attachment name hides its real extension"),
        Rule("macro_document", ATTACHMENT, 0.8, "an Office document with (or for) macros"),
        Rule("html_attachment", ATTACHMENT, 0.7, "an HTML/SVG attachment (local phishing page)"),
        Rule("html_password_form", ATTACHMENT, 0.95, "an HTML attachment asks for a password"),
        Rule("archive_executable", ATTACHMENT, 0.9, "an archive holds an executable or script"),
        Rule("encrypted_archive", ATTACHMENT, 0.7, "a password-protected archive"),
        Rule("disk_image", ATTACHMENT, 0.7, "a disk image (ISO/IMG/VHD) attachment"),
        Rule("opaque_archive", ATTACHMENT, 0.4, "a RAR/7z archive whose content is not listed"),
    )
}

_EXECUTABLE_EXT = frozenset(
    "exe scr com pif bat cmd js jse vbs vbe wsf wsh hta ps1 psm1 msi msp lnk jar cpl reg "
    "appref-ms application gadget inf scf url dll sys vb ws msc iqy slk chm".split()
)
_MACRO_EXT = frozenset("docm dotm xlsm xltm xlam xlsb pptm potm ppam ppsm sldm".split())
_DOC_EXT = frozenset(
    "pdf doc docx xls xlsx ppt pptx txt rtf jpg jpeg png gif mp3 mp4 zip odt csv htm html".split()
)
_DISK_EXT = frozenset("iso img vhd vhdx udf".split())
_HTML_EXT = frozenset("htm html shtml xhtml svg mht mhtml".split())
_ARCHIVE_OPAQUE = frozenset("rar 7z ace arj cab lzh".split())
_FILE_LIKE_TLDS = frozenset("zip mov py sh md rs pl inc".split())
"""Top-level domains that are also common file extensions: link text such as
'Makefile.inc' is a file name, not a domain shown to the reader."""
_LIST_WEAKENED = frozenset(
    {"reply_to_mismatch", "reply_to_freemail", "return_path_mismatch", "unaligned_auth"}
)
"""Rules that mailing-list processing breaks by design (RFC 7960): lists
rewrite Return-Path and Reply-To and re-send under their own SPF identity."""
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_EMAIL_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


class EmailForensicsOptions(DetectorOptions):
    own_domains: tuple[str, ...] = ()
    """The recipient organisation's domains, for look-alike checks. Empty: the
    To / Delivered-To domains of the message (free-mail domains excluded)."""
    max_bytes: int = Field(default=32 << 20, ge=1024, le=1 << 30)

    @field_validator("own_domains")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({v.strip().lower().strip(".") for v in value if v.strip()}))


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    evidence: str

    @property
    def label(self) -> str:
        return RULES[self.rule].label

    @property
    def weight(self) -> float:
        return RULES[self.rule].weight


def _org(domain: str) -> str:
    from vigil.text.domains import registrable_domain

    return registrable_domain(domain) if domain else ""


def _ext(name: str) -> list[str]:
    return [p.strip().lower() for p in name.rsplit("/", 1)[-1].split(".")[1:]]


def _auth_rules(mail: ParsedEmail, from_org: str) -> list[RuleHit]:
    hits: list[RuleHit] = []
    results: list[AuthResult] = []
    ar_values = mail.header_values("Authentication-Results")
    if ar_values:
        results = list(parse_authentication_results(ar_values[0]).results)
    spf_header = mail.header_values("Received-SPF")
    if not any(r.method == "spf" for r in results) and spf_header:
        received_spf = parse_received_spf(spf_header[0])
        if received_spf is not None:
            results.append(received_spf)
    if not results:
        return hits
    by_method: dict[str, list[AuthResult]] = {}
    for result in results:
        by_method.setdefault(result.method, []).append(result)
    dmarc = by_method.get("dmarc", [])
    if any(r.result == "fail" for r in dmarc):
        policy = next((r.properties.get("header.from", "") for r in dmarc), "")
        hits.append(RuleHit("dmarc_fail", f"dmarc=fail for {policy or from_org or 'the sender'}"))
    spf = by_method.get("spf", [])
    dkim = by_method.get("dkim", [])
    dkim_pass = [r for r in dkim if r.result == "pass"]
    if any(r.result in ("fail", "softfail") for r in spf) and not dkim_pass:
        spf_domain = next((r.properties.get("smtp.mailfrom", "") for r in spf), "")
        hits.append(
            RuleHit(
                "spf_fail_no_dkim", f"spf={spf[0].result} for {spf_domain or '?'}, no DKIM pass"
            )
        )
    if from_org and (spf or dkim):
        aligned = any(
            _org(r.properties.get("header.d", "") or r.properties.get("header.i", "").lstrip("@"))
            == from_org
            for r in dkim_pass
        ) or any(
            r.result == "pass" and _org(r.properties.get("smtp.mailfrom", "")) == from_org
            for r in spf
        )
        if not aligned and not any(r.result == "pass" for r in dmarc):
            hits.append(RuleHit("unaligned_auth", f"no SPF or DKIM pass aligned with {from_org}"))
    return hits


def _sender_rules(mail: ParsedEmail, sender: Address | None, from_org: str) -> list[RuleHit]:
    hits: list[RuleHit] = []
    if sender is None:
        return hits
    reply_orgs = {_org(a.domain) for a in mail.reply_to if a.domain} - {""}
    for reply_org in sorted(reply_orgs):
        if from_org and reply_org != from_org:
            if reply_org in FREEMAIL_DOMAINS and from_org not in FREEMAIL_DOMAINS:
                hits.append(
                    RuleHit("reply_to_freemail", f"Reply-To at {reply_org}, From {from_org}")
                )
            else:
                hits.append(
                    RuleHit("reply_to_mismatch", f"Reply-To at {reply_org}, From {from_org}")
                )
            break
    return_orgs = {_org(a.domain) for a in mail.return_path if a.domain} - {""}
    if from_org and return_orgs and from_org not in return_orgs:
        hits.append(
            RuleHit(
                "return_path_mismatch",
                f"Return-Path at {sorted(return_orgs)[0]}, From {from_org}",
            )
        )
    name = sender.display_name
    if name:
        named = _EMAIL_IN_NAME.search(name)
        if named is not None and _org(named.group(1)) not in ("", from_org):
            hits.append(
                RuleHit(
                    "display_name_address",
                    f"display name shows {named.group(0)!r}, sent from {sender.address}",
                )
            )
        brand = brand_in_text(name)
        if brand is not None and not any(
            sender.domain == d or sender.domain.endswith("." + d) for d in brand.domains
        ):
            where = "a free-mail address" if from_org in FREEMAIL_DOMAINS else from_org or "?"
            hits.append(
                RuleHit(
                    "display_name_brand",
                    f"display name {name[:80]!r} names {brand.name}, sent from {where}",
                )
            )
    return hits


def _mixed_script(label: str) -> bool:
    scripts = set()
    for char in label:
        if char.isalpha():
            scripts.add(unicodedata.name(char, "UNKNOWN").split(" ")[0])
    return len(scripts) > 1 and "LATIN" in scripts


_LOOKALIKE_RULE = {"homoglyph": "brand_homoglyph", "typo": "brand_typo"}


def _domain_rules(
    hosts: Sequence[tuple[str, str]], own_domains: tuple[str, ...]
) -> tuple[list[RuleHit], list[Indicator]]:
    """hosts: (where, host) pairs, e.g. ('From', 'paypa1.com')."""
    from vigil.text.brands import lookalike_of
    from vigil.text.domains import parse_host

    hits: list[RuleHit] = []
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for where, raw in hosts:
        host = parse_host(raw)
        if host is None or not host.registrable or host.name in seen:
            continue
        seen.add(host.name)
        match: BrandMatch | None = lookalike_of(host.unicode, host.registrable_unicode, own_domains)
        if match is not None:
            shown = host.unicode if host.unicode != host.name else host.name
            hits.append(
                RuleHit(
                    _LOOKALIKE_RULE.get(match.kind, match.kind),
                    f"{where} domain {shown} imitates {match.brand} ({match.target})",
                )
            )
            indicators.append(Indicator("domain", host.registrable, raw=shown))
        elif host.registrable_unicode != host.registrable and _mixed_script(
            host.registrable_unicode.split(".")[0]
        ):
            hits.append(
                RuleHit(
                    "mixed_script_domain",
                    f"{where} domain {host.registrable_unicode} ({host.registrable}) mixes scripts",
                )
            )
            indicators.append(Indicator("domain", host.registrable, raw=host.registrable_unicode))
    return hits, indicators


def _link_rules(mail: ParsedEmail) -> tuple[list[RuleHit], list[tuple[str, str]]]:
    from vigil.text.domains import domain_in_text, find_urls, host_of_url

    hits: list[RuleHit] = []
    hosts: list[tuple[str, str]] = []
    fired: set[str] = set()

    def fire(rule: str, evidence: str) -> None:
        if rule not in fired:
            fired.add(rule)
            hits.append(RuleHit(rule, evidence))

    for link in mail.links:
        href = link.href.strip()
        lowered = href.lower()
        if lowered.startswith(("javascript:", "data:", "vbscript:")):
            fire("script_link", f"link {link.text[:40]!r} uses {lowered.split(':', 1)[0]}:")
            continue
        host = host_of_url(href)
        if host is None:
            continue
        hosts.append(("link", host.name))
        if host.is_ip:
            fire("ip_address_link", f"link to {host.name}")
        elif host.registrable in URL_SHORTENERS or host.name in URL_SHORTENERS:
            fire("url_shortener", f"link through {host.name}")
        shown = domain_in_text(link.text)
        if shown is not None and shown.name.rsplit(".", 1)[-1] in _FILE_LIKE_TLDS:
            if "/" not in link.text and not link.text.lower().startswith("www."):
                shown = None
        if shown is not None and (host.is_ip or shown.registrable != host.registrable):
            fire(
                "link_text_mismatch",
                f"link text shows {shown.name} but points to {host.name}",
            )
    for body in mail.bodies:
        if body.content_type != "text/plain":
            continue
        for url in find_urls(body.text, limit=200):
            host = host_of_url(url)
            if host is None:
                continue
            hosts.append(("link", host.name))
            if host.is_ip:
                fire("ip_address_link", f"link to {host.name}")
            elif host.registrable in URL_SHORTENERS or host.name in URL_SHORTENERS:
                fire("url_shortener", f"link through {host.name}")
    if any(form.has_password for form in mail.forms):
        fire("password_form", "the HTML body holds a form with a password field")
    return hits, hosts


def _attachment_rules(attachments: Sequence[Attachment]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    fired: set[str] = set()

    def fire(rule: str, evidence: str) -> None:
        if rule not in fired:
            fired.add(rule)
            hits.append(RuleHit(rule, evidence))

    for attachment in attachments:
        name = attachment.filename
        shown = name[:120] or f"part {attachment.section}"
        if _BIDI.search(name):
            fire("double_extension", f"{shown!r} hides its extension with bidi control characters")
        cleaned = _BIDI.sub("", name)
        extensions = _ext(cleaned)
        last = extensions[-1] if extensions else ""
        if (
            len(extensions) >= 2
            and last in _EXECUTABLE_EXT | _HTML_EXT
            and (extensions[-2] in _DOC_EXT)
        ):
            fire("double_extension", f"{shown!r} ends in .{extensions[-2]}.{last}")
        elif re.search(r"\.\w{2,4}\s{3,}\.\w+$", cleaned):
            fire("double_extension", f"{shown!r} pads its real extension with spaces")
        if last in _EXECUTABLE_EXT or attachment.sniffed in ("pe", "elf"):
            fire("executable", f"{shown!r} is an executable or script")
        if last in _MACRO_EXT or attachment.has_macros:
            fire("macro_document", f"{shown!r} is a macro-enabled or macro-carrying document")
        if last in _HTML_EXT or attachment.sniffed == "html":
            if any(form.has_password for form in attachment.html_forms):
                fire("html_password_form", f"{shown!r} is an HTML page asking for a password")
            else:
                fire("html_attachment", f"{shown!r} is an HTML/SVG page")
        if last in _DISK_EXT or attachment.sniffed == "iso":
            fire("disk_image", f"{shown!r} is a disk image")
        if attachment.archive_members:
            risky = [
                m for m in attachment.archive_members if (_ext(m) or [""])[-1] in _EXECUTABLE_EXT
            ]
            if risky:
                fire("archive_executable", f"{shown!r} holds {risky[0][:80]!r}")
            if attachment.archive_encrypted:
                fire("encrypted_archive", f"{shown!r} is password-protected")
        elif attachment.sniffed in ("rar", "7z") or last in _ARCHIVE_OPAQUE:
            fire("opaque_archive", f"{shown!r} is an archive whose content is not listed")
    return hits


def is_list_mail(mail: ParsedEmail) -> bool:
    """Sent through a mailing list (RFC 2919 List-Id or RFC 2369 List-Post)."""
    return bool(mail.header_values("List-Id") or mail.header_values("List-Post"))


def _own_domains(mail: ParsedEmail, given: tuple[str, ...]) -> tuple[str, ...]:
    if given:
        return tuple(_org(d) or d for d in given)
    orgs = {_org(a.domain) for a in mail.to if a.domain} - {""}
    return tuple(sorted(orgs - FREEMAIL_DOMAINS))


def check(
    mail: ParsedEmail, own_domains: tuple[str, ...] = ()
) -> tuple[list[RuleHit], list[Indicator]]:
    """Every rule on one parsed message: the hits and the look-alike domains."""
    sender = mail.from_[0] if mail.from_ else None
    from_org = _org(sender.domain) if sender is not None else ""
    hits = _auth_rules(mail, from_org) + _sender_rules(mail, sender, from_org)
    if is_list_mail(mail):
        hits = [h for h in hits if h.rule not in _LIST_WEAKENED]
    link_hits, link_hosts = _link_rules(mail)
    header_hosts = [
        (where, a.domain)
        for where, addresses in (
            ("From", mail.from_),
            ("Reply-To", mail.reply_to),
            ("Return-Path", mail.return_path),
        )
        for a in addresses
        if a.domain
    ]
    domain_hits, indicators = _domain_rules(
        header_hosts + link_hosts[:300], _own_domains(mail, own_domains)
    )
    hits += domain_hits + link_hits + _attachment_rules(mail.attachments)
    return hits, indicators


def _score(hits: Sequence[RuleHit]) -> float:
    remaining = 1.0
    for hit in hits:
        remaining *= 1.0 - hit.weight
    return round(1.0 - remaining, 6)


_NOTHING = {
    SPOOFING: "No sign of sender spoofing: authentication, Reply-To, Return-Path and display "
    "name raise no flag{auth}.",
    LOOKALIKE: "No sender or link domain imitates a listed brand or the recipient's domain.",
    LINK: "No link hides its destination (text/target mismatch, shortener, IP address, script) "
    "and no password form.",
    ATTACHMENT: "No attachment of a risky kind{count}.",
}


class EmailForensicsDetector(Detector):
    name = "email_forensics"
    version = "1.1.0"
    media_types = ("message/rfc822", *OUTLOOK_MEDIA_TYPES)
    model_card = "vigil.detectors.text:email_forensics.md"
    requires = ("tldextract", "idna")
    install_hint = "pip install 'vigil-forensics[text]'"
    Options = EmailForensicsOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        options = opts if isinstance(opts, EmailForensicsOptions) else EmailForensicsOptions()
        try:
            with item.open() as stream:
                data, truncated = read_bounded(stream, options.max_bytes)
        except OSError as exc:
            for label in LABELS:
                yield Finding.problem(
                    label, Status.UNREADABLE, f"The item could not be read ({exc})."
                )
            return
        extracted = extract_text(data, item.media_type, truncated=truncated)
        mail = extracted.email
        if mail is None:
            status = Status.UNSUPPORTED if extracted.carrier == "unsupported" else Status.UNREADABLE
            reason = extracted.warnings[0] if extracted.warnings else "no message"
            for label in LABELS:
                yield Finding.problem(
                    label, status, f"The item is not a readable e-mail message: {reason}."
                )
            return
        if not mail.from_ and not mail.header_values("Received") and not mail.subject:
            for label in LABELS:
                yield Finding.problem(
                    label,
                    Status.UNSUPPORTED,
                    "The message has no From, Received or Subject header to examine.",
                )
            return
        hits, indicators = check(mail, options.own_domains)
        warnings: list[JsonValue] = [w for w in extracted.warnings[:10]]
        if truncated:
            warnings.append(f"message cut at {options.max_bytes} bytes")
        has_auth = bool(
            mail.header_values("Authentication-Results") or mail.header_values("Received-SPF")
        )
        dkim = [parse_dkim_signature(v) for v in mail.header_values("DKIM-Signature")[:10]]
        for label in LABELS:
            own = [h for h in hits if h.label == label]
            score = _score(own)
            details: dict[str, JsonValue] = {
                "rules": [
                    {"rule": h.rule, "weight": h.weight, "evidence": h.evidence} for h in own
                ],
                "kind": "rules",
            }
            if warnings:
                details["warnings"] = warnings
            if label == SPOOFING:
                details["authentication_results_present"] = has_auth
                details["dkim_domains"] = sorted({d.domain for d in dkim if d is not None})
                details["from"] = mail.from_[0].address if mail.from_ else ""
            if own:
                shown = "; ".join(h.evidence for h in own[:4])
                more = f" (and {len(own) - 4} more)" if len(own) > 4 else ""
                noun = "rule fired" if len(own) == 1 else "rules fired"
                explanation = f"{len(own)} {noun}: {shown}{more}."
            else:
                auth = "" if has_auth else " (the message carries no authentication results)"
                count = f" among {len(mail.attachments)}" if mail.attachments else ""
                explanation = _NOTHING[label].format(auth=auth, count=count)
            finding = Finding.scored(
                label,
                score,
                THRESHOLD,
                explanation,
                negative_below=NEGATIVE_BELOW,
                details=details,
                indicators=tuple(indicators) if label == LOOKALIKE else (),
            )
            yield finding

    @classmethod
    def examples(cls) -> list[Example]:
        spoof = (
            b"Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=paypa1.com;"
            b" dkim=none; dmarc=fail header.from=paypa1.com\r\n"
            b"From: PayPal Service <service@paypa1.com>\r\n"
            b"Reply-To: refunds.desk@gmail.com\r\nTo: user@example.org\r\n"
            b"Subject: Your account is limited\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n"
            b'<p>Restore access: <a href="http://203.0.113.7/login">https://www.paypal.com/</a>'
            b"</p>\r\n"
        )
        clean = (
            b"Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org;"
            b" dkim=pass header.d=example.org; dmarc=pass header.from=example.org\r\n"
            b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
            b"Subject: Notes from today\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nHi Bob, the notes are below.\r\n"
        )
        attachment = (
            b"From: Billing <billing@example.org>\r\nTo: bob@example.org\r\n"
            b"Subject: Invoice\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
            b"Content-Type: text/plain\r\n\r\nInvoice attached.\r\n--b1\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="invoice.pdf.exe"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b1--\r\n"
        )
        mail = "message/rfc822"
        return [
            Example("spoofed PayPal", spoof, "spoof.eml", mail, SPOOFING, Verdict.POSITIVE),
            Example("spoofed PayPal", spoof, "spoof.eml", mail, LOOKALIKE, Verdict.POSITIVE),
            Example("spoofed PayPal", spoof, "spoof.eml", mail, LINK, Verdict.POSITIVE),
            Example("aligned mail", clean, "clean.eml", mail, SPOOFING, Verdict.NEGATIVE),
            Example("aligned mail", clean, "clean.eml", mail, LOOKALIKE, Verdict.NEGATIVE),
            Example("aligned mail", clean, "clean.eml", mail, ATTACHMENT, Verdict.NEGATIVE),
            Example("double extension", attachment, "inv.eml", mail, ATTACHMENT, Verdict.POSITIVE),
        ]
