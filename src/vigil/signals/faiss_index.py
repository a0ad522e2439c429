"""Hamming indexes backed by faiss-cpu (optional; the `image` extra).

- `FaissFlatIndex`: faiss.IndexBinaryFlat, an exact brute-force scan in C++.
  Fast to build (a copy), fast per query when queries come in batches.
- `FaissMultiHashIndex`: faiss.IndexBinaryMultiHash with 16 tables of 16 bits
  and nflip = floor(t/16): exact by the same pigeonhole argument as
  `MultiIndexHashIndex`, but it needs about 330 bytes per hash.

faiss's range_search radius is strict (distance < radius), so a threshold t
is passed as t + 1. Both persist like every Hamming index (codes + ids, no
faiss files) and rebuild on load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from vigil.signals.hamming import Dists, HammingIndex, Ids, _matches, codes_from_hex

if TYPE_CHECKING:
    from vigil.signals.base import Match

__all__ = ["FaissFlatIndex", "FaissMultiHashIndex"]


def _faiss() -> Any:
    import faiss

    return faiss


class _FaissIndex(HammingIndex):
    _index: Any = None

    def _make(self) -> Any:
        raise NotImplementedError

    def _rebuild(self) -> None:
        index = self._make()
        if len(self._codes):
            index.add(self._codes)
        self._index = index

    def _added(self, count: int) -> None:
        if self._index is None:
            self._rebuild()
        else:
            self._index.add(self._codes[len(self._codes) - count :])

    def _prepare(self, threshold: int) -> None:
        if self._index is None:
            self._rebuild()

    def _query_code(self, code: npt.NDArray[np.uint8], threshold: int) -> tuple[Ids, Dists]:
        self._prepare(threshold)
        lims, dists, rows = self._index.range_search(code.reshape(1, -1), threshold + 1)
        return self._ids[rows[lims[0] : lims[1]]], dists[lims[0] : lims[1]].astype(np.int64)

    def query_many(self, signals: Sequence[str], threshold: int) -> list[list[Match]]:
        """One faiss call for the whole batch (its threads share the scan)."""
        self._check_threshold(threshold)
        if not signals:
            return []
        self._prepare(threshold)
        codes = codes_from_hex(signals, self.nbits)
        lims, dists, rows = self._index.range_search(codes, threshold + 1)
        out = []
        for i in range(len(signals)):
            sl = slice(lims[i], lims[i + 1])
            out.append(_matches(self._ids[rows[sl]], dists[sl].astype(np.int64)))
        return out


class FaissFlatIndex(_FaissIndex):
    """Exact brute force in faiss (IndexBinaryFlat)."""

    kind: ClassVar[str] = "faiss_flat"

    def _make(self) -> Any:
        return _faiss().IndexBinaryFlat(self.nbits)


class FaissMultiHashIndex(_FaissIndex):
    """faiss IndexBinaryMultiHash(nbits, nbits/16 tables, 16 bits), exact via nflip."""

    kind: ClassVar[str] = "faiss_multihash"
    bits_per_table: ClassVar[int] = 16

    def _make(self) -> Any:
        tables = self.nbits // self.bits_per_table
        return _faiss().IndexBinaryMultiHash(self.nbits, tables, self.bits_per_table)

    def _prepare(self, threshold: int) -> None:
        super()._prepare(threshold)
        tables = self.nbits // self.bits_per_table
        self._index.nflip = threshold // tables
