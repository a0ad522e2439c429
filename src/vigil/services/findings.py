"""Findings of a case as flat rows (CLI tables, `findings --json`)."""

from __future__ import annotations

from vigil.domain.model import current_findings
from vigil.services.workspace import Workspace

__all__ = ["case_findings"]


def case_findings(
    ws: Workspace, case_ref: str, hide_known_good: bool, include_superseded: bool = False
) -> list[dict[str, object]]:
    case = ws.store.get_case(case_ref)
    items = {item.id: item for item in ws.store.list_items(case.id)}
    records = ws.store.list_findings(case.id)
    if not include_superseded:
        records = current_findings(records)
    known_good = {
        r.item_id
        for r in records
        if r.finding.label == "hashset.known_good" and r.finding.verdict.value == "positive"
    }
    rows: list[dict[str, object]] = []
    for record in records:
        if hide_known_good and record.item_id in known_good:
            continue
        finding, prov = record.finding, record.provenance
        item = items[record.item_id]
        rows.append(
            {
                "finding_id": record.id,
                "item_id": item.id,
                "item_name": item.name,
                "item_sha256": item.sha256,
                "item_locator": str(item.locator),
                "detector": prov.detector,
                "version": prov.detector_version,
                "model_sha256": prov.model_sha256,
                "options_digest": prov.options_digest,
                "run_id": prov.run_id,
                "label": finding.label,
                "score": finding.score,
                "threshold": finding.threshold,
                "verdict": finding.verdict.value,
                "status": finding.status.value,
                "explanation": finding.explanation,
                "locator": str(finding.locator),
                "details": dict(finding.details),
                "indicators": [{"kind": i.kind, "value": i.value} for i in finding.indicators],
            }
        )
    return rows
