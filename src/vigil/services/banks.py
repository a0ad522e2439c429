"""Hash banks (PDQ, vPDQ, MD5, SHA-256) and signals: create, import, export,
negative lists; hashing files; near-duplicate groups inside a case."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from vigil.banks import Bank, BankCategory, Confidence, ImportReport, NegativeEntry
from vigil.banks import export_bank as _export
from vigil.banks import import_into_bank as _import
from vigil.banks.sql import SqlBankStore
from vigil.custody import make_entry
from vigil.domain.errors import NotFoundError, StoreError, UsageError
from vigil.services.hashsets import SYSTEM_CHAIN
from vigil.services.workspace import Workspace
from vigil.store import SqlMetadataStore

if TYPE_CHECKING:
    from vigil.signals import SignalRegistry

__all__ = [
    "add_negative",
    "create_bank",
    "export_bank",
    "hash_files",
    "import_bank",
    "list_banks",
    "near_duplicate_groups",
]


def _banks(ws: Workspace) -> SqlBankStore:
    if not isinstance(ws.store, SqlMetadataStore):
        raise StoreError("banks need the SQL metadata store")
    return SqlBankStore(ws.store)


def _log(ws: Workspace, action: str, object_sha256: str, details: dict[str, object]) -> None:
    ws.store.append_custody(
        SYSTEM_CHAIN,
        make_entry(
            case_id=SYSTEM_CHAIN,
            actor=ws.actor,
            action=action,
            object_sha256=object_sha256,
            details=details,  # type: ignore[arg-type]
        ),
    )


def create_bank(
    ws: Workspace,
    name: str,
    category: BankCategory,
    source: str,
    confidence: Confidence,
    description: str = "",
) -> Bank:
    bank = Bank(name, category, source, confidence, datetime.now(UTC), True, description)
    _banks(ws).create_bank(bank)
    _log(ws, "bank.created", "", {"bank": name, "category": category.value, "source": source})
    return bank


def list_banks(ws: Workspace) -> list[tuple[Bank, int]]:
    store = _banks(ws)
    banks = store.list_banks()
    return [(b, sum(1 for _ in store.iter_entries(banks=[b.name]))) for b in banks]


def import_bank(
    ws: Workspace, name: str, path: Path, fmt: str, signal_type: str | None = None
) -> ImportReport:
    from vigil.signals import load_signals

    if not path.is_file():
        raise NotFoundError(f"no hash list at {path}")
    with path.open(encoding="utf-8", errors="replace") as lines:
        report = _import(
            _banks(ws), name, lines, fmt, load_signals().available, signal_type=signal_type
        )
    _log(
        ws,
        "bank.imported",
        _file_sha256(path),
        {
            "bank": name,
            "file": str(path),
            "format": fmt,
            "read": report.read,
            "added": report.added,
            "problems": len(report.problems),
        },
    )
    return report


def export_bank(ws: Workspace, name: str, out: TextIO, fmt: str) -> None:
    _export(_banks(ws), name, out, fmt)
    _log(ws, "bank.exported", "", {"bank": name, "format": fmt})


def add_negative(ws: Workspace, name: str, signal_type: str, value: str, reason: str) -> None:
    from vigil.signals import load_signals

    signal = load_signals().get(signal_type)
    try:
        canonical = signal.validate(value)
    except ValueError as exc:
        raise UsageError(f"not a valid {signal_type} hash: {exc}") from exc
    _banks(ws).add_negative(NegativeEntry(name, signal_type, canonical, reason))
    _log(
        ws,
        "bank.negative_added",
        "",
        {"bank": name, "signal": signal_type, "value": canonical, "reason": reason},
    )


def hash_files(paths: Sequence[Path]) -> list[dict[str, object]]:
    """Every available signal of every file (exact hashes always)."""
    from vigil.signals import load_signals

    signals = load_signals()
    return [_hash_file(path, signals) for path in paths]


def _hash_file(path: Path, signals: SignalRegistry) -> dict[str, object]:
    from vigil.formats import SNIFF_BYTES, sniff_media_type
    from vigil.signals import UnhashableInput

    warnings: list[str] = []
    hashes: dict[str, str | None] = {}
    try:
        with path.open("rb") as stream:
            media_type = sniff_media_type(stream.read(SNIFF_BYTES))
        wanted = {s.name: s for s in signals.for_media_type(media_type)}
        wanted.update(
            {n: signals.available[n] for n in ("md5", "sha256") if n in signals.available}
        )
        for name, signal in sorted(wanted.items()):
            with path.open("rb") as stream:
                try:
                    hashes[name] = signal.hash(stream)
                except UnhashableInput as exc:
                    hashes[name] = None
                    warnings.append(f"{name}: {exc}")
    except OSError as exc:
        return {
            "path": str(path),
            "signals": {},
            "warnings": [f"cannot read: {exc.strerror or exc}"],
        }
    return {"path": str(path), "media_type": media_type, "signals": hashes, "warnings": warnings}


def near_duplicate_groups(
    ws: Workspace, case_ref: str, threshold: int = 31
) -> list[list[dict[str, str]]]:
    """Items whose stored PDQ hashes are within `threshold`, grouped; the
    first of each group is the one to review."""
    from vigil.signals.grouping import group_near_duplicates

    case = ws.store.get_case(case_ref)
    hashes = {r.item_id: r.indicator.value for r in ws.store.list_indicators(case.id, kind="pdq")}
    items = {i.id: i for i in ws.store.list_items(case.id)}
    groups = group_near_duplicates(hashes, threshold=threshold)
    return [
        [
            {"item_id": i, "name": items[i].name, "sha256": items[i].sha256, "pdq": hashes[i]}
            for i in group
        ]
        for group in groups
        if len(group) > 1
    ]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
