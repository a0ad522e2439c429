"""Within-case near-duplicate grouping of PDQ hashes.

Items whose hashes are within the threshold are joined, transitively
(single linkage, by union-find over index range queries): if A~B and B~C,
A, B and C form one group even when A and C are further apart. Every item
lands in exactly one group, so an analyst can review one representative
(the first item of each group) and skip the rest.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from vigil.signals.pdq import validate_hex256

__all__ = ["group_near_duplicates"]

K = TypeVar("K", bound=Hashable)


def _find(parent: list[int], i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


def group_near_duplicates(
    hashes: Mapping[K, str], threshold: int = 31, *, linear: bool = False
) -> list[list[K]]:
    """Groups of item ids whose 256-bit hashes chain within `threshold` bits.

    Groups keep the input order of their items and are ordered by their first
    item; singletons are groups of one. `linear=True` uses the linear-scan
    reference index instead of multi-index hashing (same result).
    """
    from vigil.signals.hamming import HammingIndex, LinearScanIndex, MultiIndexHashIndex

    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 256:
        raise ValueError(f"threshold must be an int in 0..256, got {threshold!r}")
    keys = list(hashes)
    distinct: dict[str, int] = {}
    first_of: list[int] = []  # item position -> distinct-hash position
    for key in keys:
        try:
            value = validate_hex256(hashes[key])
        except ValueError as exc:
            raise ValueError(f"item {key!r}: {exc}") from exc
        first_of.append(distinct.setdefault(value, len(distinct)))
    values = list(distinct)
    parent = list(range(len(values)))
    index: HammingIndex = LinearScanIndex("pdq") if linear else MultiIndexHashIndex("pdq")
    index.build(values, list(range(len(values))))
    for i, value in enumerate(values):
        for match in index.query(value, threshold):
            a, b = _find(parent, i), _find(parent, match.id)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[K]] = {}
    for key, pos in zip(keys, first_of, strict=True):
        groups.setdefault(_find(parent, pos), []).append(key)
    return list(groups.values())
