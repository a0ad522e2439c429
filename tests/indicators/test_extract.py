"""Extraction behaviour: what is found, how it is normalised, and the look-alikes
that must not be."""

from __future__ import annotations

import pytest

from vigil.indicators import IndicatorHit, IndicatorKind, extract_indicators, parse_kinds


def _pairs(text: str, **kwargs: object) -> list[tuple[str, str]]:
    hits = extract_indicators(text, **kwargs)  # type: ignore[arg-type]
    for hit in hits:
        assert text[hit.start : hit.end] == hit.raw
    return [(h.kind.value, h.value) for h in hits]


def _one(text: str, kind: str) -> IndicatorHit:
    hits = [h for h in extract_indicators(text) if h.kind == kind]
    assert len(hits) == 1, hits
    return hits[0]


# --- URLs, domains, e-mail ----------------------------------------------------


def test_url_is_normalised_and_trailing_punctuation_trimmed() -> None:
    hit = _one("Log in at (https://www.PayPal.com:443/login?next=%2F).", "url")
    assert hit.raw == "https://www.PayPal.com:443/login?next=%2F"
    assert hit.value == "https://www.paypal.com/login?next=%2F"
    assert _one("Log in at https://www.PayPal.com/x", "domain").value == "paypal.com"


def test_www_and_schemeless_links() -> None:
    assert ("url", "http://www.bbc.co.uk/") in _pairs("read www.bbc.co.uk.")
    assert ("url", "http://bit.ly/3xYzAb") in _pairs("tap bit.ly/3xYzAb now")
    assert ("domain", "bit.ly") in _pairs("tap bit.ly/3xYzAb now")


def test_defanged_url_is_restored() -> None:
    hit = _one("C2 at hxxps://evil-update[.]com/gate.php", "url")
    assert hit.value == "https://evil-update.com/gate.php"
    assert hit.details["defanged"] is True
    assert _one("C2 at hxxps://evil-update[.]com/gate.php", "domain").raw == "evil-update[.]com"


def test_userinfo_trick_points_to_the_real_host() -> None:
    pairs = _pairs("http://paypal.com@evil.co.uk/login")
    assert ("domain", "evil.co.uk") in pairs
    assert ("domain", "paypal.com") not in pairs
    assert not [p for p in pairs if p[0] == "email"]


def test_idn_hosts_are_punycoded_with_their_unicode_form_kept() -> None:
    domain = _one("go to https://аpple.com/id now", "domain")  # Cyrillic а
    assert domain.value == "xn--pple-43d.com"
    assert domain.details["unicode"] == "аpple.com"
    assert _one("go to https://аpple.com/id now", "url").value == "https://xn--pple-43d.com/id"


def test_links_glued_to_thai_or_chinese_text_are_cut_at_the_script_change() -> None:
    assert _one("请访问http://scam.com立即领取", "url").raw == "http://scam.com"
    assert _one("ไปที่https://scam.comค่ะ", "url").value == "https://scam.com/"
    assert _one("请访问scam.com立即领取", "domain").value == "scam.com"


def test_look_alike_glued_to_cyrillic_is_not_cut_out() -> None:
    assert not [p for p in _pairs("visit аpple.com/x") if p[0] in ("url", "domain")]


def test_private_suffixes_make_each_site_its_own_domain() -> None:
    assert _one("see https://scam-shop.github.io/pay", "domain").value == "scam-shop.github.io"


def test_bare_domains_and_the_names_that_are_not() -> None:
    assert ("domain", "paypal-verify.com") in _pairs("Reply at paypal-verify.com today")
    for text in (
        "I went home.Click here",
        "run setup.py first",
        "see notes.zip",
        "e.g. this",
        "version 1.2.3",
        "file.txt",
    ):
        assert not [p for p in _pairs(text) if p[0] == "domain"], text


def test_email_is_lower_cased_with_its_domain() -> None:
    pairs = _pairs("Write to JOE.Doe@Example.CO.UK.")
    assert ("email", "joe.doe@example.co.uk") in pairs
    assert ("domain", "example.co.uk") in pairs
    assert not [p for p in _pairs("user@localhost and a@b") if p[0] == "email"]


# --- IP addresses ------------------------------------------------------------


def test_ips_are_kept_and_scoped() -> None:
    hits = {
        h.value: h.details["scope"]
        for h in extract_indicators(
            "from 10.1.2.3 via 8.8.8.8, ::1 and 2606:4700:4700::1111. Not 999.1.1.1 or 12:30:45"
        )
        if h.kind in (IndicatorKind.IPV4, IndicatorKind.IPV6)
    }
    assert hits == {
        "10.1.2.3": "private",
        "8.8.8.8": "global",
        "::1": "loopback",
        "2606:4700:4700::1111": "global",
    }


def test_ipv6_is_compressed() -> None:
    assert _one("host 2001:0db8:0000:0000:0000:ff00:0042:8329 up", "ipv6").value == (
        "2001:db8::ff00:42:8329"
    )


# --- crypto -------------------------------------------------------------------


def test_crypto_addresses_of_each_chain() -> None:
    text = (
        "btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 bech32 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq "
        "taproot bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0 "
        "eth 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed "
        "bch bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    )
    pairs = _pairs(text, kinds=["crypto"])
    assert pairs == [
        ("btc_address", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("btc_address", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("btc_address", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
        ("eth_address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ("bch_address", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"),
    ]
    taproot = extract_indicators(text, kinds=["crypto"])[2]
    assert taproot.details["address_type"] == "p2tr"


def test_hex_strings_that_are_not_wallets() -> None:
    tx_hash = "0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b"
    for text in (
        f"tx {tx_hash}",
        "sha256 " + "ab" * 32,
        "key 5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ):
        assert not _pairs(text, kinds=["crypto"]), text


def test_bad_checksums_and_glued_addresses_are_not_hits() -> None:
    for text in (
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # last character changed
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # EIP-55 case flipped
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",
        "id_x1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2z",
        "LTc1PGgnhgC7dYEkw9EKsmjcqSsf5GZmBsX",
    ):
        assert not _pairs(text, kinds=["crypto"]), text


def test_litecoin_base58_that_looks_like_bech32() -> None:
    hit = _one("pay LTc1PGgnhgC7dYEkw9EKsmjcqSsf5GZmBs", "ltc_address")
    assert hit.details["address_type"] == "p2pkh"


def test_shared_version_bytes_list_the_other_chains() -> None:
    hit = _one("to 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc_address")
    assert hit.details["also_valid_on"] == ["bitcoin-cash", "bitcoin-sv", "litecoin"]


# --- IBAN and cards ---------------------------------------------------------------


def test_iban_grouped_or_compact_with_country_and_bank() -> None:
    hit = _one("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "iban")
    assert hit.value == "DE89370400440532013000"
    assert hit.raw == "DE89 3704 0044 0532 0130 00"
    assert hit.details["country"] == "DE"
    assert hit.details["bank_name"] == "Commerzbank"
    assert _one("acct GB82WEST12345698765432.", "iban").value == "GB82WEST12345698765432"


def test_iban_with_a_bad_check_or_glued_is_not_a_hit() -> None:
    for text in (
        "DE89 3704 0044 0532 0130 01",
        "DE89370400440532013000X",
        "xDE89370400440532013000",
    ):
        assert not _pairs(text, kinds=["iban"]), text


def test_cards_by_luhn_and_brand() -> None:
    text = "visa 4111 1111 1111 1111, amex 3782 822463 10005, mc 5555-5555-5555-4444."
    brands = [h.details["brand"] for h in extract_indicators(text) if h.kind == "payment_card"]
    assert brands == ["visa", "amex", "mastercard"]
    hit = extract_indicators(text, kinds=["payment_card"])[0]
    assert hit.value == "4111111111111111" and str(hit.details["masked"]).endswith("1111")


def test_numbers_that_are_not_cards() -> None:
    for text in (
        "4111 1111 1111 1112",  # Luhn fails
        "tel: 4111111111111111",  # announced as a phone number
        "+4111111111111111",
        "0000 0000 0000 0000",
        "9111111111111111",  # no brand range
        "4111 1111 1111 11111 1",  # odd grouping
        "order 1234 4111 1111 1111 1111",  # part of a longer run of groups
    ):
        assert not _pairs(text, kinds=["payment_card"]), text


def test_card_wins_over_phone_and_iban_over_both() -> None:
    pairs = _pairs("card 4111111111111111 end", region="US")
    assert pairs == [("payment_card", "4111111111111111")]


# --- messengers -----------------------------------------------------------------


def test_telegram_links_and_named_handles() -> None:
    text = "Join t.me/s/Crypto_Signals or https://t.me/joinchat/AAAA, Telegram: @Rescue_Desk"
    telegram = [h.value for h in extract_indicators(text) if h.kind == "telegram"]
    assert telegram == ["@crypto_signals", "@rescue_desk"]


def test_bare_handle_without_telegram_named() -> None:
    assert ("handle", "@someone_else") in _pairs("follow @someone_else for tips")
    assert ("telegram", "@someone_else") in _pairs("电报 @someone_else")
    assert not [p for p in _pairs("mail me@example.com or @home @everyone") if p[0] == "handle"]


def test_whatsapp_links_give_phone_numbers() -> None:
    for text in (
        "chat https://wa.me/4915123456789",
        "https://api.whatsapp.com/send?phone=4915123456789&text=hi",
    ):
        hit = _one(text, "phone")
        assert hit.value == "+4915123456789"
        assert hit.raw == "4915123456789"
        assert hit.details["source"] == "whatsapp link"


# --- options -----------------------------------------------------------------------


def test_kinds_filter_and_crypto_group() -> None:
    text = "mail a@example.com, pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    assert _pairs(text, kinds=["email"]) == [("email", "a@example.com")]
    assert [k for k, _ in _pairs(text, kinds=["crypto"])] == ["btc_address"]
    assert parse_kinds(None) == frozenset(IndicatorKind)
    with pytest.raises(ValueError, match="unknown indicator kind"):
        parse_kinds(["wallet"])


def test_plain_prose_has_no_indicators() -> None:
    assert extract_indicators("The meeting moved to Thursday at 3 pm, room 12.") == []
    assert extract_indicators("") == []


def test_sentences_glued_at_a_full_stop_are_not_domains() -> None:
    for text in ("nice.how are you", "u.call me later", "Howz pain.it will come down today.do as"):
        assert not [p for p in _pairs(text) if p[0] == "domain"], text
    assert ("domain", "cherthala.in") in _pairs("Me at cherthala.in")


def test_one_slash_scheme_is_still_a_link() -> None:
    assert _one("click http:/95.141.32.7:81/orders.aspx now", "url").value == (
        "http://95.141.32.7:81/orders.aspx"
    )


def test_line_ids_are_marked() -> None:
    hit = _one("เพิ่ม Line：@em199 เพื่อรับ", "handle")
    assert hit.value == "@em199" and hit.details["platform"] == "line"


def test_parcel_and_glued_numbers_are_not_cards() -> None:
    for text in (
        "พัสดุ4111111111111111 จัดส่ง",
        "tracking no. 4111111111111111",
        "SN 4111111111111111",
    ):
        assert not _pairs(text, kinds=["payment_card"]), text


def test_public_suffix_list_is_read_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from vigil.indicators.network import suffix_extractor

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    suffix_extractor.cache_clear()
    try:
        assert suffix_extractor()("www.bbc.co.uk").suffix == "co.uk"
    finally:
        suffix_extractor.cache_clear()
