"""Within-case near-duplicate grouping."""

from __future__ import annotations

import numpy as np
import pytest

from tests.signals.helpers import flip_bits, random_codes, to_hex
from vigil.signals.grouping import group_near_duplicates


def test_near_duplicates_form_groups_and_others_stay_alone() -> None:
    rng = np.random.default_rng(1)
    a, b, c = random_codes(rng, 3)
    hashes = {
        "a": to_hex(a[None])[0],
        "x": to_hex(random_codes(rng, 1))[0],
        "a-jpeg": to_hex(flip_bits(rng, a, 12)[None])[0],
        "b": to_hex(b[None])[0],
        "a-crop": to_hex(flip_bits(rng, a, 31)[None])[0],
        "b-far": to_hex(flip_bits(rng, b, 32)[None])[0],
        "c": to_hex(c[None])[0],
        "c-copy": to_hex(c[None])[0],
    }
    groups = group_near_duplicates(hashes)
    assert groups == [["a", "a-jpeg", "a-crop"], ["x"], ["b"], ["b-far"], ["c", "c-copy"]]
    assert group_near_duplicates(hashes, linear=True) == groups
    assert group_near_duplicates(hashes, threshold=32)[2] == ["b", "b-far"]
    assert sorted(k for g in groups for k in g) == sorted(hashes)


def test_grouping_is_transitive() -> None:
    rng = np.random.default_rng(2)
    start = random_codes(rng, 1)[0]
    chain = [start]
    for _ in range(4):  # each step 20 bits from the last: ends > 31 from the start
        chain.append(flip_bits(rng, chain[-1], 20))
    hexes = to_hex(np.asarray(chain))
    assert (int(hexes[0], 16) ^ int(hexes[-1], 16)).bit_count() > 31
    groups = group_near_duplicates({i: h for i, h in enumerate(hexes)})
    assert groups == [[0, 1, 2, 3, 4]]


def test_matches_the_reference_on_a_larger_case() -> None:
    rng = np.random.default_rng(3)
    base = random_codes(rng, 3000)
    copies = [flip_bits(rng, base[i], int(rng.integers(0, 32))) for i in range(0, 3000, 7)]
    hexes = to_hex(np.concatenate([base, np.asarray(copies)]))
    items = {f"item{i}": h for i, h in enumerate(hexes)}
    fast = group_near_duplicates(items)
    assert fast == group_near_duplicates(items, linear=True)
    assert sum(1 for g in fast if len(g) > 1) >= len(copies)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="item 'q'"):
        group_near_duplicates({"q": "xyz"})
    with pytest.raises(ValueError):
        group_near_duplicates({"q": "0" * 64}, threshold=300)
    assert group_near_duplicates({}) == []
