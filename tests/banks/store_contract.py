"""Behaviour every `BankStore` must show. Subclass `BankStoreContract` and
provide a `store` fixture to run it against another implementation (SQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigil.banks import (
    Bank,
    BankCategory,
    BankStore,
    Checkpoint,
    Confidence,
    NegativeEntry,
    NewEntry,
)
from vigil.domain.errors import NotFoundError, UsageError

WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PDQ_A = "ab" * 32
PDQ_B = "cd" * 32
MD5_A = "0" * 31 + "1"


def make_bank(name: str, **changes: object) -> Bank:
    fields: dict[str, object] = {
        "name": name,
        "category": BankCategory.KNOWN_BAD,
        "source": "test",
        "confidence": Confidence.HIGH,
        "added_at": WHEN,
    }
    fields.update(changes)
    return Bank(**fields)  # type: ignore[arg-type]


class BankStoreContract:
    def test_banks_are_created_listed_updated_and_deleted(self, store: BankStore) -> None:
        store.create_bank(make_bank("zeta"))
        store.create_bank(make_bank("alpha", category=BankCategory.KNOWN_GOOD))
        assert [b.name for b in store.list_banks()] == ["alpha", "zeta"]
        with pytest.raises(UsageError):
            store.create_bank(make_bank("alpha"))
        store.update_bank(make_bank("alpha", enabled=False, thresholds={"pdq": 20}))
        updated = store.get_bank("alpha")
        assert updated.enabled is False and updated.thresholds == {"pdq": 20}
        store.add_entries("alpha", [NewEntry("pdq", PDQ_A)])
        store.add_negative(NegativeEntry("alpha", "pdq", PDQ_B, "benign"))
        store.delete_bank("alpha")
        with pytest.raises(NotFoundError):
            store.get_bank("alpha")
        assert list(store.iter_entries()) == []
        assert store.list_negatives() == []
        with pytest.raises(NotFoundError):
            store.update_bank(make_bank("ghost"))
        with pytest.raises(NotFoundError):
            store.add_entries("ghost", [])

    def test_entries_get_growing_ids_and_duplicates_are_skipped(self, store: BankStore) -> None:
        store.create_bank(make_bank("one"))
        store.create_bank(make_bank("two"))
        added = store.add_entries(
            "one",
            [NewEntry("pdq", PDQ_A, {"src": "x"}), NewEntry("pdq", PDQ_A), NewEntry("md5", MD5_A)],
        )
        assert added == 2
        assert store.add_entries("two", [NewEntry("pdq", PDQ_A)]) == 1  # other bank: kept
        entries = list(store.iter_entries())
        ids = [e.id for e in entries]
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert entries[0].metadata == {"src": "x"} and entries[0].bank == "one"
        assert [e.signal_type for e in store.iter_entries(signal_type="md5")] == ["md5"]
        assert [e.bank for e in store.iter_entries(banks=["two"])] == ["two"]
        assert [e.id for e in store.iter_entries(after_id=ids[0])] == ids[1:]
        assert [e.id for e in store.get_entries([ids[2], ids[0], 10**9])] == [ids[0], ids[2]]
        store.delete_bank("one")
        store.create_bank(make_bank("one"))
        store.add_entries("one", [NewEntry("pdq", PDQ_B)])
        assert max(e.id for e in store.iter_entries()) > ids[-1]  # ids are never reused

    def test_checkpoint_counts_and_last_id(self, store: BankStore) -> None:
        store.create_bank(make_bank("one"))
        store.create_bank(make_bank("two"))
        assert store.checkpoint("pdq", ["one", "two"]) == Checkpoint(0, 0)
        store.add_entries("one", [NewEntry("pdq", PDQ_A), NewEntry("md5", MD5_A)])
        store.add_entries("two", [NewEntry("pdq", PDQ_B)])
        last = max(e.id for e in store.iter_entries(signal_type="pdq"))
        assert store.checkpoint("pdq", ["one", "two"]) == Checkpoint(2, last)
        assert store.checkpoint("pdq", ["one"]).count == 1
        assert store.checkpoint("md5", ["two"]) == Checkpoint(0, 0)

    def test_negative_lists(self, store: BankStore) -> None:
        store.create_bank(make_bank("one"))
        store.add_negative(NegativeEntry("one", "pdq", PDQ_A, "a benign meme"))
        store.add_negative(NegativeEntry("one", "pdq", PDQ_A, "again"))
        negatives = store.list_negatives("one")
        assert [(n.value, n.reason) for n in negatives] == [(PDQ_A, "a benign meme")]
        assert negatives[0].added_at is not None
        assert store.remove_negative("one", "pdq", PDQ_A) is True
        assert store.remove_negative("one", "pdq", PDQ_A) is False
        with pytest.raises(NotFoundError):
            store.add_negative(NegativeEntry("ghost", "pdq", PDQ_A))


def test_bank_names_and_thresholds_are_checked() -> None:
    for bad in ("", "has space", "-lead", "x" * 65, "semi;colon"):
        with pytest.raises(UsageError):
            make_bank(bad)
    with pytest.raises(UsageError):
        make_bank("ok", thresholds={"pdq": -1})
    assert make_bank("ncmec.pdq-2026_v1").name == "ncmec.pdq-2026_v1"
