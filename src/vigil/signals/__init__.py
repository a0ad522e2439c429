"""Signal types (hash plug-ins) and Hamming/exact indexes.

Public API (heavy modules import numpy, Pillow, pdqhash or av lazily):

- `vigil.signals.base`: `SignalType`, `Index`, `Match`, `SignalExample`,
  `UnhashableInput`, `IndexFileError`
- `vigil.signals.registry`: `load_signals`, `SignalRegistry` (entry points
  `vigil.signals`)
- `vigil.signals.pdq`: `PdqSignal`, `PdqHash`
- `vigil.signals.vpdq`: `VpdqSignal`, `VpdqIndex`, `vpdq_match`
- `vigil.signals.exact`: `Md5Signal`, `Sha256Signal`; `exact_index.ExactIndex`
- `vigil.signals.hamming`: `LinearScanIndex` (reference),
  `MultiIndexHashIndex` (fast, exact); `faiss_index`: faiss-backed variants
- `vigil.signals.grouping`: `group_near_duplicates`
- `load_index(path)`: open any saved index by the kind in its header
"""

from __future__ import annotations

from pathlib import Path

from vigil.signals.base import (
    Index,
    IndexFileError,
    Match,
    SignalExample,
    SignalType,
    UnhashableInput,
)
from vigil.signals.registry import ENTRY_POINT_GROUP, SignalRegistry, load_signals

__all__ = [
    "ENTRY_POINT_GROUP",
    "Index",
    "IndexFileError",
    "Match",
    "SignalExample",
    "SignalRegistry",
    "SignalType",
    "UnhashableInput",
    "load_index",
    "load_signals",
]


def load_index(path: Path) -> Index:
    """Load a saved index of any built-in kind (the header names it)."""
    from vigil.signals._persist import read_header
    from vigil.signals.exact_index import ExactIndex
    from vigil.signals.hamming import LinearScanIndex, MultiIndexHashIndex
    from vigil.signals.vpdq import VpdqIndex

    kinds: dict[str, type[Index]] = {
        cls.kind: cls for cls in (LinearScanIndex, MultiIndexHashIndex, ExactIndex, VpdqIndex)
    }
    try:
        from vigil.signals.faiss_index import FaissFlatIndex, FaissMultiHashIndex

        kinds.update({FaissFlatIndex.kind: FaissFlatIndex})
        kinds.update({FaissMultiHashIndex.kind: FaissMultiHashIndex})
    except ImportError:  # pragma: no cover - faiss is optional
        pass
    kind = read_header(Path(path))["kind"]
    if not isinstance(kind, str) or kind not in kinds:
        raise IndexFileError(f"{path}: unknown index kind {kind!r}")
    return kinds[kind].load(Path(path))
