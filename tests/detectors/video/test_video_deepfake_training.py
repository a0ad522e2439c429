"""The video_deepfake trainer: its pieces on made-up tracks (fast), and a full
retrain on ../shared/data/video that must reproduce the shipped model (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from vigil.detectors.video import train_deepfake as td  # noqa: E402
from vigil.detectors.video.deepfake import load_track_model  # noqa: E402


def _judged(label: int, method: str, subset: str, pair: str, logit: float) -> td.ClipTracks:
    clip = td.Clip(Path(f"{pair}_{label}.mp4"), label, method, pair, subset)
    features: dict[str, float | None] = dict.fromkeys(td.TRACK_FEATURES)
    features["chip_logit_mean"] = logit
    return td.ClipTracks(clip, [features])


def _made_up_set() -> tuple[list[td.ClipTracks], dict[str, int]]:
    rng = np.random.default_rng(0)
    judged = []
    for i in range(30):
        pair = f"p{i}"
        judged.append(_judged(0, "original", "ffpp", pair, float(rng.normal(-0.5, 0.2))))
        judged.append(_judged(1, "Deepfakes", "ffpp", pair, float(rng.normal(0.3, 0.2))))
    return judged, {f"p{i}": i % td.FOLDS for i in range(30)}


def test_out_of_fold_scores_rank_fakes_above_reals_when_the_feature_separates() -> None:
    judged, folds = _made_up_set()
    scores = td.out_of_fold_clip_scores(judged, folds, ("chip_logit_mean",))
    threshold, negative = td.band(judged, scores)
    metrics = td.evaluate(judged, scores, threshold, negative)
    assert metrics["auc"] is not None and metrics["auc"] > 0.95
    assert negative <= threshold and threshold >= 0.5
    per_method = metrics["per_method"]
    assert isinstance(per_method, dict) and per_method["Deepfakes"]["fakes"] == 30
    assert metrics["pairs_fake_above_real"]["comparisons"] == 30  # type: ignore[index]


def test_a_clip_takes_its_most_suspicious_track() -> None:
    model = td.fit_track_model(
        [{"chip_logit_mean": v} for v in (-1.0, -0.8, 0.8, 1.0)],
        np.array([0.0, 0.0, 1.0, 1.0]),
        ("chip_logit_mean",),
    )
    low, high = {"chip_logit_mean": -1.0}, {"chip_logit_mean": 1.0}
    assert td.clip_score(model, [low, high]) == model.score(high) > model.score(low)
    assert td.clip_score(model, []) is None


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_model(tmp_path: Path, shared_data: Path) -> None:
    assert (
        td.main(["--data", str(shared_data), "--out", str(tmp_path), "--cache", str(tmp_path)]) == 0
    )
    metrics = json.loads((tmp_path / "deepfake_metrics.json").read_text())
    retrained = td.TrackModel.from_npz((tmp_path / "deepfake_model.npz").read_bytes())
    shipped = load_track_model()
    assert retrained.features == shipped.features
    assert retrained.weights == pytest.approx(shipped.weights, abs=1e-6)
    assert (retrained.threshold, retrained.negative_below) == pytest.approx(
        (shipped.threshold, shipped.negative_below), abs=1e-4
    )
    assert metrics["out_of_fold"]["clips_scored"] == 128
