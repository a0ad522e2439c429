"""One behaviour suite for every MetadataStore: in-memory fake, SQLite, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigil.custody import make_entry, verify_chain
from vigil.domain.errors import NotFoundError, UsageError
from vigil.domain.model import (
    Case,
    Finding,
    FindingRecord,
    HashSet,
    HashSetCategory,
    Indicator,
    Item,
    ItemWarning,
    Locator,
    Provenance,
)
from vigil.store import AnalysisKey, InMemoryMetadataStore, MetadataStore, SqlMetadataStore

PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def _postgres_url() -> Iterator[str]:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    admin = sqlalchemy.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = f"vigil_test_{uuid.uuid4().hex[:12]}"
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sqlalchemy.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable: {exc.orig}")
    yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    if request.param == "memory":
        yield InMemoryMetadataStore()
        return
    if request.param == "sqlite":
        sql = SqlMetadataStore(f"sqlite:///{tmp_path / 'meta.db'}")
        yield sql
        sql.close()
        return
    urls = _postgres_url()
    sql = SqlMetadataStore(next(urls))
    yield sql
    sql.close()
    next(urls, None)


NOW = datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=UTC)


def _case(store: MetadataStore, name: str = "case-1") -> Case:
    case = Case(id=str(uuid.uuid4()), name=name, created_at=NOW)
    store.create_case(
        case,
        make_entry(
            case_id=case.id, actor="t", action="case.created", object_sha256="", clock=lambda: NOW
        ),
    )
    return case


def _item(case: Case, sha: str, parent: Item | None = None, member: str = "") -> Item:
    locator = Locator().child("path", "/evidence/x")
    if member:
        locator = locator.child("archive_member", member)
    return Item(
        id=str(uuid.uuid4()),
        case_id=case.id,
        sha256=sha,
        md5="0" * 32,
        sha1="0" * 40,
        size=3,
        media_type="text/plain",
        name="x",
        source="test",
        acquired_at=NOW,
        parent_id=parent.id if parent else None,
        locator=locator,
    )


def _add(store: MetadataStore, item: Item) -> None:
    store.add_item(
        item,
        make_entry(
            case_id=item.case_id,
            actor="t",
            action="item.added",
            object_sha256=item.sha256,
            details={"item_id": item.id},
        ),
    )


def test_cases_are_created_found_and_unique(store: MetadataStore) -> None:
    case = _case(store)
    assert store.get_case("case-1") == case
    assert store.get_case(case.id).created_at == NOW
    assert [c.name for c in store.list_cases()] == ["case-1"]
    with pytest.raises(UsageError):
        _case(store)
    with pytest.raises(NotFoundError):
        store.get_case("nope")


def test_items_keep_parent_and_locator(store: MetadataStore) -> None:
    case = _case(store)
    parent = _item(case, "a" * 64)
    child = _item(case, "b" * 64, parent, member="dir/inner.txt")
    _add(store, parent)
    _add(store, child)
    assert [i.id for i in store.list_items(case.id)] == [parent.id, child.id]
    found = store.find_item(case.id, parent.id, child.locator, "b" * 64)
    assert found == child
    assert str(found.locator) == "path=/evidence/x > archive_member=dir/inner.txt"
    assert store.find_item(case.id, None, child.locator, "b" * 64) is None
    assert store.get_item(child.id).parent_id == parent.id


def test_custody_chain_is_appended_in_order_and_verifies(store: MetadataStore) -> None:
    case = _case(store)
    for n in range(5):
        _add(store, _item(case, f"{n:064x}"))
    entries = store.list_custody(case.id)
    assert [e.seq for e in entries] == list(range(1, 7))
    assert entries[0].at == NOW
    assert verify_chain(entries, store.custody_head(case.id)) == []


def test_analysis_is_recorded_once_with_findings_and_indicators(store: MetadataStore) -> None:
    case = _case(store)
    item = _item(case, "c" * 64)
    _add(store, item)
    key = AnalysisKey(item.id, "det", "1.0.0", "d" * 64)
    assert not store.analysis_done(key)
    finding = Finding.scored(
        "text.indicator",
        1.0,
        0.5,
        "found a wallet",
        indicators=(Indicator("btc", "bc1qexample", "bc1qexample"),),
        details={"kind": "btc"},
    )
    record = FindingRecord(
        id=str(uuid.uuid4()),
        case_id=case.id,
        item_id=item.id,
        finding=finding,
        provenance=Provenance(
            "det", "1.0.0", None, "d" * 64, "0.1.0", item.sha256, "run-1", NOW, NOW
        ),
    )
    store.record_analysis(
        key,
        "run-1",
        [record],
        make_entry(case_id=case.id, actor="t", action="detector.run", object_sha256=item.sha256),
    )
    assert store.analysis_done(key)
    [stored] = store.list_findings(case.id)
    assert stored.finding == finding
    assert stored.provenance == record.provenance
    [indicator] = store.list_indicators(kind="btc", value="bc1qexample")
    assert (indicator.case_id, indicator.item_id, indicator.detector) == (case.id, item.id, "det")


def test_warnings_are_stored(store: MetadataStore) -> None:
    case = _case(store)
    warning = ItemWarning(case.id, "zip_bomb", "too big", NOW, path="/x.zip")
    store.add_warning(warning)
    assert store.list_warnings(case.id) == [warning]


def test_hash_sets_match_by_any_algorithm_and_can_be_disabled(store: MetadataStore) -> None:
    store.create_hash_set(HashSet("bad", HashSetCategory.KNOWN_BAD, "unit", True, NOW))
    added = store.add_hashes("bad", [("md5", "1" * 32), ("sha256", "2" * 64), ("md5", "1" * 32)])
    assert added == 2
    assert store.add_hashes("bad", [("md5", "1" * 32)]) == 0
    hits = store.lookup_hashes(sha256="9" * 64, md5="1" * 32, sha1="3" * 40)
    assert [(h.set_name, h.algorithm, h.category) for h in hits] == [("bad", "md5", "known_bad")]
    assert store.list_hash_sets()[0].count == 2
    store.set_hash_set_enabled("bad", False)
    assert store.lookup_hashes(sha256="2" * 64, md5="", sha1="") == []
    with pytest.raises(NotFoundError):
        store.set_hash_set_enabled("nope", True)


def test_a_repeated_warning_is_stored_once(store: MetadataStore) -> None:
    case = _case(store)
    first = ItemWarning(case.id, "symlink_not_followed", "x is a link", NOW, path="/x")
    later = ItemWarning(
        case.id, "symlink_not_followed", "x is a link", NOW.replace(hour=13), path="/x"
    )
    store.add_warning(first)
    store.add_warning(later)
    assert store.list_warnings(case.id) == [first]
