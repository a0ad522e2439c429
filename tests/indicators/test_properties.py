"""Property tests: any text is handled without an exception, and every hit's
span slices back to its raw text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.indicators import IndicatorExtractor, parse_crypto_address

_EXTRACTOR = IndicatorExtractor(region="DE")
_PIECES = [
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW",
    "bitcoincash:", "DE89 3704 0044 0532 0130 00", "4111 1111 1111 1111", "+49 1512 3456789",
    "030 901820", "https://", "hxxp://", "www.", "t.me/", "wa.me/4915123456789", "@", ".", "[.]",
    "::", ":", "/", "?", "#", "(", ")", "[", "]", "example.com", "аpple", "ค่ะ", "立即", "\n",
    " ", "-", "192.168.0.1", "fe80::1", "tel ", "Telegram ", "user@", "xn--p1ai", "_", "%",
]  # fmt: skip
_text = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=12)), max_size=30).map(
    "".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), _text))
def test_any_text_gives_hits_whose_spans_slice_back(text: str) -> None:
    hits = _EXTRACTOR.extract(text)
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.raw
        assert hit.value
    assert hits == sorted(hits, key=lambda h: (h.start, h.end, h.kind.value))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_parse_crypto_address_never_raises(text: str) -> None:
    address = parse_crypto_address(text)
    if address is not None:
        assert parse_crypto_address(address.value) is not None
