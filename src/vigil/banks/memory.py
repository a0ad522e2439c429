"""An in-memory `BankStore`, for tests and examples (no persistence)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from vigil.banks.model import Bank, BankEntry, Checkpoint, NegativeEntry, NewEntry
from vigil.domain.errors import NotFoundError, UsageError

__all__ = ["InMemoryBankStore"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InMemoryBankStore:
    """Dicts behind the `BankStore` protocol. Ids start at 1 and only grow."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._banks: dict[str, Bank] = {}
        self._entries: dict[int, BankEntry] = {}  # insertion order = id order
        self._keys: dict[str, dict[tuple[str, str], int]] = {}
        self._negatives: dict[str, dict[tuple[str, str], NegativeEntry]] = {}
        self._next_id = 1

    def _bank(self, name: str) -> Bank:
        try:
            return self._banks[name]
        except KeyError:
            raise NotFoundError(f"no bank named {name!r}") from None

    def create_bank(self, bank: Bank) -> None:
        if bank.name in self._banks:
            raise UsageError(f"a bank named {bank.name!r} already exists")
        self._banks[bank.name] = bank
        self._keys[bank.name] = {}
        self._negatives[bank.name] = {}

    def update_bank(self, bank: Bank) -> None:
        self._bank(bank.name)
        self._banks[bank.name] = bank

    def get_bank(self, name: str) -> Bank:
        return self._bank(name)

    def list_banks(self) -> list[Bank]:
        return [self._banks[n] for n in sorted(self._banks)]

    def delete_bank(self, name: str) -> None:
        self._bank(name)
        for entry_id in self._keys.pop(name).values():
            del self._entries[entry_id]
        del self._banks[name], self._negatives[name]

    def add_entries(self, bank: str, entries: Iterable[NewEntry]) -> int:
        self._bank(bank)
        keys = self._keys[bank]
        now = self._clock()
        added = 0
        for entry in entries:
            key = (entry.signal_type, entry.value)
            if key in keys:
                continue
            stored = BankEntry(
                self._next_id, bank, entry.signal_type, entry.value, dict(entry.metadata), now
            )
            self._entries[stored.id] = stored
            keys[key] = stored.id
            self._next_id += 1
            added += 1
        return added

    def iter_entries(
        self,
        *,
        banks: Collection[str] | None = None,
        signal_type: str | None = None,
        after_id: int = 0,
    ) -> Iterator[BankEntry]:
        wanted = None if banks is None else set(banks)
        for entry in list(self._entries.values()):
            if entry.id <= after_id:
                continue
            if wanted is not None and entry.bank not in wanted:
                continue
            if signal_type is not None and entry.signal_type != signal_type:
                continue
            yield entry

    def get_entries(self, ids: Collection[int]) -> list[BankEntry]:
        return [self._entries[i] for i in sorted(set(ids)) if i in self._entries]

    def checkpoint(self, signal_type: str, banks: Collection[str]) -> Checkpoint:
        count, last = 0, 0
        for name in set(banks):
            for (sig, _), entry_id in self._keys.get(name, {}).items():
                if sig == signal_type:
                    count += 1
                    last = max(last, entry_id)
        return Checkpoint(count, last)

    def add_negative(self, entry: NegativeEntry) -> None:
        self._bank(entry.bank)
        key = (entry.signal_type, entry.value)
        negatives = self._negatives[entry.bank]
        if key not in negatives:
            stamped = entry if entry.added_at else replace(entry, added_at=self._clock())
            negatives[key] = stamped

    def remove_negative(self, bank: str, signal_type: str, value: str) -> bool:
        self._bank(bank)
        return self._negatives[bank].pop((signal_type, value), None) is not None

    def list_negatives(self, bank: str | None = None) -> list[NegativeEntry]:
        names = sorted(self._negatives) if bank is None else [self._bank(bank).name]
        return [n for name in names for n in self._negatives[name].values()]
