"""The training commands run end to end on the shared set and write model
files that load (slow: a few minutes on two cores)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("av")

from vigil.detectors.audio import train_speaker, train_spoof  # noqa: E402
from vigil.detectors.audio._linear import LinearModel  # noqa: E402

HERE = Path(train_spoof.__file__).parent


@pytest.mark.slow
def test_train_spoof_writes_a_loadable_model_and_card(shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(HERE / "voice_spoof.md", tmp_path / "voice_spoof.md")
    code = train_spoof.main(["--data", str(shared_data / "audio"), "--out", str(tmp_path)])
    assert code == 0
    arrays = (tmp_path / "voice_spoof.npz").read_bytes()
    header = json.loads((tmp_path / "voice_spoof.json").read_text())
    model = LinearModel.from_bytes(arrays, header)
    assert model.weights.size == len(header["feature_names"])
    report = json.loads((tmp_path / "voice_spoof_eval.json").read_text())
    systems = report["metrics"]["clean"]["systems"]
    assert len(systems) == 23
    assert all(0.0 <= row["eer"] <= 1.0 for row in systems.values())
    assert "| espeak-ng |" in (tmp_path / "voice_spoof.md").read_text()


@pytest.mark.slow
def test_train_speaker_writes_statistics(shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(HERE / "speaker_verification.md", tmp_path / "speaker_verification.md")
    assert train_speaker.main(["--data", str(shared_data / "audio"), "--out", str(tmp_path)]) == 0
    header = json.loads((tmp_path / "speaker_embedding.json").read_text())
    assert 0.0 < header["threshold"] < 1.0
    assert header["metrics"]["verification"]["all"]["same_pairs"] > 100
