"""Commonly impersonated brands and look-alike checks on names and domains.

The brand list is the project's own, written for this module (no list was
copied): global platforms, parcel carriers, banks and payment services of
the languages the scam data covers, crypto exchanges and tax authorities.
Each brand has the registrable domains it really sends from and the
keywords that name it in text and in domain labels.

`skeleton` folds look-alike characters in the spirit of Unicode UTS #39
confusables, with a small hand-written table: compatibility forms (NFKC),
diacritics dropped, Cyrillic and Greek letters that look Latin, and the
ASCII tricks of typosquatting (``0``→``o``, ``1``/``I``/``|``→``l``,
``rn``→``m``, ``vv``→``w``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BRANDS",
    "FREEMAIL_DOMAINS",
    "URL_SHORTENERS",
    "Brand",
    "BrandMatch",
    "brand_in_text",
    "edit_distance",
    "lookalike_of",
    "skeleton",
]


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    domains: tuple[str, ...]
    """Registrable domains the brand legitimately uses."""
    keywords: tuple[str, ...]
    """Lower-case names as they appear in text or domain labels."""


def _b(name: str, domains: str, keywords: str) -> Brand:
    return Brand(name, tuple(domains.split()), tuple(keywords.split("|")))


BRANDS: tuple[Brand, ...] = (
    # platforms and software
    _b("PayPal", "paypal.com paypal.me paypal-communication.com", "paypal"),
    _b("Apple", "apple.com icloud.com me.com", "apple|icloud|itunes|apple id"),
    _b(
        "Microsoft",
        "microsoft.com office.com outlook.com live.com hotmail.com microsoftonline.com "
        "office365.com onmicrosoft.com sharepoint.com onedrive.com msn.com",
        "microsoft|office365|office 365|outlook|onedrive|sharepoint|hotmail",
    ),
    _b(
        "Google",
        "google.com gmail.com youtube.com googlegroups.com googleusercontent.com googleapis.com "
        "gstatic.com googlemail.com withgoogle.com goo.gl",
        "google|gmail|google drive",
    ),
    _b(
        "Amazon",
        "amazon.com amazon.de amazon.co.uk amazon.fr amazon.es amazon.it amazon.in "
        "amazon.com.br amazon.co.jp amazonaws.com amazonses.com",
        "amazon|amazon prime|prime video",
    ),
    _b("Netflix", "netflix.com", "netflix"),
    _b("Meta / Facebook", "facebook.com meta.com facebookmail.com fb.com", "facebook|meta"),
    _b("Instagram", "instagram.com", "instagram"),
    _b("WhatsApp", "whatsapp.com whatsapp.net", "whatsapp"),
    _b("LinkedIn", "linkedin.com", "linkedin"),
    _b("DocuSign", "docusign.com docusign.net", "docusign"),
    _b("Dropbox", "dropbox.com", "dropbox"),
    _b("Adobe", "adobe.com", "adobe"),
    _b("WeTransfer", "wetransfer.com", "wetransfer"),
    _b("Spotify", "spotify.com", "spotify"),
    _b("Steam", "steampowered.com steamcommunity.com", "steam"),
    _b("eBay", "ebay.com ebay.de ebay.co.uk", "ebay"),
    _b("Booking.com", "booking.com", "booking.com"),
    _b("Airbnb", "airbnb.com", "airbnb"),
    _b("Norton", "norton.com nortonlifelock.com", "norton"),
    _b("McAfee", "mcafee.com", "mcafee"),
    _b("Telegram", "telegram.org t.me", "telegram"),
    # parcel carriers and post offices
    _b("DHL", "dhl.com dhl.de dhl.co.uk", "dhl"),
    _b("FedEx", "fedex.com", "fedex"),
    _b("UPS", "ups.com", "ups"),
    _b("USPS", "usps.com", "usps"),
    _b("Royal Mail", "royalmail.com", "royal mail|royalmail"),
    _b("Evri / Hermes", "evri.com hermesworld.com myhermes.de", "evri|hermes"),
    _b("DPD", "dpd.com dpd.co.uk dpd.de", "dpd"),
    _b("GLS", "gls-group.eu gls-group.com", "gls"),
    _b("PostNL", "postnl.nl postnl.com", "postnl"),
    _b("La Poste / Colissimo", "laposte.fr laposte.net colissimo.fr", "la poste|laposte|colissimo"),
    _b("Correos", "correos.es", "correos"),
    _b("CTT", "ctt.pt", "ctt"),
    _b("Deutsche Post", "deutschepost.de", "deutsche post"),
    _b("Poste Italiane", "poste.it posteitaliane.it", "poste italiane|posteitaliane"),
    _b("Canada Post", "canadapost.ca canadapost-postescanada.ca", "canada post|canadapost"),
    _b("Australia Post", "auspost.com.au", "australia post|auspost"),
    _b("Thailand Post", "thailandpost.co.th", "thailand post|thailandpost|ไปรษณีย์ไทย"),
    _b("Kerry Express", "kerryexpress.com", "kerry express|kerryexpress"),
    _b("Pos Indonesia", "posindonesia.co.id", "pos indonesia|posindonesia"),
    _b("J&T Express", "jet.co.id jtexpress.co.th jtexpress.my", "j&t|jtexpress"),
    # banks and payments
    _b("Chase", "chase.com jpmorganchase.com", "chase"),
    _b("Wells Fargo", "wellsfargo.com", "wells fargo|wellsfargo"),
    _b("Bank of America", "bankofamerica.com bofa.com", "bank of america|bankofamerica"),
    _b("Citibank", "citi.com citibank.com", "citibank|citi"),
    _b("HSBC", "hsbc.com hsbc.co.uk", "hsbc"),
    _b("Barclays", "barclays.co.uk barclays.com", "barclays"),
    _b("Lloyds", "lloydsbank.com lloydsbank.co.uk", "lloyds"),
    _b("NatWest", "natwest.com", "natwest"),
    _b("Santander", "santander.com santander.co.uk santander.de santander.com.br", "santander"),
    _b("ING", "ing.com ing.de ing.nl ing.es", "ing"),
    _b("Deutsche Bank", "deutsche-bank.de db.com", "deutsche bank|deutschebank"),
    _b("Sparkasse", "sparkasse.de", "sparkasse"),
    _b("Commerzbank", "commerzbank.de", "commerzbank"),
    _b("BNP Paribas", "bnpparibas.com bnpparibas.fr", "bnp paribas|bnpparibas"),
    _b(
        "Crédit Agricole",
        "credit-agricole.fr credit-agricole.com",
        "credit agricole|creditagricole",
    ),
    _b("Société Générale", "societegenerale.fr", "societe generale|societegenerale"),
    _b("Royal Bank of Canada", "rbc.com rbcroyalbank.com", "royal bank of canada|rbc"),
    _b("Itaú", "itau.com.br", "itau"),
    _b("Bradesco", "bradesco.com.br", "bradesco"),
    _b("Banco do Brasil", "bb.com.br", "banco do brasil"),
    _b("Caixa", "caixa.gov.br", "caixa"),
    _b("Nubank", "nubank.com.br nu.com.br", "nubank"),
    _b("Revolut", "revolut.com", "revolut"),
    _b("N26", "n26.com", "n26"),
    _b("Wise", "wise.com transferwise.com", "transferwise"),
    _b("Western Union", "westernunion.com", "western union|westernunion"),
    _b("MoneyGram", "moneygram.com", "moneygram"),
    _b("Visa", "visa.com", "visa"),
    _b("Mastercard", "mastercard.com", "mastercard"),
    _b("American Express", "americanexpress.com aexp.com", "american express|amex"),
    _b("Kasikornbank", "kasikornbank.com kbank.co.th", "kasikorn|kbank|กสิกร"),
    _b("SCB", "scb.co.th", "scb|siam commercial|ไทยพาณิชย์"),
    _b("Bangkok Bank", "bangkokbank.com", "bangkok bank|bangkokbank|ธนาคารกรุงเทพ"),
    _b("Krungthai", "krungthai.com ktb.co.th", "krungthai|กรุงไทย"),
    _b("BCA", "bca.co.id klikbca.com", "bca|klikbca"),
    _b("Bank Mandiri", "bankmandiri.co.id", "mandiri"),
    _b("BRI", "bri.co.id", "bri"),
    _b("BNI", "bni.co.id", "bni"),
    _b("M-Pesa / Safaricom", "safaricom.co.ke vodacom.co.tz", "m-pesa|mpesa|safaricom"),
    _b("Paytm", "paytm.com", "paytm"),
    _b("State Bank of India", "sbi.co.in onlinesbi.com onlinesbi.sbi", "sbi|state bank of india"),
    # crypto
    _b("Coinbase", "coinbase.com", "coinbase"),
    _b("Binance", "binance.com", "binance"),
    _b("Kraken", "kraken.com", "kraken"),
    _b("MetaMask", "metamask.io", "metamask"),
    _b("Blockchain.com", "blockchain.com", "blockchain.com"),
    _b("Trust Wallet", "trustwallet.com", "trust wallet|trustwallet"),
    _b("Ledger", "ledger.com", "ledger"),
    # tax and government
    _b("IRS", "irs.gov", "irs|internal revenue service"),
    _b("HMRC", "gov.uk", "hmrc"),
    _b("GOV.UK", "gov.uk", "gov.uk"),
    _b("Service Public", "service-public.fr impots.gouv.fr ameli.fr", "impots.gouv|ameli"),
    _b("Receita Federal", "gov.br", "receita federal"),
)

FREEMAIL_DOMAINS = frozenset(
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com yahoo.co.uk "
    "ymail.com aol.com icloud.com me.com mail.com gmx.com gmx.de gmx.net web.de mail.ru "
    "yandex.ru yandex.com proton.me protonmail.com zoho.com qq.com 163.com 126.com "
    "naver.com daum.net rediffmail.com libero.it orange.fr free.fr laposte.net t-online.de "
    "bol.com.br uol.com.br terra.com.br seznam.cz wp.pl o2.pl interia.pl".split()
)

URL_SHORTENERS = frozenset(
    "bit.ly bitly.com tinyurl.com t.co goo.gl ow.ly is.gd buff.ly rebrand.ly cutt.ly "
    "shorturl.at rb.gy t.ly tiny.cc s.id bit.do qrco.de lnkd.in v.gd shorte.st adf.ly "
    "bl.ink short.io tiny.one rotf.lol urlz.fr u.to clck.ru surl.li shorturl.me "
    "l.ead.me 2u.pw wa.link linktr.ee trib.al dlvr.it soo.gd x.co".split()
)

_CONFUSABLE = str.maketrans(
    {
        # Cyrillic that looks Latin
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t",
        "у": "y", "х": "x", "ү": "y", "ӏ": "l", "ɡ": "g", "ԝ": "w", "ь": "b",
        # Greek that looks Latin
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y",
        # ASCII and symbols
        "0": "o", "1": "l", "|": "l", "!": "l", "$": "s", "@": "a",
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
    }
)  # fmt: skip
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """A folded form under which look-alike strings compare equal."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.lower().translate(_CONFUSABLE)
    for pair, single in _PAIRS:
        folded = folded.replace(pair, single)
    return folded


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (adjacent swaps) distance, capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
        if min(previous) >= limit:
            return limit
    return min(previous[-1], limit)


@dataclass(frozen=True, slots=True)
class BrandMatch:
    brand: str
    kind: str
    """homoglyph, typo, brand_in_name, brand_in_subdomain, own_domain_homoglyph, own_domain_typo"""
    target: str
    """The domain (or name) imitated."""


def _owns(domain: str, brand: Brand) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in brand.domains)


def _keyword_tokens() -> list[tuple[str, Brand]]:
    return [(skeleton(k.replace(" ", "")), b) for b in BRANDS for k in b.keywords if k.isascii()]


_TOKEN_SPLIT = re.compile(r"[-_.]+")


def lookalike_of(
    host: str, registrable: str, own_domains: tuple[str, ...] = ()
) -> BrandMatch | None:
    """Whether a host imitates a listed brand or one of `own_domains`.

    `registrable` is the host's registrable domain (e.g. ``paypa1.com`` for
    ``login.paypa1.com``), both lower-case; Unicode (decoded punycode) is fine.
    Returns the strongest match or None.
    """
    if not registrable:
        return None
    label = registrable.split(".", 1)[0]
    if len(label) < 3:
        return None
    folded = skeleton(label)
    for own in own_domains:
        if registrable == own or host.endswith("." + own):
            continue
        own_label = own.split(".", 1)[0]
        if len(own_label) < 4:
            continue
        own_folded = skeleton(own_label)
        if label == own_label:
            continue  # the same name under another suffix (example.co.uk for example.com)
        if folded == own_folded:
            return BrandMatch(own, "own_domain_homoglyph", own)
        if len(own_label) >= 6 and edit_distance(folded, own_folded, 2) <= 1:
            return BrandMatch(own, "own_domain_typo", own)
    best: BrandMatch | None = None
    tokens = [t for t in _TOKEN_SPLIT.split(folded) if t]
    host_labels = [skeleton(t) for t in host[: -len(registrable)].split(".") if t]
    for keyword, brand in _keyword_tokens():
        if _owns(registrable, brand) or _owns(host, brand):
            continue
        if len(keyword) < 3:
            continue
        if folded == keyword and label != keyword:
            return BrandMatch(brand.name, "homoglyph", brand.domains[0])
        if folded == keyword:
            continue  # the brand's own name under another suffix (google.co.uk, gls.de)
        if len(keyword) >= 6 and edit_distance(folded, keyword, 2) <= 1:
            return BrandMatch(brand.name, "typo", brand.domains[0])
        if best is None and (keyword in tokens or (len(keyword) >= 6 and keyword in folded)):
            best = BrandMatch(brand.name, "brand_in_name", brand.domains[0])
        if best is None and any(
            part == keyword or (len(keyword) >= 6 and keyword in part) for part in host_labels
        ):
            best = BrandMatch(brand.name, "brand_in_subdomain", brand.domains[0])
    return best


@lru_cache(maxsize=1)
def _brand_pattern() -> tuple[re.Pattern[str], dict[str, Brand]]:
    """One alternation of every keyword (longest first), and keyword -> brand."""
    owner: dict[str, Brand] = {}
    for brand in BRANDS:
        for keyword in brand.keywords:
            owner.setdefault(keyword.lower(), brand)
    words = "|".join(re.escape(k) for k in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<![\w.-])(?:{words})(?![\w-])", re.IGNORECASE), owner


def brand_in_text(text: str) -> Brand | None:
    """The first listed brand named in a short text (a display name, a subject),
    matched on whole words, as written or after folding look-alike characters."""
    pattern, owner = _brand_pattern()
    sample = text[:2000]
    for candidate in (sample, skeleton(sample)):
        match = pattern.search(candidate)
        if match is not None:
            return owner.get(match.group(0).lower())
    return None
