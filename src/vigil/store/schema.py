"""SQLAlchemy 2 table models. Changes here need an Alembic revision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AnalysisRow",
    "BankEntryRow",
    "BankNegativeRow",
    "BankRow",
    "ArtefactRow",
    "Base",
    "CaseRow",
    "CustodyHeadRow",
    "CustodyRow",
    "FindingRow",
    "HashSetEntryRow",
    "HashSetRow",
    "IndicatorRow",
    "ItemRow",
    "WarningRow",
]


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (Index("ix_items_case_sha256", "case_id", "sha256"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("items.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str] = mapped_column(Text, default="")
    locator: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    locator_key: Mapped[str] = mapped_column(Text)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(Integer)


class WarningRow(Base):
    __tablename__ = "item_warnings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id"))
    code: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text, default="")
    locator: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnalysisRow(Base):
    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint("item_id", "detector", "detector_version", "options_digest"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    detector: Mapped[str] = mapped_column(String(100))
    detector_version: Mapped[str] = mapped_column(String(50))
    options_digest: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(String(36))


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    negative_below: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    locator: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    details: Mapped[dict[str, object]] = mapped_column(JSON)
    detector: Mapped[str] = mapped_column(String(100))
    detector_version: Mapped[str] = mapped_column(String(50))
    model_sha256: Mapped[str | None] = mapped_column(String(64))
    options_digest: Mapped[str] = mapped_column(String(64))
    vigil_version: Mapped[str] = mapped_column(String(50))
    input_sha256: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IndicatorRow(Base):
    __tablename__ = "indicators"
    __table_args__ = (Index("ix_indicators_kind_value", "kind", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"))
    kind: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(512))
    raw: Mapped[str] = mapped_column(Text, default="")
    vector: Mapped[list[float] | None] = mapped_column(JSON)
    locator: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    detector: Mapped[str] = mapped_column(String(100))


class ArtefactRow(Base):
    __tablename__ = "artefacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(200))


class CustodyRow(Base):
    __tablename__ = "custody_entries"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    object_sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, object]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class CustodyHeadRow(Base):
    """Last sequence number and hash per chain; locked while appending."""

    __tablename__ = "custody_heads"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))


class HashSetRow(Base):
    __tablename__ = "hash_sets"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HashSetEntryRow(Base):
    __tablename__ = "hash_set_entries"
    __table_args__ = (
        UniqueConstraint("set_name", "algorithm", "value"),
        Index("ix_hash_set_entries_value", "value"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    set_name: Mapped[str] = mapped_column(ForeignKey("hash_sets.name"))
    algorithm: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(64))


class BankRow(Base):
    """Perceptual/exact hash banks (vigil.banks); holds hashes, never content."""

    __tablename__ = "banks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enabled: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text, default="")
    thresholds: Mapped[dict[str, int]] = mapped_column(JSON)


class BankEntryRow(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank", "signal_type", "value"),
        Index("ix_bank_entries_signal_id", "signal_type", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    bank: Mapped[str] = mapped_column(ForeignKey("banks.name", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(Text)
    entry_metadata: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankNegativeRow(Base):
    __tablename__ = "bank_negatives"
    bank: Mapped[str] = mapped_column(
        ForeignKey("banks.name", ondelete="CASCADE"), primary_key=True
    )
    signal_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(700), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
