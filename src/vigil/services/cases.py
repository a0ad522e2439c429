"""Cases: create, list, show, add evidence."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vigil.custody import make_entry
from vigil.domain.errors import UsageError
from vigil.domain.model import Case, Item, ItemWarning
from vigil.ingest import IngestLimits, Ingestor, IngestSummary
from vigil.ingest.service import Progress
from vigil.services.workspace import Workspace

__all__ = ["CaseOverview", "add_evidence", "create_case", "case_overview"]


def create_case(ws: Workspace, name: str, description: str = "") -> Case:
    if not name.strip() or len(name) > 200:
        raise UsageError("a case name must be 1 to 200 characters")
    case = Case(
        id=str(uuid.uuid4()),
        name=name.strip(),
        created_at=datetime.now(UTC),
        description=description,
    )
    ws.store.create_case(
        case,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action="case.created",
            object_sha256=hashlib.sha256(case.id.encode()).hexdigest(),
            details={"name": case.name, "description": description},
        ),
    )
    return case


def add_evidence(
    ws: Workspace,
    case_ref: str,
    paths: Sequence[Path],
    source: str = "",
    limits: IngestLimits | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    case = ws.store.get_case(case_ref)
    ingestor = Ingestor(ws.store, ws.blobs, ws.actor, limits)
    return ingestor.add_paths(case, paths, source or f"added by {ws.actor}", progress)


@dataclass(frozen=True, slots=True)
class CaseOverview:
    case: Case
    items: list[Item]
    warnings: list[ItemWarning]
    findings: int
    custody_entries: int


def case_overview(ws: Workspace, case_ref: str) -> CaseOverview:
    case = ws.store.get_case(case_ref)
    return CaseOverview(
        case=case,
        items=ws.store.list_items(case.id),
        warnings=ws.store.list_warnings(case.id),
        findings=len(ws.store.list_findings(case.id)),
        custody_entries=len(ws.store.list_custody(case.id)),
    )
