"""Triage of sensitive media: flags, blurred by default, each reveal logged
(analyst exposure, as Project VIC asks), likely-real photographs first so that
possible real victims are reviewed before synthetic images."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from vigil.custody import make_entry
from vigil.custody.flags import FLAG_ACTION, REVEAL_ACTION, sensitive_items
from vigil.domain.errors import NotFoundError, UsageError
from vigil.domain.model import Item
from vigil.services.workspace import Workspace

__all__ = ["TriageEntry", "auto_flag_known_content", "flag_item", "reveal_item", "triage_queue"]


def _find_item(ws: Workspace, case_id: str, ref: str) -> Item:
    for item in ws.store.list_items(case_id):
        if ref in (item.id, item.sha256):
            return item
    raise NotFoundError(f"no item {ref!r} in this case (give its id or SHA-256)")


def flag_item(ws: Workspace, case_ref: str, item_ref: str, sensitive: bool, reason: str) -> Item:
    case = ws.store.get_case(case_ref)
    item = _find_item(ws, case.id, item_ref)
    ws.store.append_custody(
        case.id,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action=FLAG_ACTION,
            object_sha256=item.sha256,
            details={"item_id": item.id, "sensitive": sensitive, "reason": reason},
        ),
    )
    return item


def auto_flag_known_content(ws: Workspace, case_ref: str) -> list[str]:
    """Flag items that matched a known-bad bank, unless an analyst already decided."""
    case = ws.store.get_case(case_ref)
    decided = sensitive_items(ws.store.list_custody(case.id))
    flagged: list[str] = []
    for record in ws.store.list_findings(case.id):
        finding = record.finding
        if (
            finding.label == "media.known_content"
            and finding.verdict.value == "positive"
            and finding.details.get("category") == "known_bad"
            and record.item_id not in decided
        ):
            item = ws.store.get_item(record.item_id)
            flag_item(
                ws, case.id, item.id, True, f"matched known-bad bank {finding.details.get('bank')}"
            )
            decided[item.id] = True
            flagged.append(item.id)
    return flagged


def reveal_item(ws: Workspace, case_ref: str, item_ref: str, out: Path, reason: str) -> Path:
    """Write the unblurred content to `out` (never overwriting) and log who saw it."""
    case = ws.store.get_case(case_ref)
    item = _find_item(ws, case.id, item_ref)
    if not reason.strip():
        raise UsageError("a reveal needs a reason; it goes into the custody log")
    try:
        with ws.blobs.open(item.sha256) as source, open(out, "xb") as target:
            shutil.copyfileobj(source, target)
    except FileExistsError as exc:
        raise UsageError(f"{out} exists; choose a new path") from exc
    os.chmod(out, 0o600)
    ws.store.append_custody(
        case.id,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action=REVEAL_ACTION,
            object_sha256=item.sha256,
            details={"item_id": item.id, "to": str(out), "reason": reason},
        ),
    )
    return out


@dataclass(frozen=True, slots=True)
class TriageEntry:
    item: Item
    synthetic_score: float | None
    reveals: int


def triage_queue(ws: Workspace, case_ref: str) -> list[TriageEntry]:
    """Sensitive items, likely real photographs (low synthetic score) first;
    items without a synthetic score after them."""
    case = ws.store.get_case(case_ref)
    custody = ws.store.list_custody(case.id)
    sensitive = {i for i, flag in sensitive_items(custody).items() if flag}
    reveals: dict[str, int] = {}
    for entry in custody:
        if entry.action == REVEAL_ACTION:
            key = str(entry.details.get("item_id"))
            reveals[key] = reveals.get(key, 0) + 1
    scores: dict[str, float] = {}
    for record in ws.store.list_findings(case.id):
        if record.finding.label == "image.synthetic" and record.finding.score is not None:
            scores[record.item_id] = record.finding.score
    entries = [
        TriageEntry(ws.store.get_item(i), scores.get(i), reveals.get(i, 0)) for i in sensitive
    ]
    return sorted(
        entries, key=lambda e: (e.synthetic_score is None, e.synthetic_score or 0.0, e.item.name)
    )
