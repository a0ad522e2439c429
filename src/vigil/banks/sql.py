"""`BankStore` on the metadata database (SQLite or PostgreSQL), sharing the
metadata store's engine so banks live beside the cases they are used in."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from vigil.banks.model import (
    Bank,
    BankCategory,
    BankEntry,
    Checkpoint,
    Confidence,
    NegativeEntry,
    NewEntry,
)
from vigil.domain.errors import NotFoundError, UsageError
from vigil.store.schema import BankEntryRow, BankNegativeRow, BankRow
from vigil.store.sql import SqlMetadataStore, utc

__all__ = ["SqlBankStore"]

_BATCH = 5000
_PAGE = 50_000


class SqlBankStore:
    def __init__(
        self, metadata: SqlMetadataStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = metadata
        self._clock = clock

    def _row(self, session: Session, name: str) -> BankRow:
        row = session.get(BankRow, name)
        if row is None:
            raise NotFoundError(f"no bank named {name!r}")
        return row

    def create_bank(self, bank: Bank) -> None:
        with self._db.transaction() as session:
            if session.get(BankRow, bank.name) is not None:
                raise UsageError(f"a bank named {bank.name!r} already exists")
            session.add(BankRow(**_bank_values(bank)))

    def update_bank(self, bank: Bank) -> None:
        with self._db.transaction() as session:
            row = self._row(session, bank.name)
            for key, value in _bank_values(bank).items():
                setattr(row, key, value)

    def get_bank(self, name: str) -> Bank:
        with self._db.transaction(read_only=True) as session:
            return _bank(self._row(session, name))

    def list_banks(self) -> list[Bank]:
        with self._db.transaction(read_only=True) as session:
            return [_bank(r) for r in session.scalars(select(BankRow).order_by(BankRow.name))]

    def delete_bank(self, name: str) -> None:
        with self._db.transaction() as session:
            row = self._row(session, name)
            session.execute(delete(BankEntryRow).where(BankEntryRow.bank == name))
            session.execute(delete(BankNegativeRow).where(BankNegativeRow.bank == name))
            session.delete(row)

    def add_entries(self, bank: str, entries: Iterable[NewEntry]) -> int:
        with self._db.transaction(read_only=True) as session:
            self._row(session, bank)
        added, batch = 0, []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= _BATCH:
                added += self._insert(bank, batch)
                batch = []
        return added + (self._insert(bank, batch) if batch else 0)

    def _insert(self, bank: str, batch: list[NewEntry]) -> int:
        now = self._clock()
        with self._db.transaction() as session:
            existing = set(
                session.execute(
                    select(BankEntryRow.signal_type, BankEntryRow.value).where(
                        BankEntryRow.bank == bank,
                        BankEntryRow.value.in_({e.value for e in batch}),
                    )
                ).all()
            )
            fresh: dict[tuple[str, str], NewEntry] = {}
            for entry in batch:
                key = (entry.signal_type, entry.value)
                if key not in existing and key not in fresh:
                    fresh[key] = entry
            if fresh:
                session.execute(
                    insert(BankEntryRow),
                    [
                        {
                            "bank": bank,
                            "signal_type": e.signal_type,
                            "value": e.value,
                            "entry_metadata": dict(e.metadata),
                            "added_at": now,
                        }
                        for e in fresh.values()
                    ],
                )
            return len(fresh)

    def iter_entries(
        self,
        *,
        banks: Collection[str] | None = None,
        signal_type: str | None = None,
        after_id: int = 0,
    ) -> Iterator[BankEntry]:
        """Pages by id so a 10M-entry bank streams in bounded memory."""
        last = after_id
        while True:
            query = select(BankEntryRow).where(BankEntryRow.id > last)
            if banks is not None:
                query = query.where(BankEntryRow.bank.in_(list(banks)))
            if signal_type is not None:
                query = query.where(BankEntryRow.signal_type == signal_type)
            with self._db.transaction(read_only=True) as session:
                page = [
                    _entry(r) for r in session.scalars(query.order_by(BankEntryRow.id).limit(_PAGE))
                ]
            yield from page
            if len(page) < _PAGE:
                return
            last = page[-1].id

    def get_entries(self, ids: Collection[int]) -> list[BankEntry]:
        with self._db.transaction(read_only=True) as session:
            rows = session.scalars(
                select(BankEntryRow).where(BankEntryRow.id.in_(set(ids))).order_by(BankEntryRow.id)
            )
            return [_entry(r) for r in rows]

    def checkpoint(self, signal_type: str, banks: Collection[str]) -> Checkpoint:
        with self._db.transaction(read_only=True) as session:
            count, last = session.execute(
                select(func.count(), func.max(BankEntryRow.id)).where(
                    BankEntryRow.signal_type == signal_type,
                    BankEntryRow.bank.in_(list(set(banks))),
                )
            ).one()
            return Checkpoint(int(count or 0), int(last or 0))

    def add_negative(self, entry: NegativeEntry) -> None:
        with self._db.transaction() as session:
            self._row(session, entry.bank)
            key = (entry.bank, entry.signal_type, entry.value)
            if session.get(BankNegativeRow, key) is None:
                session.add(
                    BankNegativeRow(
                        bank=entry.bank,
                        signal_type=entry.signal_type,
                        value=entry.value,
                        reason=entry.reason,
                        added_at=entry.added_at or self._clock(),
                    )
                )

    def remove_negative(self, bank: str, signal_type: str, value: str) -> bool:
        with self._db.transaction() as session:
            self._row(session, bank)
            row = session.get(BankNegativeRow, (bank, signal_type, value))
            if row is None:
                return False
            session.delete(row)
            return True

    def list_negatives(self, bank: str | None = None) -> list[NegativeEntry]:
        with self._db.transaction(read_only=True) as session:
            query = select(BankNegativeRow).order_by(BankNegativeRow.bank, BankNegativeRow.added_at)
            if bank is not None:
                self._row(session, bank)
                query = query.where(BankNegativeRow.bank == bank)
            return [
                NegativeEntry(r.bank, r.signal_type, r.value, r.reason, utc(r.added_at))
                for r in session.scalars(query)
            ]


def _bank_values(bank: Bank) -> dict[str, object]:
    return {
        "name": bank.name,
        "category": bank.category.value,
        "source": bank.source,
        "confidence": bank.confidence.value,
        "added_at": bank.added_at,
        "enabled": bank.enabled,
        "description": bank.description,
        "thresholds": dict(bank.thresholds),
    }


def _bank(row: BankRow) -> Bank:
    return Bank(
        name=row.name,
        category=BankCategory(row.category),
        source=row.source,
        confidence=Confidence(row.confidence),
        added_at=utc(row.added_at),
        enabled=row.enabled,
        description=row.description,
        thresholds=dict(row.thresholds),
    )


def _entry(row: BankEntryRow) -> BankEntry:
    return BankEntry(
        row.id, row.bank, row.signal_type, row.value, dict(row.entry_metadata), utc(row.added_at)
    )
