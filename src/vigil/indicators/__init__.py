"""Typed, normalised indicators extracted from text, each with its character span.

Phone numbers (E.164), e-mail addresses, URLs and registrable domains, IPv4
and IPv6, cryptocurrency addresses with their checksums checked, IBANs,
payment cards and messenger handles. A library: it imports only
`vigil.domain` and third-party packages, and never touches the network.

    >>> from vigil.indicators import extract_indicators
    >>> [(h.kind, h.value) for h in extract_indicators("mail joe@example.com")]
    [('email', 'joe@example.com'), ('domain', 'example.com')]
"""

from vigil.indicators.crypto import CryptoAddress, parse_crypto_address
from vigil.indicators.extract import IndicatorExtractor, extract_indicators, parse_kinds
from vigil.indicators.hits import CRYPTO_KINDS, IndicatorHit, IndicatorKind

__all__ = [
    "CRYPTO_KINDS",
    "CryptoAddress",
    "IndicatorExtractor",
    "IndicatorHit",
    "IndicatorKind",
    "extract_indicators",
    "parse_crypto_address",
    "parse_kinds",
]
