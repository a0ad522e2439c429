"""In-memory metadata store: the fake the service tests run against."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace

from vigil.domain.errors import NotFoundError, UsageError
from vigil.domain.model import (
    GENESIS_HASH,
    Case,
    CustodyEntry,
    FindingRecord,
    HashSet,
    IndicatorRecord,
    Item,
    ItemWarning,
    Locator,
)
from vigil.store.interface import AnalysisKey, EntryFactory, HashHit

__all__ = ["InMemoryMetadataStore"]


class InMemoryMetadataStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._cases: dict[str, Case] = {}
        self._items: dict[str, Item] = {}
        self._warnings: list[ItemWarning] = []
        self._analyses: set[AnalysisKey] = set()
        self._findings: list[FindingRecord] = []
        self._custody: dict[str, list[CustodyEntry]] = {}
        self._hash_sets: dict[str, HashSet] = {}
        self._hashes: dict[str, set[tuple[str, str]]] = {}

    def close(self) -> None:
        """Nothing to release."""

    def _append(self, case_id: str, factory: EntryFactory) -> CustodyEntry:
        chain = self._custody.setdefault(case_id, [])
        prev = chain[-1].entry_hash if chain else GENESIS_HASH
        entry = factory(len(chain) + 1, prev)
        chain.append(entry)
        return entry

    def append_custody(self, case_id: str, custody: EntryFactory) -> CustodyEntry:
        with self._lock:
            return self._append(case_id, custody)

    def list_custody(self, case_id: str) -> list[CustodyEntry]:
        with self._lock:
            return list(self._custody.get(case_id, []))

    def custody_head(self, case_id: str) -> tuple[int, str] | None:
        with self._lock:
            chain = self._custody.get(case_id)
            return (chain[-1].seq, chain[-1].entry_hash) if chain else None

    def create_case(self, case: Case, custody: EntryFactory) -> None:
        with self._lock:
            if any(c.name == case.name for c in self._cases.values()):
                raise UsageError(f"a case named {case.name!r} already exists")
            self._cases[case.id] = case
            self._append(case.id, custody)

    def get_case(self, id_or_name: str) -> Case:
        with self._lock:
            for case in self._cases.values():
                if id_or_name in (case.id, case.name):
                    return case
        raise NotFoundError(f"no case {id_or_name!r}")

    def list_cases(self) -> list[Case]:
        with self._lock:
            return sorted(self._cases.values(), key=lambda c: c.created_at)

    def add_item(self, item: Item, custody: EntryFactory) -> None:
        self.add_items([(item, custody)])

    def add_items(self, items: Sequence[tuple[Item, EntryFactory]]) -> None:
        with self._lock:
            for item, _ in items:
                if item.case_id not in self._cases:
                    raise NotFoundError(f"no case {item.case_id!r}")
            for item, custody in items:
                self._items[item.id] = item
                self._append(item.case_id, custody)

    def find_item(
        self, case_id: str, parent_id: str | None, locator: Locator, sha256: str
    ) -> Item | None:
        with self._lock:
            for item in self._items.values():
                if (item.case_id, item.parent_id, item.locator, item.sha256) == (
                    case_id,
                    parent_id,
                    locator,
                    sha256,
                ):
                    return item
        return None

    def get_item(self, item_id: str) -> Item:
        with self._lock:
            if item_id not in self._items:
                raise NotFoundError(f"no item {item_id!r}")
            return self._items[item_id]

    def list_items(self, case_id: str) -> list[Item]:
        with self._lock:
            return [i for i in self._items.values() if i.case_id == case_id]

    def item_hashes(self, case_id: str) -> set[str]:
        with self._lock:
            return {i.sha256 for i in self._items.values() if i.case_id == case_id}

    def cases_with_sha256(self, sha256: str) -> list[str]:
        with self._lock:
            return sorted({i.case_id for i in self._items.values() if i.sha256 == sha256})

    def add_warning(self, warning: ItemWarning) -> None:
        with self._lock:
            key = (warning.case_id, warning.item_id, warning.code, warning.message, warning.path)
            if not any(
                (w.case_id, w.item_id, w.code, w.message, w.path) == key for w in self._warnings
            ):
                self._warnings.append(warning)

    def list_warnings(self, case_id: str) -> list[ItemWarning]:
        with self._lock:
            return [w for w in self._warnings if w.case_id == case_id]

    def analysis_done(self, key: AnalysisKey) -> bool:
        with self._lock:
            return key in self._analyses

    def record_analysis(
        self,
        key: AnalysisKey,
        run_id: str,
        records: Sequence[FindingRecord],
        custody: EntryFactory,
    ) -> None:
        with self._lock:
            if key in self._analyses:
                raise UsageError(f"analysis already recorded: {key}")
            self._analyses.add(key)
            self._findings.extend(records)
            self._append(self.get_item(key.item_id).case_id, custody)

    def list_findings(self, case_id: str) -> list[FindingRecord]:
        with self._lock:
            return [f for f in self._findings if f.case_id == case_id]

    def list_indicators(
        self, case_id: str | None = None, kind: str | None = None, value: str | None = None
    ) -> list[IndicatorRecord]:
        with self._lock:
            return [
                IndicatorRecord(
                    r.case_id, r.item_id, r.id, ind, r.finding.locator, r.provenance.detector
                )
                for r in self._findings
                for ind in r.finding.indicators
                if case_id in (None, r.case_id)
                and kind in (None, ind.kind)
                and value in (None, ind.value)
            ]

    def create_hash_set(self, hash_set: HashSet) -> None:
        with self._lock:
            self._hash_sets.setdefault(hash_set.name, hash_set)
            self._hashes.setdefault(hash_set.name, set())

    def add_hashes(self, set_name: str, rows: Iterable[tuple[str, str]]) -> int:
        with self._lock:
            if set_name not in self._hashes:
                raise NotFoundError(f"no hash set {set_name!r}")
            entries = self._hashes[set_name]
            before = len(entries)
            entries.update(rows)
            return len(entries) - before

    def list_hash_sets(self) -> list[HashSet]:
        with self._lock:
            return [
                replace(hs, count=len(self._hashes[name]))
                for name, hs in sorted(self._hash_sets.items())
            ]

    def set_hash_set_enabled(self, set_name: str, enabled: bool) -> None:
        with self._lock:
            if set_name not in self._hash_sets:
                raise NotFoundError(f"no hash set {set_name!r}")
            self._hash_sets[set_name] = replace(self._hash_sets[set_name], enabled=enabled)

    def lookup_hashes(self, *, sha256: str, md5: str, sha1: str) -> list[HashHit]:
        wanted = {("sha256", sha256), ("md5", md5), ("sha1", sha1)}
        with self._lock:
            return [
                HashHit(hs.name, hs.category.value, algorithm, hs.source)
                for name, hs in sorted(self._hash_sets.items())
                if hs.enabled
                for algorithm, value in sorted(self._hashes[name])
                if (algorithm, value) in wanted
            ]
