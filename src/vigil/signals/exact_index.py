"""The index of exact digests: sorted by their leading 64 bits, binary search.

It is its own reference index: there is nothing approximate to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt

from vigil.signals._persist import read_index, write_index
from vigil.signals.base import Index, IndexFileError, Match

__all__ = ["ExactIndex"]


class ExactIndex(Index):
    """Digests sorted by their leading 64 bits; lookups by binary search."""

    kind: ClassVar[str] = "exact"

    def __init__(self, signal_type: str, digest_size: int) -> None:
        if digest_size < 8:
            raise ValueError("digest_size must be at least 8 bytes")
        self.signal_type = signal_type
        self.digest_size = digest_size
        self._digests: npt.NDArray[np.uint8] = np.empty((0, digest_size), dtype=np.uint8)
        self._ids: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._keys: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._ids)

    def _parse(self, hashes: Sequence[str]) -> npt.NDArray[np.uint8]:
        width = 2 * self.digest_size
        for i, value in enumerate(hashes):
            if (
                not isinstance(value, str)
                or len(value) != width
                or not all(c in "0123456789abcdefABCDEF" for c in value)
            ):
                raise ValueError(f"hash #{i} is not {width} hex digits: {value!r}")
        raw = bytes.fromhex("".join(hashes))
        return np.frombuffer(raw, dtype=np.uint8).reshape(len(hashes), self.digest_size)

    def build(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        digests = self._parse(hashes)
        self._set(digests, np.asarray(ids, dtype=np.int64))

    def add(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        digests = self._parse(hashes)
        new_ids = np.asarray(ids, dtype=np.int64)
        self._set(np.concatenate([self._digests, digests]), np.concatenate([self._ids, new_ids]))

    def _set(self, digests: npt.NDArray[np.uint8], ids: npt.NDArray[np.int64]) -> None:
        if ids.ndim != 1 or len(ids) != len(digests):
            raise ValueError(f"got {len(digests)} hashes but {ids.size} ids")
        keys = np.ascontiguousarray(digests[:, :8]).view(">u8").astype(np.uint64).ravel()
        order = np.argsort(keys, kind="stable")
        self._digests = np.ascontiguousarray(digests[order])
        self._ids = ids[order]
        self._keys = keys[order]

    def query(self, signal: str, threshold: int) -> list[Match]:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ValueError(f"threshold must be a non-negative int, got {threshold!r}")
        digest = self._parse([signal])[0]
        key = np.uint64(int.from_bytes(digest[:8].tobytes(), "big"))
        lo = int(np.searchsorted(self._keys, key, side="left"))
        hi = int(np.searchsorted(self._keys, key, side="right"))
        hits = [
            int(self._ids[i]) for i in range(lo, hi) if np.array_equal(self._digests[i], digest)
        ]
        return [Match(i, 0) for i in sorted(hits)]

    def save(self, path: Path) -> None:
        write_index(
            Path(path),
            kind=self.kind,
            signal_type=self.signal_type,
            count=len(self),
            arrays={"digests": self._digests, "ids": self._ids},
            params={"digest_size": self.digest_size},
        )

    @classmethod
    def load(cls, path: Path) -> Self:
        saved = read_index(Path(path), kind=cls.kind, names=("digests", "ids"))
        size = saved.params.get("digest_size")
        digests, ids = saved.arrays["digests"], saved.arrays["ids"]
        if (
            not isinstance(size, int)
            or digests.dtype != np.uint8
            or digests.shape != (saved.count, size)
            or ids.dtype != np.int64
            or ids.shape != (saved.count,)
        ):
            raise IndexFileError(f"{path}: arrays do not fit the header")
        index = cls(saved.signal_type, size)
        index._set(digests.astype(np.uint8), ids.astype(np.int64))
        return index
