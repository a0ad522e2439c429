"""Enrolled voices reach the speaker detector through the workspace services."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("av")

from vigil.detectors.audio.voice_spoof import _wav, synthetic_vowels  # noqa: E402
from vigil.runner import InlineBackend  # noqa: E402
from vigil.services.analysis import analyze_case  # noqa: E402
from vigil.services.cases import add_evidence, create_case  # noqa: E402
from vigil.services.verify import verify_case  # noqa: E402
from vigil.services.voice import enrol_voice  # noqa: E402
from vigil.services.workspace import Workspace  # noqa: E402


def _voice(path: Path, seed: int, f0: float, formants: float) -> Path:
    path.write_bytes(_wav(synthetic_vowels(seed=seed, seconds=6.0, f0=f0, formant_scale=formants)))
    return path


def test_enrolled_person_is_compared_with_case_recordings(
    workspace: Workspace, tmp_path: Path
) -> None:
    create_case(workspace, "calls")
    reference = _voice(tmp_path / "alice_ref.wav", 1, 190.0, 1.0)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    _voice(evidence / "call_alice.wav", 2, 190.0, 1.0)
    _voice(evidence / "call_other.wav", 3, 110.0, 0.8)
    add_evidence(workspace, "calls", [evidence])
    profile = enrol_voice(workspace, "calls", "alice", [reference])
    assert len(profile.vector) > 10
    assert workspace.services_factory is not None
    backend = InlineBackend(workspace.registry, workspace.services_factory)
    analyze_case(workspace, "calls", ["speaker_verification"], backend=backend)
    case_id = workspace.store.get_case("calls").id
    items = {i.id: i.name for i in workspace.store.list_items(case_id)}
    scores = {
        items[r.item_id]: r.finding.score
        for r in workspace.store.list_findings(case_id)
        if r.finding.label == "audio.speaker_match" and r.finding.details.get("person") == "alice"
    }
    assert set(scores) == {"call_alice.wav", "call_other.wav"}
    assert scores["call_alice.wav"] > scores["call_other.wav"]
    actions = [e.action for e in workspace.store.list_custody(case_id)]
    assert "voice.enrolled" in actions
    assert verify_case(workspace, "calls").ok
