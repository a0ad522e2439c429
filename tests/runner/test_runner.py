"""The runner: provenance stamping, failure isolation, resumability."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.fake_detectors import registry_with_fakes
from vigil.domain.errors import PluginError, UsageError
from vigil.domain.model import Status
from vigil.domain.plugins import Unavailable
from vigil.runner import InlineBackend, ProcessPoolBackend
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.verify import verify_case
from vigil.services.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_ws(workspace: Workspace) -> Workspace:
    workspace.registry = registry_with_fakes()
    return workspace


def _evidence(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(f"content of {name}\n")
    return folder


def _inline(ws: Workspace) -> InlineBackend:
    assert ws.services_factory is not None
    return InlineBackend(ws.registry, ws.services_factory)


def test_exception_in_one_item_becomes_an_error_finding(fake_ws: Workspace, tmp_path: Path) -> None:
    create_case(fake_ws, "c")
    add_evidence(fake_ws, "c", [_evidence(tmp_path, ["a.txt", "boom.txt", "b.txt"])])
    summary = analyze_case(fake_ws, "c", ["exploding"], backend=_inline(fake_ws))
    assert summary.completed == 3
    records = fake_ws.store.list_findings(fake_ws.store.get_case("c").id)
    statuses = sorted(r.finding.status.value for r in records)
    assert statuses == ["error", "ok", "ok"]
    error = next(r for r in records if r.finding.status is Status.ERROR)
    assert "RuntimeError: kaboom" in error.finding.explanation


def test_provenance_is_stamped_by_the_runner(fake_ws: Workspace, tmp_path: Path) -> None:
    create_case(fake_ws, "c")
    add_evidence(fake_ws, "c", [_evidence(tmp_path, ["a.txt"])])
    summary = analyze_case(fake_ws, "c", ["artefact_maker"], backend=_inline(fake_ws))
    [record] = fake_ws.store.list_findings(fake_ws.store.get_case("c").id)
    item = fake_ws.store.get_item(record.item_id)
    prov = record.provenance
    assert (prov.detector, prov.detector_version, prov.run_id) == (
        "artefact_maker",
        "1.0.0",
        summary.run_id,
    )
    assert prov.input_sha256 == item.sha256
    assert len(prov.options_digest) == 64 and prov.started_at <= prov.finished_at
    [artefact] = record.artefacts
    with fake_ws.blobs.open(artefact.sha256) as blob:
        assert blob.read().startswith(b"PNGDATA")
    actions = [e.action for e in fake_ws.store.list_custody(item.case_id)]
    assert actions[-3:] == ["analysis.started", "detector.run", "analysis.finished"]
    assert verify_case(fake_ws, "c").ok


def test_rerun_skips_done_work_and_new_options_rerun(fake_ws: Workspace, tmp_path: Path) -> None:
    create_case(fake_ws, "c")
    add_evidence(fake_ws, "c", [_evidence(tmp_path, ["a.txt", "b.txt"])])
    first = analyze_case(fake_ws, "c", ["artefact_maker"], backend=_inline(fake_ws))
    again = analyze_case(fake_ws, "c", ["artefact_maker"], backend=_inline(fake_ws))
    changed = analyze_case(
        fake_ws,
        "c",
        ["artefact_maker"],
        {"artefact_maker": {"gain": 2.0}},
        backend=_inline(fake_ws),
    )
    assert (first.completed, again.completed, again.skipped, changed.completed) == (2, 0, 2, 2)


def test_bad_options_are_rejected_before_any_item_is_read(
    fake_ws: Workspace, tmp_path: Path
) -> None:
    create_case(fake_ws, "c")
    with pytest.raises(UsageError):
        analyze_case(
            fake_ws,
            "c",
            ["artefact_maker"],
            {"artefact_maker": {"gian": 2}},
            backend=_inline(fake_ws),
        )
    with pytest.raises(PluginError):
        fake_ws.registry.unavailable["ghost"] = Unavailable("ghost", "missing x", "pip")
        analyze_case(fake_ws, "c", ["ghost"], backend=_inline(fake_ws))


def test_process_pool_survives_a_dying_worker(fake_ws: Workspace, tmp_path: Path) -> None:
    create_case(fake_ws, "c")
    add_evidence(
        fake_ws, "c", [_evidence(tmp_path, [f"ok{n}.txt" for n in range(6)] + ["die.txt"])]
    )
    assert fake_ws.services_factory is not None
    backend = ProcessPoolBackend(fake_ws.services_factory, 2, registry_with_fakes)
    summary = analyze_case(fake_ws, "c", ["killer"], backend=backend)
    assert summary.crashed >= 1
    assert summary.completed + summary.crashed == 7
    codes = [w.code for w in fake_ws.store.list_warnings(fake_ws.store.get_case("c").id)]
    assert "worker_crashed" in codes
    # crashed jobs are not recorded as done: the next run retries them
    retry = analyze_case(fake_ws, "c", ["killer"], backend=backend)
    assert retry.skipped == summary.completed
    assert retry.planned == summary.crashed


def test_process_pool_matches_inline_results(workspace: Workspace, tmp_path: Path) -> None:
    create_case(workspace, "c")
    folder = _evidence(tmp_path, ["a.txt"])
    (folder / "x.jpg").write_bytes(b"MZ" + b"\x00" * 200)
    add_evidence(workspace, "c", [folder])
    assert workspace.services_factory is not None
    analyze_case(workspace, "c", backend=ProcessPoolBackend(workspace.services_factory, 2))
    pooled = sorted(
        (r.item_id, r.finding.label, r.finding.verdict.value)
        for r in workspace.store.list_findings(workspace.store.get_case("c").id)
    )
    create_case(workspace, "d")
    add_evidence(workspace, "d", [folder])
    analyze_case(workspace, "d", backend=_inline(workspace))
    ids = {i.sha256: i.id for i in workspace.store.list_items(workspace.store.get_case("c").id)}
    inline = sorted(
        (ids[workspace.store.get_item(r.item_id).sha256], r.finding.label, r.finding.verdict.value)
        for r in workspace.store.list_findings(workspace.store.get_case("d").id)
    )
    assert pooled == inline
    assert ("file.executable_disguised", "positive") in {(label, v) for _, label, v in pooled}


KILL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.runner.fake_detectors import registry_with_fakes
from vigil.runner import InlineBackend
from vigil.services.analysis import analyze_case
from vigil.services.config import load_settings
from vigil.services.workspace import open_workspace
ws = open_workspace(load_settings(home=Path({home!r}), workers=1))
ws.registry = registry_with_fakes()
analyze_case(ws, "c", ["slow"], backend=InlineBackend(ws.registry, ws.services_factory))
"""


def test_sigkill_mid_analysis_loses_nothing_and_resumes(
    workspace: Workspace, tmp_path: Path
) -> None:
    create_case(workspace, "c")
    add_evidence(workspace, "c", [_evidence(tmp_path, [f"f{n:03}.txt" for n in range(120)])])
    script = KILL_SCRIPT.format(root=str(ROOT), home=str(workspace.settings.home))
    proc = subprocess.Popen([sys.executable, "-c", script])
    case_id = workspace.store.get_case("c").id
    deadline = time.monotonic() + 60
    while len(workspace.store.list_findings(case_id)) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(workspace.store.list_findings(case_id))
    assert 10 <= done < 120
    assert verify_case(workspace, "c").ok
    workspace.registry = registry_with_fakes()
    resumed = analyze_case(workspace, "c", ["slow"], backend=_inline(workspace))
    assert resumed.skipped == done and resumed.completed == 120 - done
    assert len(workspace.store.list_findings(case_id)) == 120
    assert verify_case(workspace, "c").ok
