"""Look-alike skeletons, brand matching and the lure lexicon."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.brands import brand_in_text, edit_distance, lookalike_of, skeleton
from vigil.text.lures import find_lures


def test_skeleton_folds_lookalikes() -> None:
    assert skeleton("pаypal") == skeleton("paypal")  # Cyrillic а
    assert skeleton("PAYPA1") == skeleton("paypal")
    assert skeleton("rnicrosoft") == skeleton("microsoft")
    assert skeleton("ｇｏｏｇｌｅ") == skeleton("google")
    assert skeleton("café") == "cafe"


def test_edit_distance() -> None:
    assert edit_distance("paypal", "paypal") == 0
    assert edit_distance("paypal", "paypall") == 1
    assert edit_distance("paypal", "pyapal") == 1  # adjacent swap
    assert edit_distance("paypal", "xxxxxxxx", limit=3) == 3


@pytest.mark.parametrize(
    ("host", "registrable", "kind"),
    [
        ("paypa1.com", "paypa1.com", "homoglyph"),
        ("pаypal.com", "pаypal.com", "homoglyph"),
        ("login.paypall.com", "paypall.com", "typo"),
        ("paypal-secure-login.com", "paypal-secure-login.com", "brand_in_name"),
        ("paypal.com.account-check.example", "account-check.example", "brand_in_subdomain"),
        ("dhl-parcel.example", "dhl-parcel.example", "brand_in_name"),
    ],
)
def test_brand_lookalikes(host: str, registrable: str, kind: str) -> None:
    match = lookalike_of(host, registrable)
    assert match is not None and match.kind == kind


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("www.paypal.com", "paypal.com"),
        ("mail.google.co.uk", "google.co.uk"),
        ("groups.example.org", "example.org"),
        ("applesauce-recipes.example", "applesauce-recipes.example"),
        ("stream.example", "stream.example"),
    ],
)
def test_not_lookalikes(host: str, registrable: str) -> None:
    assert lookalike_of(host, registrable) is None


def test_own_domain_lookalikes() -> None:
    own = ("acme-corp.example",)
    homoglyph = lookalike_of("acme-c0rp.example", "acme-c0rp.example", own)
    typo = lookalike_of("acme-corq.example", "acme-corq.example", own)
    assert homoglyph is not None and homoglyph.kind == "own_domain_homoglyph"
    assert typo is not None and typo.kind == "own_domain_typo"
    assert lookalike_of("mail.acme-corp.example", "acme-corp.example", own) is None


def test_brand_in_text() -> None:
    assert getattr(brand_in_text("PayPal Service"), "name", None) == "PayPal"
    assert getattr(brand_in_text("DHL Express Team"), "name", None) == "DHL"
    assert brand_in_text("Alice from accounting") is None
    assert brand_in_text("purchase order") is None  # 'chase' inside a word


@pytest.mark.parametrize(
    ("text", "lure"),
    [
        ("Your parcel is held at customs, pay the fee", "parcel_delivery"),
        ("Ihr Paket konnte nicht zugestellt werden", "parcel_delivery"),
        ("Votre compte suspendu, vérifier votre identité", "account_security"),
        ("Selamat anda mendapatkan hadiah undian", "prize_lottery"),
        ("คุณได้รับรางวัล กดรับทันที", "prize_lottery"),
        ("Invest in bitcoin for guaranteed profit", "investment_crypto"),
        ("Tuma tsh 5000 kwa namba hii", "payment_invoice"),
        ("I am a diplomat with your consignment box", "advance_fee"),
        ("Part-time job: earn 300 per day liking videos", "job_task"),
    ],
)
def test_lures(text: str, lure: str) -> None:
    assert lure in [hit.lure for hit in find_lures(text)]


def test_no_lure_in_a_plain_note() -> None:
    assert find_lures("See you at lunch, I am fine, thanks for the notes") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=30))
def test_any_host_is_judged(host: str, own: str) -> None:
    lookalike_of(host.lower(), host.lower(), (own.lower(),) if own else ())
    brand_in_text(host)
    find_lures(host)
