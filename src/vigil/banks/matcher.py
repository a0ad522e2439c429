"""Matching hashes against the enabled banks, one index per signal type.

`BankMatcher.refresh()` brings each signal type's index up to date with the
store, cheaply: it compares the store's checkpoint (entry count, last id)
over the enabled banks with the one the index was built from, and

- does nothing when both are unchanged,
- adds only the new entries when ids were merely appended,
- rebuilds otherwise (a bank enabled or disabled, entries deleted).

With a `cache_dir`, each index is also saved (arrays plus checked header,
never pickle) with its checkpoint, so a new process skips the build.

A query runs at the largest threshold any enabled bank allows for that
signal type; each hit is then held to its own bank's threshold (a bank's
override, or the signal's default) and dropped when the query hash or the
matched bank hash is on that bank's negative list (within
`negative_distance` of a negative hash, for the query; exactly, for the
bank hash). Matches report the raw distance and the threshold used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vigil.banks.model import Bank, BankCategory, BankEntry, Checkpoint, Confidence
from vigil.banks.store import BankStore
from vigil.domain.errors import NotFoundError, UsageError
from vigil.signals.base import Index, IndexFileError, Match, SignalType

__all__ = ["BankMatch", "BankMatcher", "RefreshResult"]

log = logging.getLogger(__name__)
_BATCH = 100_000


@dataclass(frozen=True, slots=True)
class BankMatch:
    """One bank entry matched by a query hash."""

    entry_id: int
    bank: str
    category: BankCategory
    confidence: Confidence
    signal_type: str
    value: str
    """The bank's hash that matched."""
    distance: int
    threshold: int
    """The distance threshold applied (the bank's override or the default)."""
    score: float
    """1 - distance / max_distance."""
    score_threshold: float
    """1 - threshold / max_distance."""


@dataclass(frozen=True, slots=True)
class RefreshResult:
    signal_type: str
    action: str
    """unchanged, appended, built, loaded (from the cache) or empty."""
    count: int


@dataclass(slots=True)
class _State:
    banks: tuple[str, ...]
    checkpoint: Checkpoint
    index: Index


class BankMatcher:
    """Matches hashes against the enabled banks of a `BankStore`.

    `signals` maps signal names to their types (e.g. `load_signals().available`).
    `fast=False` uses each signal's linear-scan reference index.
    """

    def __init__(
        self,
        store: BankStore,
        signals: Mapping[str, SignalType],
        *,
        fast: bool = True,
        negative_distance: int = 0,
        cache_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.signals = dict(signals)
        self.fast = fast
        self.negative_distance = negative_distance
        self.cache_dir = cache_dir
        self._states: dict[str, _State] = {}
        self._banks: dict[str, Bank] = {}
        self._negatives: dict[tuple[str, str], set[str]] = {}  # (bank, signal) -> values
        self._refreshed = False

    # -- keeping up with the store ---------------------------------------------
    def refresh(self, signal_types: Sequence[str] | None = None) -> list[RefreshResult]:
        """Bring indexes up to date with the store (see the module docstring)."""
        self._banks = {b.name: b for b in self.store.list_banks()}
        self._negatives = {}
        for negative in self.store.list_negatives():
            signal = self.signals.get(negative.signal_type)
            if signal is None:
                continue
            try:
                value = signal.validate(negative.value)
            except ValueError:
                log.warning("bank %s: ignoring a malformed negative hash", negative.bank)
                continue
            self._negatives.setdefault((negative.bank, signal.name), set()).add(value)
        enabled = tuple(sorted(n for n, b in self._banks.items() if b.enabled))
        results = []
        for name in signal_types or sorted(self.signals):
            results.append(self._refresh_signal(name, enabled))
        self._refreshed = True
        return results

    def _new_index(self, signal: SignalType) -> Index:
        return signal.new_index() if self.fast else signal.reference_index()

    def _refresh_signal(self, name: str, enabled: tuple[str, ...]) -> RefreshResult:
        signal = self._signal(name)
        checkpoint = self.store.checkpoint(name, enabled)
        state = self._states.get(name)
        if state is None:
            state = self._load_cached(name, enabled, checkpoint)
            if state is not None:
                self._states[name] = state
                return RefreshResult(name, "loaded", checkpoint.count)
        if state is not None and state.banks == enabled and state.checkpoint == checkpoint:
            return RefreshResult(name, "unchanged", checkpoint.count)
        if state is not None and state.banks == enabled:
            fresh = list(
                self.store.iter_entries(
                    banks=enabled, signal_type=name, after_id=state.checkpoint.last_id
                )
            )
            if state.checkpoint.count + len(fresh) == checkpoint.count:
                for start in range(0, len(fresh), _BATCH):
                    batch = fresh[start : start + _BATCH]
                    state.index.add([e.value for e in batch], [e.id for e in batch])
                state.checkpoint = checkpoint
                self._save_cached(name, state)
                return RefreshResult(name, "appended", checkpoint.count)
        index = self._new_index(signal)
        index.build_from(self._batches(enabled, name))
        state = _State(enabled, checkpoint, index)
        self._states[name] = state
        self._save_cached(name, state)
        action = "built" if checkpoint.count else "empty"
        log.info("bank index for %s: %s, %d entries", name, action, checkpoint.count)
        return RefreshResult(name, action, checkpoint.count)

    def _batches(
        self, banks: tuple[str, ...], signal_type: str
    ) -> Iterator[tuple[list[str], list[int]]]:
        hashes: list[str] = []
        ids: list[int] = []
        for entry in self.store.iter_entries(banks=banks, signal_type=signal_type):
            hashes.append(entry.value)
            ids.append(entry.id)
            if len(ids) >= _BATCH:
                yield hashes, ids
                hashes, ids = [], []
        if ids:
            yield hashes, ids

    # -- the on-disk cache --------------------------------------------------------
    def _cache_paths(self, name: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        base = Path(self.cache_dir) / name
        return base / "index", base / "state.json"

    def _save_cached(self, name: str, state: _State) -> None:
        paths = self._cache_paths(name)
        if paths is None:
            return
        index_dir, state_file = paths
        state.index.save(index_dir)
        record = {
            "banks": list(state.banks),
            "count": state.checkpoint.count,
            "last_id": state.checkpoint.last_id,
            "kind": state.index.kind,
            "header_sha256": hashlib.sha256((index_dir / "header.json").read_bytes()).hexdigest(),
        }
        staging = state_file.with_suffix(".tmp")
        staging.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(staging, state_file)

    def _load_cached(
        self, name: str, enabled: tuple[str, ...], checkpoint: Checkpoint
    ) -> _State | None:
        from vigil.signals import load_index

        paths = self._cache_paths(name)
        if paths is None or not paths[1].is_file():
            return None
        index_dir, state_file = paths
        try:
            record = json.loads(state_file.read_text(encoding="utf-8"))
            header = (index_dir / "header.json").read_bytes()
            if (
                record.get("banks") != list(enabled)
                or record.get("count") != checkpoint.count
                or record.get("last_id") != checkpoint.last_id
                or record.get("header_sha256") != hashlib.sha256(header).hexdigest()
            ):
                return None
            index = load_index(index_dir)
        except (OSError, ValueError, IndexFileError) as exc:
            log.warning("ignoring the cached %s index: %s", name, exc)
            return None
        if index.signal_type != name or record.get("kind") != index.kind:
            return None
        return _State(enabled, checkpoint, index)

    # -- matching -------------------------------------------------------------------
    def _signal(self, name: str) -> SignalType:
        try:
            return self.signals[name]
        except KeyError:
            raise NotFoundError(f"no signal type named {name!r}") from None

    def threshold_for(self, bank: Bank, signal: SignalType) -> int:
        threshold = bank.thresholds.get(signal.name, signal.match_threshold)
        try:
            return signal.check_threshold(threshold)
        except ValueError as exc:
            raise UsageError(f"bank {bank.name}: {exc}") from exc

    def match(self, signal_type: str, value: str) -> list[BankMatch]:
        """Bank entries matching one hash, by (distance, bank, entry id)."""
        return self.match_many(signal_type, [value])[0]

    def match_many(self, signal_type: str, values: Sequence[str]) -> list[list[BankMatch]]:
        signal = self._signal(signal_type)
        if not self._refreshed:
            self.refresh()
        state = self._states.get(signal_type)
        if state is None:
            self.refresh([signal_type])
            state = self._states[signal_type]
        canonical = [signal.validate(v) for v in values]
        banks = [self._banks[n] for n in state.banks if n in self._banks]
        if not banks or len(state.index) == 0:
            return [[] for _ in canonical]
        ceiling = max(self.threshold_for(b, signal) for b in banks)
        raw = state.index.query_many(canonical, ceiling)
        wanted = {m.id for hits in raw for m in hits}
        entries = {e.id: e for e in self.store.get_entries(wanted)} if wanted else {}
        return [
            self._keep(signal, value, hits, entries)
            for value, hits in zip(canonical, raw, strict=True)
        ]

    def _keep(
        self,
        signal: SignalType,
        value: str,
        hits: Sequence[Match],
        entries: Mapping[int, BankEntry],
    ) -> list[BankMatch]:
        out: list[BankMatch] = []
        for hit in hits:
            entry = entries.get(hit.id)
            bank = self._banks.get(entry.bank) if entry is not None else None
            if entry is None or bank is None or not bank.enabled:
                continue  # deleted or disabled since the last refresh
            threshold = self.threshold_for(bank, signal)
            if hit.distance > threshold or self._negative(bank.name, signal, value, entry):
                continue
            out.append(
                BankMatch(
                    entry_id=entry.id,
                    bank=bank.name,
                    category=bank.category,
                    confidence=bank.confidence,
                    signal_type=signal.name,
                    value=entry.value,
                    distance=hit.distance,
                    threshold=threshold,
                    score=signal.score(hit.distance),
                    score_threshold=signal.score_threshold(threshold),
                )
            )
        return sorted(out, key=lambda m: (m.distance, m.bank, m.entry_id))

    def _negative(self, bank: str, signal: SignalType, value: str, entry: BankEntry) -> bool:
        negatives = self._negatives.get((bank, signal.name))
        if not negatives:
            return False
        if value in negatives or entry.value in negatives:
            return True
        if self.negative_distance <= 0:
            return False
        return any(signal.distance(value, n) <= self.negative_distance for n in negatives)
