"""Hamming indexes: the fast ones must return exactly the reference's results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signals.helpers import flip_bits, random_codes, to_hex
from vigil.signals import IndexFileError, load_index
from vigil.signals.base import Match
from vigil.signals.hamming import (
    HammingIndex,
    LinearScanIndex,
    MultiIndexHashIndex,
    auto_chunks,
    codes_from_hex,
    hamming_distances,
)

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _python_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _fast_indexes() -> list[HammingIndex]:
    indexes: list[HammingIndex] = [
        MultiIndexHashIndex(allow_scan=False),
        MultiIndexHashIndex(chunks=16, allow_scan=False),
        MultiIndexHashIndex(chunks=13, allow_scan=False),
        MultiIndexHashIndex(chunks=32, allow_scan=False),
        MultiIndexHashIndex(),
    ]
    try:
        import faiss  # noqa: F401
    except ImportError:
        return indexes
    from vigil.signals.faiss_index import FaissFlatIndex, FaissMultiHashIndex

    return [*indexes, FaissFlatIndex(), FaissMultiHashIndex()]


@st.composite
def banks_and_queries(draw: st.DrawFn) -> tuple[list[str], list[str], int]:
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 400))
    rng = np.random.default_rng(seed)
    base = random_codes(rng, n)
    planted = []
    for _ in range(draw(st.integers(0, 30))):  # near-duplicates inside the bank
        planted.append(flip_bits(rng, base[rng.integers(n)], int(rng.integers(0, 40))))
    bank = np.concatenate([base, np.asarray(planted, dtype=np.uint8).reshape(-1, 32)])
    queries = [flip_bits(rng, bank[rng.integers(len(bank))], int(rng.integers(0, 45)))]
    queries += list(random_codes(rng, 2))
    threshold = draw(st.sampled_from([0, 1, 7, 15, 16, 30, 31, 32, 40, 64]))
    return to_hex(bank), to_hex(np.asarray(queries)), threshold


@PROPERTY
@given(banks_and_queries())
def test_fast_indexes_equal_the_linear_reference(
    case: tuple[list[str], list[str], int],
) -> None:
    bank, queries, threshold = case
    ids = list(range(1000, 1000 + len(bank)))
    reference = LinearScanIndex()
    reference.build(bank, ids)
    expected = [reference.query(q, threshold) for q in queries]
    for q, want in zip(queries, expected, strict=True):  # the reference itself is right
        brute = sorted(
            (
                Match(i, d)
                for i, h in zip(ids, bank, strict=True)
                if (d := _python_distance(q, h)) <= threshold
            ),
            key=lambda m: (m.distance, m.id),
        )
        assert want == brute
    for index in _fast_indexes():
        index.build(bank, ids)
        assert [index.query(q, threshold) for q in queries] == expected, index.kind
        assert index.query_many(queries, threshold) == expected, index.kind


@PROPERTY
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.integers(1, 300))
def test_adds_after_build_are_found(seed: int, first: int, more: int) -> None:
    rng = np.random.default_rng(seed)
    codes = random_codes(rng, first + more)
    hexes = to_hex(codes)
    ids = list(range(first + more))
    fast = MultiIndexHashIndex(chunks=16, max_pending=100, allow_scan=False)
    fast.build(hexes[:first], ids[:first])
    fast.add(hexes[first:], ids[first:])
    reference = LinearScanIndex()
    reference.build(hexes, ids)
    probe = to_hex(np.asarray([flip_bits(rng, codes[-1], 20), flip_bits(rng, codes[0], 31)]))
    for q in probe:
        assert fast.query(q, 31) == reference.query(q, 31)
    assert len(fast) == first + more


def test_planted_matches_at_every_distance_up_to_31() -> None:
    rng = np.random.default_rng(7)
    bank = random_codes(rng, 50_000)
    index = MultiIndexHashIndex()
    index.build_codes(bank, np.arange(len(bank)))
    assert index.chunks == auto_chunks(50_000) == 16
    for k in range(32):
        target = int(rng.integers(len(bank)))
        ids, dists = index.query_code(flip_bits(rng, bank[target], k), 31)
        assert target in ids.tolist()
        assert dists[ids.tolist().index(target)] == k
    for k in (32, 33, 40):
        target = int(rng.integers(len(bank)))
        ids, _ = index.query_code(flip_bits(rng, bank[target], k), 31)
        assert target not in ids.tolist()


def test_distances_agree_with_python_popcount() -> None:
    rng = np.random.default_rng(3)
    codes = random_codes(rng, 500)
    query = random_codes(rng, 1)[0]
    hexes, qhex = to_hex(codes), to_hex(query[None])[0]
    got = hamming_distances(codes, query).tolist()
    assert got == [_python_distance(qhex, h) for h in hexes]


def test_bad_hashes_and_thresholds_are_rejected() -> None:
    index = MultiIndexHashIndex()
    with pytest.raises(ValueError, match="#1"):
        index.build(["0" * 64, "g" * 64], [1, 2])
    with pytest.raises(ValueError, match="#0"):
        codes_from_hex(["00 " + "0" * 61])
    with pytest.raises(ValueError, match="ids"):
        index.build(["0" * 64], [1, 2])
    index.build(["0" * 64], [1])
    for bad in (-1, 257, 3.0, True):
        with pytest.raises(ValueError):
            index.query("0" * 64, bad)  # type: ignore[arg-type]
    assert index.query("F" * 64, 256) == [Match(1, 256)]


def test_chunk_counts_outside_8_to_24_bits_are_refused() -> None:
    for chunks in (1, 10, 33):
        with pytest.raises(ValueError, match="chunks"):
            MultiIndexHashIndex(chunks=chunks)
    assert auto_chunks(10_000_000) == 11 and auto_chunks(10) == 32


def test_empty_index_answers_nothing() -> None:
    for index in (LinearScanIndex(), MultiIndexHashIndex()):
        index.build([], [])
        assert index.query("ab" * 32, 31) == []
        assert len(index) == 0


@pytest.mark.parametrize("cls", [LinearScanIndex, MultiIndexHashIndex])
def test_save_and_load_round_trip(tmp_path: Path, cls: type[HammingIndex]) -> None:
    rng = np.random.default_rng(11)
    hexes = to_hex(random_codes(rng, 1000))
    index = cls()
    index.build(hexes, list(range(5, 1005)))
    index.save(tmp_path / "idx")
    header = json.loads((tmp_path / "idx" / "header.json").read_text())
    assert header["format_version"] == 1
    assert header["count"] == 1000 and header["signal_type"] == "pdq"
    tables = {"orders", "offsets"} if cls is MultiIndexHashIndex else set()
    assert set(header["arrays"]) == {"codes", "ids"} | tables
    loaded = cls.load(tmp_path / "idx")
    assert type(loaded) is cls and len(loaded) == 1000
    query = hexes[123]
    assert loaded.query(query, 31) == index.query(query, 31) == [Match(128, 0)]
    assert type(load_index(tmp_path / "idx")) is cls


def test_saved_tables_are_used_and_checked(tmp_path: Path) -> None:
    import hashlib

    rng = np.random.default_rng(12)
    codes = random_codes(rng, 40_000)
    index = MultiIndexHashIndex()
    index.build_codes(codes, np.arange(40_000))
    index.save(tmp_path / "t")
    loaded = MultiIndexHashIndex.load(tmp_path / "t")
    assert np.array_equal(loaded._orders, index._orders)  # adopted, not re-sorted
    query = flip_bits(rng, codes[77], 29)
    assert [a.tolist() for a in loaded.query_code(query, 31)] == [[77], [29]]
    # a consistent checksum does not make a wrong table acceptable
    orders = np.load(tmp_path / "t" / "orders.npy")
    orders[5] = 40_000
    np.save(tmp_path / "t" / "orders.npy", orders, allow_pickle=False)
    header_path = tmp_path / "t" / "header.json"
    header = json.loads(header_path.read_text())
    digest = hashlib.sha256((tmp_path / "t" / "orders.npy").read_bytes()).hexdigest()
    header["arrays"]["orders"]["sha256"] = digest
    header_path.write_text(json.dumps(header))
    with pytest.raises(IndexFileError, match="past the codes"):
        MultiIndexHashIndex.load(tmp_path / "t")
    lean = MultiIndexHashIndex(save_tables=False)
    lean.build_codes(codes[:100], np.arange(100))
    lean.save(tmp_path / "lean")
    assert set(json.loads((tmp_path / "lean" / "header.json").read_text())["arrays"]) == {
        "codes",
        "ids",
    }
    assert MultiIndexHashIndex.load(tmp_path / "lean").query_code(codes[3], 0)[0].tolist() == [3]


def test_tampered_index_is_refused(tmp_path: Path) -> None:
    index = MultiIndexHashIndex()
    index.build(["ab" * 32, "cd" * 32], [1, 2])
    index.save(tmp_path / "idx")
    codes = tmp_path / "idx" / "codes.npy"
    data = bytearray(codes.read_bytes())
    data[-1] ^= 0xFF
    codes.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        MultiIndexHashIndex.load(tmp_path / "idx")
    with pytest.raises(IndexFileError):
        load_index(tmp_path / "idx")


def test_pickled_arrays_are_refused_even_with_a_matching_checksum(tmp_path: Path) -> None:
    import hashlib

    index = LinearScanIndex()
    index.build(["ab" * 32], [1])
    index.save(tmp_path / "idx")
    ids = tmp_path / "idx" / "ids.npy"
    np.save(ids, np.array([object()], dtype=object), allow_pickle=True)
    header_path = tmp_path / "idx" / "header.json"
    header = json.loads(header_path.read_text())
    header["arrays"]["ids"]["sha256"] = hashlib.sha256(ids.read_bytes()).hexdigest()
    header_path.write_text(json.dumps(header))
    with pytest.raises(ValueError, match="plain .npy"):
        LinearScanIndex.load(tmp_path / "idx")


def test_header_problems_are_refused(tmp_path: Path) -> None:
    index = LinearScanIndex()
    index.build(["ab" * 32], [1])
    index.save(tmp_path / "idx")
    with pytest.raises(IndexFileError, match="not 'mih'"):
        MultiIndexHashIndex.load(tmp_path / "idx")
    header_path = tmp_path / "idx" / "header.json"
    header = json.loads(header_path.read_text())
    header["format_version"] = 99
    header_path.write_text(json.dumps(header))
    with pytest.raises(IndexFileError, match="format version"):
        LinearScanIndex.load(tmp_path / "idx")
    header_path.write_text("{not json")
    with pytest.raises(IndexFileError):
        LinearScanIndex.load(tmp_path / "idx")
    with pytest.raises(IndexFileError, match="no index header"):
        LinearScanIndex.load(tmp_path / "missing")


@pytest.mark.slow
def test_ten_million_hashes_planted_recall_and_exactness() -> None:
    rng = np.random.default_rng(10)
    n = 10_000_000
    codes = random_codes(rng, n)
    fast = MultiIndexHashIndex()
    fast.build_codes(codes, np.arange(n))
    assert fast.chunks == 11
    reference = LinearScanIndex()
    reference.build_codes(codes, np.arange(n))
    for k in range(1, 32):
        target = int(rng.integers(n))
        query = flip_bits(rng, codes[target], k)
        ids, dists = fast.query_code(query, 31)
        assert target in ids.tolist() and int(dists[ids.tolist().index(target)]) == k
        if k % 8 == 0:
            want = reference.query_code(query, 31)
            assert sorted(zip(*[a.tolist() for a in want], strict=True)) == sorted(
                zip(ids.tolist(), dists.tolist(), strict=True)
            )
