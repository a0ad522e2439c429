"""The case report as a JSON-ready dict, built from stored data only.

Nothing here analyses evidence: the report restates what the store holds
(items, warnings, findings with their provenance, the custody log) plus the
result of the verification the caller ran just before. Every list is in a
deterministic order, so two reports of an unchanged case differ only in
`generated_at` and the verification entry the caller's verify appended.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil import __version__
from vigil.custody.flags import sensitive_items
from vigil.detectors.base import Registry
from vigil.domain.errors import NotFoundError
from vigil.domain.labels import is_known_label, label_description, vocabulary_version
from vigil.domain.model import (
    ArtefactRef,
    Case,
    CustodyEntry,
    FindingRecord,
    Indicator,
    Item,
    ItemWarning,
    JsonValue,
    Locator,
    Provenance,
    Verdict,
    current_findings,
)
from vigil.report.traces import stored_traces
from vigil.store import BlobStore, MetadataStore

__all__ = ["REPORT_SCHEMA_VERSION", "VerificationSummary", "build_report"]

log = logging.getLogger(__name__)

REPORT_SCHEMA_VERSION = "1.2.0"
"""Version of the report's JSON layout; major bump when a key changes meaning."""

Report = dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class VerificationSummary:
    """The outcome of verifying a case, as the report shows it."""

    ok: bool
    blobs_checked: int
    custody_entries: int
    problems: list[str] = field(default_factory=list)


def build_report(
    store: MetadataStore,
    blobs: BlobStore,
    registry: Registry,
    case: Case,
    verification: VerificationSummary | None,
    *,
    now: datetime | None = None,
) -> Report:
    """Everything the store knows about `case`, ready for `json.dumps`."""
    items = _tree_order(store.list_items(case.id))
    depths = _depths(items)
    history = store.list_findings(case.id)
    records = current_findings(history)
    warnings = store.list_warnings(case.id)
    custody = sorted(store.list_custody(case.id), key=lambda e: e.seq)
    names = {item.id: item.name for item in items}
    flags = sensitive_items(custody)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated_at": _iso(now or datetime.now(UTC)),
        "vigil_version": __version__,
        "label_vocabulary_version": vocabulary_version(),
        "case": _case(case),
        "counts": _counts(items, records, warnings, custody, len(history) - len(records)),
        "verification": _verification(verification),
        "evidence": [
            _item(item, depths[item.id], names, flags.get(item.id, False)) for item in items
        ],
        "warnings": [_warning(w, names) for w in sorted(warnings, key=_warning_key)],
        "findings": _findings_by_item(items, records, blobs),
        "detectors": _detectors(history, registry),
        "custody": [_custody(entry) for entry in custody],
        "traces": stored_traces(custody, blobs),
    }


# -- small converters ----------------------------------------------------


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _locator(locator: Locator) -> list[JsonValue]:
    return [{"kind": step.kind, "value": step.value} for step in locator.steps]


def _case(case: Case) -> Report:
    return {
        "id": case.id,
        "name": case.name,
        "description": case.description,
        "created_at": _iso(case.created_at),
    }


def _verification(summary: VerificationSummary | None) -> JsonValue:
    if summary is None:
        return None
    return {
        "ok": summary.ok,
        "blobs_checked": summary.blobs_checked,
        "custody_entries": summary.custody_entries,
        "problems": list(summary.problems),
    }


def _counts(
    items: Sequence[Item],
    records: Sequence[FindingRecord],
    warnings: Sequence[ItemWarning],
    custody: Sequence[CustodyEntry],
    superseded: int,
) -> Report:
    verdicts = Counter(r.finding.verdict.value for r in records)
    statuses = Counter(r.finding.status.value for r in records)
    return {
        "items": len(items),
        "items_seized": sum(1 for i in items if i.parent_id is None),
        "items_derived": sum(1 for i in items if i.parent_id is not None),
        "findings": len(records),
        "findings_superseded": superseded,
        "findings_by_verdict": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "findings_by_status": {k: statuses[k] for k in sorted(statuses)},
        "warnings": len(warnings),
        "custody_entries": len(custody),
    }


# -- evidence ------------------------------------------------------------


def _tree_order(items: Iterable[Item]) -> list[Item]:
    """Seized items first-level, each followed depth-first by what was derived from it."""
    ordered = sorted(items, key=lambda i: (str(i.locator), i.id))
    ids = {item.id for item in ordered}
    children: dict[str | None, list[Item]] = {}
    for item in ordered:
        parent = item.parent_id if item.parent_id in ids else None
        children.setdefault(parent, []).append(item)
    result: list[Item] = []
    seen: set[str] = set()
    stack = list(reversed(children.get(None, [])))
    while stack:
        item = stack.pop()
        if item.id in seen:
            continue
        seen.add(item.id)
        result.append(item)
        stack.extend(reversed(children.get(item.id, [])))
    # items caught in a parent cycle (corrupt store) are still listed
    result.extend(item for item in ordered if item.id not in seen)
    return result


def _depths(items: Sequence[Item]) -> dict[str, int]:
    """Derivation depth: 0 for a seized item, parent's depth + 1 below it."""
    parents = {item.id: item.parent_id for item in items}
    depths: dict[str, int] = {}
    for item in items:
        depth, current, hops = 0, item.parent_id, set()
        while current in parents and current not in hops:
            hops.add(current)
            depth += 1
            current = parents[current]
        depths[item.id] = depth
    return depths


def _item(item: Item, depth: int, names: dict[str, str], sensitive: bool) -> Report:
    return {
        "sensitive": sensitive,
        "id": item.id,
        "name": item.name,
        "sha256": item.sha256,
        "md5": item.md5,
        "sha1": item.sha1,
        "size": item.size,
        "media_type": item.media_type,
        "source": item.source,
        "source_path": item.source_path,
        "acquired_at": _iso(item.acquired_at),
        "parent_id": item.parent_id,
        "parent_name": names.get(item.parent_id) if item.parent_id else None,
        "locator": str(item.locator),
        "locator_steps": _locator(item.locator),
        "depth": depth,
    }


def _warning_key(warning: ItemWarning) -> tuple[str, str, str, str, str]:
    return (
        _iso(warning.at),
        warning.code,
        warning.item_id or "",
        str(warning.locator),
        warning.message,
    )


def _warning(warning: ItemWarning, names: dict[str, str]) -> Report:
    return {
        "code": warning.code,
        "message": warning.message,
        "at": _iso(warning.at),
        "item_id": warning.item_id,
        "item_name": names.get(warning.item_id) if warning.item_id else None,
        "locator": str(warning.locator),
        "locator_steps": _locator(warning.locator),
        "path": warning.path,
    }


# -- findings ------------------------------------------------------------


def _finding_key(record: FindingRecord) -> tuple[str, str, str, str, str, str]:
    f = record.finding
    return (
        record.provenance.detector,
        f.label,
        str(f.locator),
        f.status.value,
        f.verdict.value,
        record.id,
    )


def _findings_by_item(
    items: Sequence[Item], records: Sequence[FindingRecord], blobs: BlobStore
) -> list[JsonValue]:
    by_item: dict[str, list[FindingRecord]] = {}
    for record in records:
        by_item.setdefault(record.item_id, []).append(record)
    known = [item.id for item in items]
    orphans = sorted(set(by_item) - set(known))  # findings of an item no longer listed
    groups: list[JsonValue] = []
    names = {item.id: item.name for item in items}
    for item_id in [*known, *orphans]:
        if item_id not in by_item:
            continue
        ordered = sorted(by_item[item_id], key=_finding_key)
        groups.append(
            {
                "item_id": item_id,
                "item_name": names.get(item_id),
                "findings": [_finding(r, blobs) for r in ordered],
            }
        )
    return groups


def _finding(record: FindingRecord, blobs: BlobStore) -> Report:
    f = record.finding
    return {
        "id": record.id,
        "label": f.label,
        "label_description": label_description(f.label) if is_known_label(f.label) else "",
        "verdict": f.verdict.value,
        "score": f.score,
        "threshold": f.threshold,
        "negative_below": f.negative_below,
        "explanation": f.explanation,
        "status": f.status.value,
        "locator": str(f.locator),
        "locator_steps": _locator(f.locator),
        "details": dict(f.details),
        "indicators": [_indicator(i) for i in f.indicators],
        "provenance": _provenance(record.provenance),
        "artefacts": [_artefact(a, blobs) for a in record.artefacts],
    }


def _indicator(indicator: Indicator) -> Report:
    """Kind and normalised value; an embedding vector is summarised, not copied."""
    return {
        "kind": indicator.kind,
        "value": indicator.value,
        "raw": indicator.raw,
        "vector_dims": len(indicator.vector) if indicator.vector is not None else None,
    }


def _provenance(p: Provenance) -> Report:
    return {
        "detector": p.detector,
        "detector_version": p.detector_version,
        "model_sha256": p.model_sha256,
        "options_digest": p.options_digest,
        "vigil_version": p.vigil_version,
        "input_sha256": p.input_sha256,
        "run_id": p.run_id,
        "started_at": _iso(p.started_at),
        "finished_at": _iso(p.finished_at),
    }


def _artefact(ref: ArtefactRef, blobs: BlobStore) -> Report:
    return {
        "sha256": ref.sha256,
        "name": ref.name,
        "media_type": ref.media_type,
        "size": _blob_size(blobs, ref.sha256),
    }


def _blob_size(blobs: BlobStore, sha256: str) -> int | None:
    """Size on disk; None when the blob is missing (verification names it)."""
    try:
        return blobs.path_of(sha256).stat().st_size
    except (OSError, NotFoundError) as exc:  # NotFoundError: not a SHA-256
        log.warning("artefact blob %s unavailable: %s", sha256, exc)
        return None


# -- detectors and custody -------------------------------------------------


def _used_detectors(records: Iterable[FindingRecord]) -> Iterator[tuple[str, str, list[str]]]:
    recorded: dict[tuple[str, str], set[str]] = {}
    for record in records:
        p = record.provenance
        models = recorded.setdefault((p.detector, p.detector_version), set())
        if p.model_sha256:
            models.add(p.model_sha256)
    for (name, version), models in sorted(recorded.items()):
        yield name, version, sorted(models)


def _detectors(records: Sequence[FindingRecord], registry: Registry) -> list[JsonValue]:
    return [
        _detector(name, version, models, registry)
        for name, version, models in _used_detectors(records)
    ]


def _detector(name: str, version: str, recorded: list[str], registry: Registry) -> Report:
    entry: Report = {
        "name": name,
        "version": version,
        "availability": _availability(name, registry),
        "installed_version": None,
        "model_card": None,
        "model_sha256": None,
        "recorded_model_sha256": [sha for sha in recorded],
    }
    cls = registry.available.get(name)
    if cls is None:
        return entry
    entry["installed_version"] = cls.version
    try:
        entry["model_card"] = cls.model_card_text()
        entry["model_sha256"] = cls.model_sha256()
    except (OSError, ImportError, UnicodeError) as exc:
        log.warning("model card or files of %s unreadable: %s", name, exc)
    return entry


def _availability(name: str, registry: Registry) -> str:
    if name in registry.available:
        return "installed"
    if name in registry.unavailable:
        return "unavailable"
    if name in registry.broken:
        return "broken"
    return "not installed"


def _custody(entry: CustodyEntry) -> Report:
    return {
        "seq": entry.seq,
        "at": _iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "object_sha256": entry.object_sha256,
        "details": dict(entry.details),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }
