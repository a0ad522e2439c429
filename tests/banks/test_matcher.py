"""BankMatcher: per-signal indexes over enabled banks, thresholds, negatives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.banks.store_contract import make_bank
from tests.signals.helpers import flip_bits, random_codes, to_hex
from vigil.banks import BankCategory, BankMatcher, InMemoryBankStore, NegativeEntry, NewEntry
from vigil.domain.errors import NotFoundError
from vigil.signals.exact import Md5Signal
from vigil.signals.pdq import PdqSignal

SIGNALS = {"pdq": PdqSignal(), "md5": Md5Signal()}


def _setup(seed: int = 0) -> tuple[InMemoryBankStore, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = random_codes(rng, 200)
    hexes = to_hex(codes)
    store = InMemoryBankStore()
    store.create_bank(make_bank("bad"))
    store.create_bank(make_bank("good", category=BankCategory.KNOWN_GOOD))
    store.add_entries("bad", [NewEntry("pdq", h) for h in hexes[:100]])
    store.add_entries("good", [NewEntry("pdq", h) for h in hexes[100:]])
    return store, codes


def _near(codes: np.ndarray, row: int, bits: int, seed: int = 1) -> str:
    return to_hex(flip_bits(np.random.default_rng(seed), codes[row], bits)[None])[0]


def test_matches_carry_bank_category_distance_and_scores() -> None:
    store, codes = _setup()
    matcher = BankMatcher(store, SIGNALS)
    [hit] = matcher.match("pdq", _near(codes, 3, 20))
    assert (hit.bank, hit.category, hit.distance, hit.threshold) == (
        "bad",
        BankCategory.KNOWN_BAD,
        20,
        31,
    )
    assert hit.score == pytest.approx(1 - 20 / 256)
    assert hit.score_threshold == pytest.approx(1 - 31 / 256)
    assert hit.value == to_hex(codes[3][None])[0]
    [good] = matcher.match("pdq", _near(codes, 150, 5))
    assert good.category == BankCategory.KNOWN_GOOD
    assert matcher.match("pdq", _near(codes, 3, 32)) == []
    assert matcher.match("pdq", _near(codes, 3, 31))[0].distance == 31
    with pytest.raises(ValueError):
        matcher.match("pdq", "nope")
    with pytest.raises(NotFoundError):
        matcher.match("tmk", "00")


def test_per_bank_threshold_overrides() -> None:
    store, codes = _setup()
    store.update_bank(make_bank("bad", thresholds={"pdq": 10}))
    store.update_bank(make_bank("good", category=BankCategory.KNOWN_GOOD, thresholds={"pdq": 40}))
    matcher = BankMatcher(store, SIGNALS)
    assert matcher.match("pdq", _near(codes, 3, 11)) == []
    assert matcher.match("pdq", _near(codes, 3, 10))[0].threshold == 10
    assert matcher.match("pdq", _near(codes, 150, 38))[0].threshold == 40


def test_disabled_banks_do_not_match_and_refresh_notices() -> None:
    store, codes = _setup()
    matcher = BankMatcher(store, SIGNALS)
    query = _near(codes, 3, 4)
    assert len(matcher.match("pdq", query)) == 1
    store.update_bank(make_bank("bad", enabled=False))
    assert len(matcher.match("pdq", query)) == 1  # a snapshot until refresh()
    results = {r.signal_type: r.action for r in matcher.refresh()}
    assert results["pdq"] == "built"
    assert matcher.match("pdq", query) == []


def test_refresh_skips_appends_or_rebuilds_by_checkpoint() -> None:
    store, codes = _setup()
    matcher = BankMatcher(store, SIGNALS)
    assert {r.signal_type: r.action for r in matcher.refresh()} == {"pdq": "built", "md5": "empty"}
    assert {r.action for r in matcher.refresh()} == {"unchanged"}
    extra = to_hex(random_codes(np.random.default_rng(9), 3))
    store.add_entries("bad", [NewEntry("pdq", h) for h in extra])
    [result] = matcher.refresh(["pdq"])
    assert (result.action, result.count) == ("appended", 203)
    assert matcher.match("pdq", extra[1])[0].distance == 0
    store.delete_bank("good")
    assert matcher.refresh(["pdq"])[0].action == "built"
    assert matcher.match("pdq", _near(codes, 150, 2)) == []


def test_negative_lists_suppress_query_and_bank_hashes() -> None:
    store, codes = _setup()
    matcher = BankMatcher(store, SIGNALS)
    benign = _near(codes, 5, 25)
    assert len(matcher.match("pdq", benign)) == 1
    store.add_negative(NegativeEntry("bad", "pdq", benign.upper(), "meme, reviewed"))
    matcher.refresh()
    assert matcher.match("pdq", benign) == []  # this query hash is known benign
    assert len(matcher.match("pdq", _near(codes, 5, 24, seed=4))) == 1  # others still match
    flooding = to_hex(codes[7][None])[0]
    store.add_negative(NegativeEntry("bad", "pdq", flooding, "floods"))
    matcher.refresh()
    assert matcher.match("pdq", _near(codes, 7, 3)) == []  # this bank hash is silenced
    benign_code = np.frombuffer(bytes.fromhex(benign), dtype=np.uint8)
    recompressed = to_hex(flip_bits(np.random.default_rng(2), benign_code, 5)[None])[0]
    assert len(matcher.match("pdq", recompressed)) == 1  # exact negatives only, by default
    tolerant = BankMatcher(store, SIGNALS, negative_distance=8)
    assert tolerant.match("pdq", recompressed) == []


def test_exact_signals_match_by_equality() -> None:
    store = InMemoryBankStore()
    store.create_bank(make_bank("files"))
    store.add_entries("files", [NewEntry("md5", "0123456789abcdef" * 2)])
    matcher = BankMatcher(store, SIGNALS)
    [hit] = matcher.match("md5", "0123456789ABCDEF" * 2)
    assert (hit.distance, hit.score, hit.threshold) == (0, 1.0, 0)
    assert matcher.match("md5", "f" * 32) == []


def test_cache_dir_skips_the_build_in_a_new_matcher(tmp_path: Path) -> None:
    store, codes = _setup()
    first = BankMatcher(store, SIGNALS, cache_dir=tmp_path)
    first.refresh()
    second = BankMatcher(store, SIGNALS, cache_dir=tmp_path)
    assert {r.signal_type: r.action for r in second.refresh()}["pdq"] == "loaded"
    query = _near(codes, 42, 17)
    assert second.match("pdq", query) == first.match("pdq", query)
    (tmp_path / "pdq" / "index" / "codes.npy").write_bytes(b"garbage")
    third = BankMatcher(store, SIGNALS, cache_dir=tmp_path)
    assert {r.signal_type: r.action for r in third.refresh()}["pdq"] == "built"
    assert third.match("pdq", query) == first.match("pdq", query)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([0, 8, 31, 45]))
def test_fast_and_reference_matchers_agree(seed: int, override: int) -> None:
    store, codes = _setup(seed)
    store.update_bank(
        make_bank("good", category=BankCategory.KNOWN_GOOD, thresholds={"pdq": override})
    )
    rng = np.random.default_rng(seed)
    queries = [
        _near(codes, int(rng.integers(200)), int(rng.integers(0, 50)), seed) for _ in range(8)
    ]
    fast = BankMatcher(store, SIGNALS).match_many("pdq", queries)
    slow = BankMatcher(store, SIGNALS, fast=False).match_many("pdq", queries)
    assert fast == slow
