"""Verify a case: every blob rehashed, every custody link recomputed."""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.custody import make_entry, verify_chain
from vigil.services.workspace import Workspace

__all__ = ["VerifyResult", "verify_case"]


@dataclass(slots=True)
class VerifyResult:
    case_id: str
    blobs_checked: int = 0
    custody_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_case(ws: Workspace, case_ref: str, record: bool = True) -> VerifyResult:
    """Check everything, then log the outcome to custody (after the check, so
    the verify entry itself is covered by the next verify)."""
    case = ws.store.get_case(case_ref)
    result = VerifyResult(case.id)
    _verify_blobs(ws, case.id, result)
    _verify_custody(ws, case.id, result)
    if record:
        head = ws.store.custody_head(case.id)
        ws.store.append_custody(
            case.id,
            make_entry(
                case_id=case.id,
                actor=ws.actor,
                action="case.verified",
                object_sha256=head[1] if head else "",
                details={
                    "ok": result.ok,
                    "blobs_checked": result.blobs_checked,
                    "entries_checked": result.custody_entries,
                    "problems": result.problems[:50],
                },
            ),
        )
    return result


def _verify_blobs(ws: Workspace, case_id: str, result: VerifyResult) -> None:
    seen: dict[str, str | None] = {}
    for item in ws.store.list_items(case_id):
        if item.sha256 not in seen:
            seen[item.sha256] = ws.blobs.rehash(item.sha256)
            result.blobs_checked += 1
        actual = seen[item.sha256]
        if actual is None:
            result.problems.append(f"item {item.id} ({item.name}): blob {item.sha256} is missing")
        elif actual != item.sha256:
            result.problems.append(
                f"item {item.id} ({item.name}): blob altered: recorded {item.sha256}, now {actual}"
            )
    for record in ws.store.list_findings(case_id):
        for art in record.artefacts:
            if art.sha256 not in seen:
                seen[art.sha256] = ws.blobs.rehash(art.sha256)
                result.blobs_checked += 1
            if seen[art.sha256] != art.sha256:
                result.problems.append(
                    f"artefact {art.name} of finding {record.id}: blob "
                    f"{art.sha256} is missing or altered"
                )


def _verify_custody(ws: Workspace, case_id: str, result: VerifyResult) -> None:
    entries = ws.store.list_custody(case_id)
    result.custody_entries = len(entries)
    problems = verify_chain(entries, ws.store.custody_head(case_id))
    result.problems.extend(str(p) for p in problems)
    added = {
        e.details.get("item_id"): e.object_sha256
        for e in entries
        if e.action in ("item.added", "item.derived")
    }
    for item in ws.store.list_items(case_id):
        if item.id not in added:
            result.problems.append(f"item {item.id} ({item.name}) has no custody entry")
        elif added[item.id] != item.sha256:
            result.problems.append(
                f"item {item.id} ({item.name}): recorded hash {item.sha256} "
                f"differs from its custody entry {added[item.id]}"
            )
