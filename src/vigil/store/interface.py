"""The narrow metadata-store interface the services depend on.

Two implementations: `SqlMetadataStore` (SQLite file or any SQLAlchemy URL)
and `InMemoryMetadataStore` (a fake for tests). Custody entries are appended
inside the same transaction as the change they record; the store hands the
caller the next sequence number and previous hash and stores the entry the
caller builds, so hashing stays in `vigil.custody`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vigil.domain.model import (
    Case,
    CustodyEntry,
    FindingRecord,
    HashSet,
    IndicatorRecord,
    Item,
    ItemWarning,
    Locator,
)

__all__ = ["AnalysisKey", "EntryFactory", "HashHit", "MetadataStore"]

EntryFactory = Callable[[int, str], CustodyEntry]
"""Given (next sequence number, previous entry hash), build the entry."""


@dataclass(frozen=True, slots=True)
class AnalysisKey:
    """An item x detector x version x options combination; done once.

    `options_digest` also folds in the reference data the detector consults
    (banks, hash sets, enrolled voices), so new reference data re-runs it."""

    item_id: str
    detector: str
    detector_version: str
    options_digest: str


@dataclass(frozen=True, slots=True)
class HashHit:
    set_name: str
    category: str
    algorithm: str
    source: str


class MetadataStore(Protocol):
    # cases
    def create_case(self, case: Case, custody: EntryFactory) -> None: ...
    def get_case(self, id_or_name: str) -> Case: ...
    def list_cases(self) -> list[Case]: ...

    # items
    def add_item(self, item: Item, custody: EntryFactory) -> None: ...
    def add_items(self, items: Sequence[tuple[Item, EntryFactory]]) -> None:
        """Several items and their custody entries in one transaction (in order)."""
        ...

    def find_item(
        self, case_id: str, parent_id: str | None, locator: Locator, sha256: str
    ) -> Item | None: ...
    def get_item(self, item_id: str) -> Item: ...
    def list_items(self, case_id: str) -> list[Item]: ...
    def item_hashes(self, case_id: str) -> set[str]:
        """SHA-256 of every item in the case (a cheap pre-check before find_item)."""
        ...

    def cases_with_sha256(self, sha256: str) -> list[str]:
        """Ids of the cases holding an item with these bytes."""
        ...

    # warnings
    def add_warning(self, warning: ItemWarning) -> None: ...
    def list_warnings(self, case_id: str) -> list[ItemWarning]: ...

    # analyses and findings
    def analysis_done(self, key: AnalysisKey) -> bool: ...
    def record_analysis(
        self,
        key: AnalysisKey,
        run_id: str,
        records: Sequence[FindingRecord],
        custody: EntryFactory,
    ) -> None:
        """Store the findings (and artefact references) of one item x
        detector, mark it done and log it to custody, atomically."""
        ...

    def list_findings(self, case_id: str) -> list[FindingRecord]: ...
    def list_indicators(
        self, case_id: str | None = None, kind: str | None = None, value: str | None = None
    ) -> list[IndicatorRecord]:
        """Indicators of one case, or across cases by kind and value."""
        ...

    # custody
    def append_custody(self, case_id: str, custody: EntryFactory) -> CustodyEntry: ...
    def list_custody(self, case_id: str) -> list[CustodyEntry]: ...
    def custody_head(self, case_id: str) -> tuple[int, str] | None: ...

    # exact hash sets
    def create_hash_set(self, hash_set: HashSet) -> None: ...
    def add_hashes(self, set_name: str, rows: Iterable[tuple[str, str]]) -> int: ...
    def list_hash_sets(self) -> list[HashSet]: ...
    def set_hash_set_enabled(self, set_name: str, enabled: bool) -> None: ...
    def lookup_hashes(self, *, sha256: str, md5: str, sha1: str) -> list[HashHit]: ...

    def close(self) -> None: ...
