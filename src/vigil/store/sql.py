"""Metadata store on SQLAlchemy: a SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vigil.domain.errors import NotFoundError, StoreError, UsageError
from vigil.domain.model import (
    GENESIS_HASH,
    ArtefactRef,
    Case,
    CustodyEntry,
    Finding,
    FindingRecord,
    HashSet,
    HashSetCategory,
    Indicator,
    IndicatorRecord,
    Item,
    ItemWarning,
    Locator,
    Provenance,
    Status,
    Verdict,
)
from vigil.store.interface import AnalysisKey, EntryFactory, HashHit
from vigil.store.schema import (
    AnalysisRow,
    ArtefactRow,
    CaseRow,
    CustodyHeadRow,
    CustodyRow,
    FindingRow,
    HashSetEntryRow,
    HashSetRow,
    IndicatorRow,
    ItemRow,
    WarningRow,
)

__all__ = ["SqlMetadataStore", "locator_key", "utc"]

log = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).parent / "migrations"
_HASH_BATCH = 5000


def utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything Vigil stores is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def locator_key(locator: Locator) -> str:
    return json.dumps(locator.to_json(), sort_keys=True, separators=(",", ":"))


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # writers take the lock up front so custody appends never interleave;
            # readers need no lock in WAL mode
            reading = conn.get_execution_options().get("vigil_read_only", False)
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class SqlMetadataStore:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._engine = _make_engine(url)
            self._migrate()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {_redact(url)}: {exc}") from exc
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def _migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def _tx(self, read_only: bool = False) -> Iterator[Session]:
        session = self._sessions()
        try:
            with session.begin():
                if read_only:
                    session.connection(execution_options={"vigil_read_only": True})
                yield session
        except SqlIntegrityError as exc:
            raise StoreError(f"database constraint violated: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {exc}") from exc
        finally:
            session.close()

    def close(self) -> None:
        self._engine.dispose()

    def transaction(self, read_only: bool = False) -> AbstractContextManager[Session]:
        """A session in one transaction, for stores that share this database
        (the bank store); errors surface as StoreError."""
        return self._tx(read_only)

    # custody -----------------------------------------------------------
    def _head(self, session: Session, case_id: str) -> tuple[int, str]:
        """(last seq, last hash) of a chain, locked until the transaction ends."""
        head = session.execute(
            select(CustodyHeadRow.seq, CustodyHeadRow.head_hash)
            .where(CustodyHeadRow.case_id == case_id)
            .with_for_update()
        ).one_or_none()
        return (head[0], head[1]) if head else (0, GENESIS_HASH)

    def _set_head(self, session: Session, case_id: str, seq: int, head_hash: str) -> None:
        if seq == 1 or session.get(CustodyHeadRow, case_id) is None:
            session.add(CustodyHeadRow(case_id=case_id, seq=seq, head_hash=head_hash))
        else:
            session.execute(
                update(CustodyHeadRow)
                .where(CustodyHeadRow.case_id == case_id)
                .values(seq=seq, head_hash=head_hash)
            )

    def _append(self, session: Session, case_id: str, factory: EntryFactory) -> CustodyEntry:
        seq, prev = self._head(session, case_id)
        entry = factory(seq + 1, prev)
        session.execute(insert(CustodyRow), [_custody_values(entry)])
        self._set_head(session, case_id, entry.seq, entry.entry_hash)
        return entry

    def append_custody(self, case_id: str, custody: EntryFactory) -> CustodyEntry:
        with self._tx() as session:
            return self._append(session, case_id, custody)

    def list_custody(self, case_id: str) -> list[CustodyEntry]:
        with self._tx(read_only=True) as session:
            rows = session.scalars(
                select(CustodyRow).where(CustodyRow.case_id == case_id).order_by(CustodyRow.seq)
            )
            return [
                CustodyEntry(
                    case_id=r.case_id,
                    seq=r.seq,
                    at=utc(r.at),
                    actor=r.actor,
                    action=r.action,
                    object_sha256=r.object_sha256,
                    details=r.details,  # type: ignore[arg-type]
                    prev_hash=r.prev_hash,
                    entry_hash=r.entry_hash,
                )
                for r in rows
            ]

    def custody_head(self, case_id: str) -> tuple[int, str] | None:
        with self._tx(read_only=True) as session:
            head = session.get(CustodyHeadRow, case_id)
            return (head.seq, head.head_hash) if head else None

    # cases -------------------------------------------------------------
    def create_case(self, case: Case, custody: EntryFactory) -> None:
        with self._tx() as session:
            if session.scalar(select(CaseRow.id).where(CaseRow.name == case.name)):
                raise UsageError(f"a case named {case.name!r} already exists")
            session.add(
                CaseRow(
                    id=case.id,
                    name=case.name,
                    description=case.description,
                    created_at=case.created_at,
                )
            )
            session.flush()
            self._append(session, case.id, custody)

    def get_case(self, id_or_name: str) -> Case:
        with self._tx(read_only=True) as session:
            row = session.scalar(
                select(CaseRow).where((CaseRow.id == id_or_name) | (CaseRow.name == id_or_name))
            )
            if row is None:
                raise NotFoundError(f"no case {id_or_name!r}")
            return _case(row)

    def list_cases(self) -> list[Case]:
        with self._tx(read_only=True) as session:
            return [_case(r) for r in session.scalars(select(CaseRow).order_by(CaseRow.created_at))]

    # items -------------------------------------------------------------
    def add_item(self, item: Item, custody: EntryFactory) -> None:
        self.add_items([(item, custody)])

    def add_items(self, items: Sequence[tuple[Item, EntryFactory]]) -> None:
        """One transaction; rows go in with two bulk inserts, the chain head
        is read (locked) and written once per case."""
        with self._tx() as session:
            custody_rows: list[dict[str, object]] = []
            item_rows: list[dict[str, object]] = []
            heads: dict[str, tuple[int, str]] = {}
            for item, custody in items:
                seq, prev = heads.get(item.case_id) or self._head(session, item.case_id)
                entry = custody(seq + 1, prev)
                heads[item.case_id] = (entry.seq, entry.entry_hash)
                custody_rows.append(_custody_values(entry))
                # the item's custody sequence number orders the case's items
                item_rows.append(_item_values(item, entry.seq))
            if item_rows:
                session.execute(insert(CustodyRow), custody_rows)
                session.execute(insert(ItemRow), item_rows)
                for case_id, (seq, head_hash) in heads.items():
                    self._set_head(session, case_id, seq, head_hash)

    def find_item(
        self, case_id: str, parent_id: str | None, locator: Locator, sha256: str
    ) -> Item | None:
        with self._tx(read_only=True) as session:
            row = session.scalar(
                select(ItemRow).where(
                    ItemRow.sha256 == sha256,
                    ItemRow.case_id == case_id,
                    ItemRow.locator_key == locator_key(locator),
                    ItemRow.parent_id.is_(None)
                    if parent_id is None
                    else ItemRow.parent_id == parent_id,
                )
            )
            return _item(row) if row else None

    def get_item(self, item_id: str) -> Item:
        with self._tx(read_only=True) as session:
            row = session.get(ItemRow, item_id)
            if row is None:
                raise NotFoundError(f"no item {item_id!r}")
            return _item(row)

    def list_items(self, case_id: str) -> list[Item]:
        with self._tx(read_only=True) as session:
            rows = session.scalars(
                select(ItemRow).where(ItemRow.case_id == case_id).order_by(ItemRow.seq)
            )
            return [_item(r) for r in rows]

    def item_hashes(self, case_id: str) -> set[str]:
        with self._tx(read_only=True) as session:
            return set(session.scalars(select(ItemRow.sha256).where(ItemRow.case_id == case_id)))

    def cases_with_sha256(self, sha256: str) -> list[str]:
        with self._tx(read_only=True) as session:
            return sorted(
                set(session.scalars(select(ItemRow.case_id).where(ItemRow.sha256 == sha256)))
            )

    # warnings ----------------------------------------------------------
    def add_warning(self, warning: ItemWarning) -> None:
        """Store a warning once: re-running an interrupted ingest repeats none."""
        with self._tx() as session:
            duplicate = session.scalar(
                select(WarningRow.id).where(
                    WarningRow.case_id == warning.case_id,
                    WarningRow.item_id.is_(None)
                    if warning.item_id is None
                    else WarningRow.item_id == warning.item_id,
                    WarningRow.code == warning.code,
                    WarningRow.message == warning.message,
                    WarningRow.path == warning.path,
                )
            )
            if duplicate is not None:
                return
            session.add(
                WarningRow(
                    case_id=warning.case_id,
                    item_id=warning.item_id,
                    code=warning.code,
                    message=warning.message,
                    path=warning.path,
                    locator=warning.locator.to_json(),
                    at=warning.at,
                )
            )

    def list_warnings(self, case_id: str) -> list[ItemWarning]:
        with self._tx(read_only=True) as session:
            rows = session.scalars(
                select(WarningRow).where(WarningRow.case_id == case_id).order_by(WarningRow.id)
            )
            return [
                ItemWarning(
                    case_id=r.case_id,
                    item_id=r.item_id,
                    code=r.code,
                    message=r.message,
                    path=r.path,
                    locator=Locator.from_json(r.locator),
                    at=utc(r.at),
                )
                for r in rows
            ]

    # analyses and findings ----------------------------------------------
    def analysis_done(self, key: AnalysisKey) -> bool:
        with self._tx(read_only=True) as session:
            return (
                session.scalar(
                    select(AnalysisRow.id).where(
                        AnalysisRow.item_id == key.item_id,
                        AnalysisRow.detector == key.detector,
                        AnalysisRow.detector_version == key.detector_version,
                        AnalysisRow.options_digest == key.options_digest,
                    )
                )
                is not None
            )

    def record_analysis(
        self,
        key: AnalysisKey,
        run_id: str,
        records: Sequence[FindingRecord],
        custody: EntryFactory,
    ) -> None:
        with self._tx() as session:
            session.add(
                AnalysisRow(
                    item_id=key.item_id,
                    detector=key.detector,
                    detector_version=key.detector_version,
                    options_digest=key.options_digest,
                    run_id=run_id,
                )
            )
            for seq, record in enumerate(records):
                session.add(_finding_row(record, seq))
            session.flush()
            for record in records:
                session.add_all(_indicator_rows(record))
                for art in record.artefacts:
                    session.add(
                        ArtefactRow(
                            finding_id=record.id,
                            sha256=art.sha256,
                            name=art.name,
                            media_type=art.media_type,
                        )
                    )
            case_id = records[0].case_id if records else session.get(ItemRow, key.item_id).case_id  # type: ignore[union-attr]
            self._append(session, case_id, custody)

    def list_findings(self, case_id: str) -> list[FindingRecord]:
        with self._tx(read_only=True) as session:
            rows = list(
                session.scalars(
                    select(FindingRow)
                    .where(FindingRow.case_id == case_id)
                    .order_by(
                        FindingRow.started_at,
                        FindingRow.item_id,
                        FindingRow.detector,
                        FindingRow.seq,
                    )
                )
            )
            artefacts: dict[str, list[ArtefactRef]] = {}
            for art in session.scalars(
                select(ArtefactRow)
                .join(FindingRow)
                .where(FindingRow.case_id == case_id)
                .order_by(ArtefactRow.id)
            ):
                ref = ArtefactRef(sha256=art.sha256, name=art.name, media_type=art.media_type)
                artefacts.setdefault(art.finding_id, []).append(ref)
            indicators: dict[str, list[Indicator]] = {}
            for ind in session.scalars(
                select(IndicatorRow)
                .where(IndicatorRow.case_id == case_id)
                .order_by(IndicatorRow.id)
            ):
                indicators.setdefault(ind.finding_id, []).append(_indicator(ind))
            return [
                _finding_record(r, tuple(artefacts.get(r.id, ())), tuple(indicators.get(r.id, ())))
                for r in rows
            ]

    def list_indicators(
        self, case_id: str | None = None, kind: str | None = None, value: str | None = None
    ) -> list[IndicatorRecord]:
        query = select(IndicatorRow).order_by(IndicatorRow.id)
        if case_id is not None:
            query = query.where(IndicatorRow.case_id == case_id)
        if kind is not None:
            query = query.where(IndicatorRow.kind == kind)
        if value is not None:
            query = query.where(IndicatorRow.value == value)
        with self._tx(read_only=True) as session:
            return [
                IndicatorRecord(
                    case_id=r.case_id,
                    item_id=r.item_id,
                    finding_id=r.finding_id,
                    indicator=_indicator(r),
                    locator=Locator.from_json(r.locator),
                    detector=r.detector,
                )
                for r in session.scalars(query)
            ]

    # hash sets ---------------------------------------------------------
    def create_hash_set(self, hash_set: HashSet) -> None:
        with self._tx() as session:
            if session.get(HashSetRow, hash_set.name) is not None:
                return
            session.add(
                HashSetRow(
                    name=hash_set.name,
                    category=hash_set.category.value,
                    source=hash_set.source,
                    enabled=hash_set.enabled,
                    created_at=hash_set.created_at,
                )
            )

    def add_hashes(self, set_name: str, rows: Iterable[tuple[str, str]]) -> int:
        """Insert (algorithm, lowercase hex) rows in batches; duplicates skipped."""
        added = 0
        batch: list[tuple[str, str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _HASH_BATCH:
                added += self._insert_hashes(set_name, batch)
                batch = []
        if batch:
            added += self._insert_hashes(set_name, batch)
        return added

    def _insert_hashes(self, set_name: str, batch: list[tuple[str, str]]) -> int:
        unique = sorted(set(batch))
        with self._tx() as session:
            existing = set(
                session.execute(
                    select(HashSetEntryRow.algorithm, HashSetEntryRow.value).where(
                        HashSetEntryRow.set_name == set_name,
                        HashSetEntryRow.value.in_([v for _, v in unique]),
                    )
                ).all()
            )
            fresh = [r for r in unique if r not in existing]
            if fresh:
                session.execute(
                    insert(HashSetEntryRow),
                    [{"set_name": set_name, "algorithm": a, "value": v} for a, v in fresh],
                )
            return len(fresh)

    def list_hash_sets(self) -> list[HashSet]:
        with self._tx(read_only=True) as session:
            counts = dict(
                session.execute(
                    select(HashSetEntryRow.set_name, func.count()).group_by(
                        HashSetEntryRow.set_name
                    )
                ).all()
            )
            return [
                HashSet(
                    name=r.name,
                    category=HashSetCategory(r.category),
                    source=r.source,
                    enabled=r.enabled,
                    created_at=utc(r.created_at),
                    count=int(counts.get(r.name, 0)),
                )
                for r in session.scalars(select(HashSetRow).order_by(HashSetRow.name))
            ]

    def set_hash_set_enabled(self, set_name: str, enabled: bool) -> None:
        with self._tx() as session:
            result = session.execute(
                update(HashSetRow).where(HashSetRow.name == set_name).values(enabled=enabled)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"no hash set {set_name!r}")

    def lookup_hashes(self, *, sha256: str, md5: str, sha1: str) -> list[HashHit]:
        wanted = {("sha256", sha256), ("md5", md5), ("sha1", sha1)}
        with self._tx(read_only=True) as session:
            rows = session.execute(
                select(
                    HashSetEntryRow.set_name,
                    HashSetEntryRow.algorithm,
                    HashSetEntryRow.value,
                    HashSetRow.category,
                    HashSetRow.source,
                )
                .join(HashSetRow)
                .where(HashSetRow.enabled.is_(True), HashSetEntryRow.value.in_([sha256, md5, sha1]))
                .order_by(HashSetEntryRow.set_name, HashSetEntryRow.algorithm)
            ).all()
            return [
                HashHit(set_name=name, category=category, algorithm=algorithm, source=source)
                for name, algorithm, value, category, source in rows
                if (algorithm, value) in wanted
            ]


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _item_values(item: Item, seq: int) -> dict[str, object]:
    return {
        "id": item.id,
        "case_id": item.case_id,
        "parent_id": item.parent_id,
        "sha256": item.sha256,
        "md5": item.md5,
        "sha1": item.sha1,
        "size": item.size,
        "media_type": item.media_type,
        "name": item.name,
        "source": item.source,
        "source_path": item.source_path,
        "locator": item.locator.to_json(),
        "locator_key": locator_key(item.locator),
        "acquired_at": item.acquired_at,
        "seq": seq,
    }


def _custody_values(entry: CustodyEntry) -> dict[str, object]:
    return {
        "case_id": entry.case_id,
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_sha256": entry.object_sha256,
        "details": dict(entry.details),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def _case(row: CaseRow) -> Case:
    return Case(
        id=row.id, name=row.name, created_at=utc(row.created_at), description=row.description
    )


def _item(row: ItemRow) -> Item:
    return Item(
        id=row.id,
        case_id=row.case_id,
        sha256=row.sha256,
        md5=row.md5,
        sha1=row.sha1,
        size=row.size,
        media_type=row.media_type,
        name=row.name,
        source=row.source,
        source_path=row.source_path,
        acquired_at=utc(row.acquired_at),
        parent_id=row.parent_id,
        locator=Locator.from_json(row.locator),
    )


def _finding_row(record: FindingRecord, seq: int) -> FindingRow:
    finding, prov = record.finding, record.provenance
    return FindingRow(
        id=record.id,
        case_id=record.case_id,
        item_id=record.item_id,
        seq=seq,
        label=finding.label,
        score=finding.score,
        threshold=finding.threshold,
        negative_below=finding.negative_below,
        verdict=finding.verdict.value,
        status=finding.status.value,
        explanation=finding.explanation,
        locator=finding.locator.to_json(),
        details=dict(finding.details),
        detector=prov.detector,
        detector_version=prov.detector_version,
        model_sha256=prov.model_sha256,
        options_digest=prov.options_digest,
        vigil_version=prov.vigil_version,
        input_sha256=prov.input_sha256,
        run_id=prov.run_id,
        started_at=prov.started_at,
        finished_at=prov.finished_at,
    )


def _indicator_rows(record: FindingRecord) -> list[IndicatorRow]:
    return [
        IndicatorRow(
            case_id=record.case_id,
            item_id=record.item_id,
            finding_id=record.id,
            kind=ind.kind,
            value=ind.value,
            raw=ind.raw,
            vector=list(ind.vector) if ind.vector is not None else None,
            locator=record.finding.locator.to_json(),
            detector=record.provenance.detector,
        )
        for ind in record.finding.indicators
    ]


def _indicator(row: IndicatorRow) -> Indicator:
    vector = tuple(row.vector) if row.vector is not None else None
    return Indicator(row.kind, row.value, row.raw, vector)


def _finding_record(
    row: FindingRow, artefacts: tuple[ArtefactRef, ...], indicators: tuple[Indicator, ...]
) -> FindingRecord:
    finding = Finding(
        label=row.label,
        score=row.score,
        threshold=row.threshold,
        verdict=Verdict(row.verdict),
        explanation=row.explanation,
        status=Status(row.status),
        negative_below=row.negative_below,
        locator=Locator.from_json(row.locator),
        details=row.details,  # type: ignore[arg-type]
        indicators=indicators,
    )
    provenance = Provenance(
        detector=row.detector,
        detector_version=row.detector_version,
        model_sha256=row.model_sha256,
        options_digest=row.options_digest,
        vigil_version=row.vigil_version,
        input_sha256=row.input_sha256,
        run_id=row.run_id,
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at),
    )
    return FindingRecord(
        id=row.id,
        case_id=row.case_id,
        item_id=row.item_id,
        finding=finding,
        provenance=provenance,
        artefacts=artefacts,
    )
