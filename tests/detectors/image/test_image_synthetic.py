"""image_synthetic: the shipped model loads without pickle, features are
deterministic, scores are calibrated into a band, and training runs."""

from __future__ import annotations

import io
import json
from importlib.resources import files
from pathlib import Path

import pytest
from image_test_helpers import run_detector

from vigil.detectors.image.synthetic import ImageSyntheticDetector, load_model
from vigil.detectors.image.synthetic_features import FEATURE_NAMES, features
from vigil.domain.model import Status, Verdict

np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")

LABEL = "image.synthetic"


def _png(rgb: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


def test_model_file_is_arrays_only_and_matches_the_features() -> None:
    raw = files("vigil.detectors.image").joinpath("synthetic_model.npz").read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        assert archive["mean"].shape == (len(FEATURE_NAMES),)
    model = load_model()
    assert 0.0 < model.negative_below <= model.threshold < 1.0
    metrics = json.loads(
        files("vigil.detectors.image").joinpath("synthetic_metrics.json").read_text()
    )
    assert metrics["features"] == list(FEATURE_NAMES)
    assert metrics["threshold"] == pytest.approx(model.threshold, abs=1e-4)
    assert len(raw) < 10 << 20


def test_features_are_deterministic_and_finite() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (300, 280, 3), dtype=np.uint8)
    first, second = features(rgb), features(rgb.copy())
    assert first is not None and second is not None
    assert np.array_equal(first, second) and np.isfinite(first).all()
    assert first.shape == (len(FEATURE_NAMES),)
    assert features(rgb[:10, :10]) is None


def test_scores_are_calibrated_and_the_band_is_used() -> None:
    rng = np.random.default_rng(1)
    scores = []
    for seed in range(3):
        rgb = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8) // (seed + 1)
        finding = run_detector(ImageSyntheticDetector, _png(rgb))[0]
        assert finding.status is Status.OK and finding.score is not None
        assert finding.threshold == pytest.approx(load_model().threshold)
        assert finding.negative_below == pytest.approx(load_model().negative_below)
        scores.append(finding.score)
    assert all(0.0 < s < 1.0 for s in scores)
    # uniform noise is far from every training image: never a firm verdict
    forced = run_detector(
        ImageSyntheticDetector,
        _png(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)),
        threshold=0.0,
    )[0]
    assert forced.verdict is Verdict.INCONCLUSIVE
    assert forced.details["feature_distance"] > 8  # type: ignore[operator]


def test_small_and_broken_images() -> None:
    tiny = run_detector(ImageSyntheticDetector, _png(np.zeros((16, 16, 3), dtype=np.uint8)))[0]
    assert tiny.status is Status.UNSUPPORTED
    small = run_detector(
        ImageSyntheticDetector,
        _png(np.random.default_rng(2).integers(0, 256, (40, 40, 3), dtype=np.uint8)),
        threshold=0.0,
    )[0]
    assert small.verdict is Verdict.INCONCLUSIVE  # under 64 px: never a firm verdict
    assert run_detector(ImageSyntheticDetector, b"\x89PNG\r\n\x1a\n")[0].status is Status.UNREADABLE


def test_shared_images_score_in_range(shared_data: Path) -> None:
    folder = shared_data / "images" / "real_vs_synthetic" / "cnndetection" / "san"
    paths = sorted(folder.rglob("*.jpg"))[:4]
    assert paths
    for path in paths:
        finding = run_detector(ImageSyntheticDetector, path.read_bytes(), "image/jpeg")[0]
        assert finding.label == LABEL and finding.status is Status.OK
        assert finding.details["feature_distance"] < 8  # type: ignore[operator]
        forced = run_detector(
            ImageSyntheticDetector, path.read_bytes(), "image/jpeg", threshold=0.0
        )[0]
        assert forced.verdict is Verdict.POSITIVE


@pytest.mark.slow
def test_training_reproduces_the_shipped_metrics(shared_data: Path, tmp_path: Path) -> None:
    from vigil.detectors.image import train

    assert train.main(["--data", str(shared_data / "images"), "--out", str(tmp_path)]) == 0
    measured = json.loads((tmp_path / "synthetic_metrics.json").read_text())
    shipped = json.loads(
        files("vigil.detectors.image").joinpath("synthetic_metrics.json").read_text()
    )
    assert measured["logo_auc_clean"] == pytest.approx(shipped["logo_auc_clean"], abs=1e-9)
    assert measured["threshold"] == shipped["threshold"]
