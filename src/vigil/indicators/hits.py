"""What extraction returns: a typed, normalised indicator and where it stood."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from vigil.domain.model import Indicator, JsonValue

__all__ = ["CRYPTO_KINDS", "IndicatorHit", "IndicatorKind"]


class IndicatorKind(StrEnum):
    PHONE = "phone"
    """E.164, e.g. +447700900123."""
    EMAIL = "email"
    """Lower-cased address."""
    URL = "url"
    """Scheme and host lower-cased, host in IDNA (punycode), defanged hxxp restored."""
    DOMAIN = "domain"
    """Registrable domain (public suffix + one label), lower-case IDNA."""
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    """Compressed form."""
    IBAN = "iban"
    """Compact, upper-case."""
    PAYMENT_CARD = "payment_card"
    """Digits only; explanations show the last four."""
    TELEGRAM = "telegram"
    """@username, lower-case (Telegram names ignore case)."""
    HANDLE = "handle"
    """A bare @name with no messenger named near it, lower-case."""
    BTC_ADDRESS = "btc_address"
    BCH_ADDRESS = "bch_address"
    LTC_ADDRESS = "ltc_address"
    DOGE_ADDRESS = "doge_address"
    DASH_ADDRESS = "dash_address"
    ZEC_ADDRESS = "zec_address"
    TRX_ADDRESS = "trx_address"
    ETH_ADDRESS = "eth_address"
    XMR_ADDRESS = "xmr_address"


CRYPTO_KINDS = frozenset(k for k in IndicatorKind if k.value.endswith("_address"))


@dataclass(frozen=True, slots=True)
class IndicatorHit:
    """One occurrence: `text[start:end] == raw`; `value` is the normalised form."""

    kind: IndicatorKind
    value: str
    raw: str
    start: int
    end: int
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_indicator(self) -> Indicator:
        return Indicator(kind=self.kind.value, value=self.value, raw=self.raw)
