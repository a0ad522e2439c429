"""A detector that consults reference data re-runs once that data changes,
and only then; detectors that consult none are not re-run."""

from __future__ import annotations

import hashlib
from pathlib import Path

from vigil.domain.model import HashSetCategory
from vigil.runner import InlineBackend
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.hashsets import import_hash_set
from vigil.services.workspace import Workspace

DETECTORS = ["hashset_match", "file_type_mismatch"]


def _hashset_verdicts(ws: Workspace, case: str) -> list[tuple[str, str]]:
    records = ws.store.list_findings(ws.store.get_case(case).id)
    return sorted(
        (r.finding.label, r.finding.verdict.value)
        for r in records
        if r.provenance.detector == "hashset_match"
    )


def test_new_hash_set_reruns_only_the_matcher(
    workspace: Workspace, inline: InlineBackend, tmp_path: Path
) -> None:
    evidence = tmp_path / "note.txt"
    evidence.write_bytes(b"ransom note, version 1\n")
    create_case(workspace, "op")
    add_evidence(workspace, "op", [evidence])

    first = analyze_case(workspace, "op", DETECTORS, backend=inline)
    again = analyze_case(workspace, "op", DETECTORS, backend=inline)
    assert first.completed == 2 and again.completed == 0 and again.skipped == 2

    listing = tmp_path / "bad.sha256"
    listing.write_text(f"{hashlib.sha256(evidence.read_bytes()).hexdigest()}  note.txt\n")
    import_hash_set(workspace, "unit-bad", listing, HashSetCategory.KNOWN_BAD, "unit test")

    after_import = analyze_case(workspace, "op", DETECTORS, backend=inline)
    assert after_import.completed == 1 and after_import.skipped == 1
    assert ("hashset.known_bad", "positive") in _hashset_verdicts(workspace, "op")
    assert analyze_case(workspace, "op", DETECTORS, backend=inline).completed == 0


def test_superseded_findings_leave_the_listing_but_not_the_store(
    workspace: Workspace, inline: InlineBackend, tmp_path: Path
) -> None:
    from vigil.services.findings import case_findings

    evidence = tmp_path / "note.txt"
    evidence.write_bytes(b"ransom note, version 2\n")
    create_case(workspace, "op")
    add_evidence(workspace, "op", [evidence])
    analyze_case(workspace, "op", ["hashset_match"], backend=inline)
    listing = tmp_path / "bad.sha256"
    listing.write_text(f"{hashlib.sha256(evidence.read_bytes()).hexdigest()}  note.txt\n")
    import_hash_set(workspace, "unit-bad", listing, HashSetCategory.KNOWN_BAD, "unit test")
    analyze_case(workspace, "op", ["hashset_match"], backend=inline)

    current = case_findings(workspace, "op", hide_known_good=False)
    history = case_findings(workspace, "op", hide_known_good=False, include_superseded=True)
    assert [r["verdict"] for r in current] == ["positive"]
    assert len(history) == len(current) + 1
    assert {r["run_id"] for r in history} > {r["run_id"] for r in current}
