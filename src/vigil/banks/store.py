"""The `BankStore` protocol: what bank persistence must offer, and no more.

Implementations: `memory.InMemoryBankStore` (tests, examples); the SQL store
builds on the same protocol. Names are unique; entry ids are integers unique
across banks that only grow (so an index build can be extended from the
last id it saw). Unknown banks raise NotFoundError, duplicate names
UsageError.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Protocol

from vigil.banks.model import Bank, BankEntry, Checkpoint, NegativeEntry, NewEntry

__all__ = ["BankStore"]


class BankStore(Protocol):
    def create_bank(self, bank: Bank) -> None:
        """Add a bank; UsageError if the name is taken."""
        ...

    def update_bank(self, bank: Bank) -> None:
        """Replace the settings of the bank with this name (enable, thresholds...)."""
        ...

    def get_bank(self, name: str) -> Bank: ...

    def list_banks(self) -> list[Bank]:
        """All banks, by name."""
        ...

    def delete_bank(self, name: str) -> None:
        """Remove a bank with its entries and negative list."""
        ...

    def add_entries(self, bank: str, entries: Iterable[NewEntry]) -> int:
        """Store entries not already in the bank (same signal type and value);
        return how many were added."""
        ...

    def iter_entries(
        self,
        *,
        banks: Collection[str] | None = None,
        signal_type: str | None = None,
        after_id: int = 0,
    ) -> Iterator[BankEntry]:
        """Entries with id > after_id, ascending by id, optionally filtered."""
        ...

    def get_entries(self, ids: Collection[int]) -> list[BankEntry]:
        """The entries with these ids that still exist, ascending by id."""
        ...

    def checkpoint(self, signal_type: str, banks: Collection[str]) -> Checkpoint:
        """Count and highest id of the entries of this signal type in these banks."""
        ...

    def add_negative(self, entry: NegativeEntry) -> None:
        """Put a hash on a bank's negative list (no-op if already there)."""
        ...

    def remove_negative(self, bank: str, signal_type: str, value: str) -> bool:
        """Take a hash off a bank's negative list; False if it was not there."""
        ...

    def list_negatives(self, bank: str | None = None) -> list[NegativeEntry]: ...
