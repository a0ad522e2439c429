"""Retraining reproduces the shipped models byte for byte (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.detectors.text import train_ai_text, train_email_forensics, train_scam

MODELS = Path(train_scam.__file__).resolve().parent / "models"


@pytest.mark.slow
def test_scam_model_is_reproducible(shared_data: Path, tmp_path: Path) -> None:
    assert train_scam.main(["--data", str(shared_data / "text"), "--out", str(tmp_path),
                            "--skip-eval"]) == 0  # fmt: skip
    assert (tmp_path / "scam.npz").read_bytes() == (MODELS / "scam.npz").read_bytes()
    ours, shipped = (json.loads((d / "scam.json").read_text()) for d in (tmp_path, MODELS))
    assert ours["threshold"] == shipped["threshold"]
    assert ours["negative_below"] == shipped["negative_below"]


@pytest.mark.slow
def test_ai_text_model_is_reproducible(shared_data: Path, tmp_path: Path) -> None:
    assert train_ai_text.main(["--data", str(shared_data / "text"), "--out", str(tmp_path),
                               "--skip-eval"]) == 0  # fmt: skip
    assert (tmp_path / "ai_text.npz").read_bytes() == (MODELS / "ai_text.npz").read_bytes()


@pytest.mark.slow
def test_email_rule_measurement_is_reproducible(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    assert train_email_forensics.main(["--data", str(shared_data / "text"), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(
        (MODELS / "email_forensics_eval.json").read_text()
    )
