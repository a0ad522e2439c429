"""image_face_swap: the shipped model loads without pickle and matches the
features; each face gives a finding with a pixel box, a chip artefact and a
persisted face_embedding indicator; no face gives one unsupported finding."""

from __future__ import annotations

import io
import json
from importlib.resources import files
from pathlib import Path

import pytest
from image_test_helpers import run_detector

from vigil.detectors.image.face_swap import (
    EMBEDDING_KIND,
    FaceSwapScorer,
    ImageFaceSwapDetector,
    embedding_indicator,
)
from vigil.detectors.image.face_swap_features import CHIP_SIZE, FEATURE_NAMES, features
from vigil.domain.model import Status, Verdict
from vigil.imaging import decode_image, faces
from vigil.imaging.samples import drawn_face_png, plain_png

np = pytest.importorskip("numpy")
pytest.importorskip("cv2")
needs_faces = pytest.mark.skipif(not faces.faces_available(), reason="dlib models not installed")

LABEL = "image.face_swap"


def test_model_file_is_arrays_only_and_matches_the_features() -> None:
    raw = files("vigil.detectors.image").joinpath("face_swap_model.npz").read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        assert archive["mean"].shape == (len(FEATURE_NAMES),)
    scorer = FaceSwapScorer.load()
    assert scorer is FaceSwapScorer.load()
    assert 0.0 < scorer.negative_below <= scorer.threshold < 1.0
    assert len(scorer.model_sha256) == 64
    metrics = json.loads(
        files("vigil.detectors.image").joinpath("face_swap_metrics.json").read_text()
    )
    assert metrics["features"] == list(FEATURE_NAMES)
    assert metrics["threshold"] == pytest.approx(scorer.threshold, abs=1e-4)
    assert metrics["chip"] == {"size": scorer.chip_size, "padding": scorer.chip_padding}
    assert len(raw) < 10 << 20


def test_features_are_deterministic_finite_and_size_independent() -> None:
    chip = np.random.default_rng(0).integers(0, 256, (CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    first, second = features(chip), features(chip.copy())
    assert first.shape == (len(FEATURE_NAMES),)
    assert np.array_equal(first, second) and np.isfinite(first).all()
    # a chip of another size is resized first; a flat one gives finite numbers too
    assert features(chip[:150, :150]).shape == first.shape
    assert np.isfinite(features(np.zeros((CHIP_SIZE, CHIP_SIZE, 3), np.uint8))).all()
    score = FaceSwapScorer.load().score(chip)
    assert 0.0 <= score <= 1.0


def test_no_face_gives_one_unsupported_finding() -> None:
    [finding] = run_detector(ImageFaceSwapDetector, plain_png(160, 120))
    assert finding.label == LABEL
    assert finding.status is Status.UNSUPPORTED
    assert "No frontal face" in finding.explanation


@needs_faces
def test_each_face_has_a_box_a_chip_and_an_embedding() -> None:
    [finding] = run_detector(ImageFaceSwapDetector, drawn_face_png())
    assert finding.status is Status.OK and finding.score is not None
    assert 0.0 <= finding.score <= 1.0
    [step] = finding.locator.steps
    assert step.kind == "pixel_box"
    x, y, w, h = (int(v) for v in step.value.split(","))
    assert w > 100 and h > 100 and x >= 0 and y >= 0
    [artefact] = finding.artefacts
    assert artefact.media_type == "image/jpeg" and artefact.data[:2] == b"\xff\xd8"
    [indicator] = finding.indicators
    assert indicator.kind == EMBEDDING_KIND and indicator.value.startswith("face:")
    assert indicator.vector is not None and len(indicator.vector) == faces.DESCRIPTOR_SIZE
    # same pixels, same id; the detector's verdict agrees with its band
    again = run_detector(ImageFaceSwapDetector, drawn_face_png())[0]
    assert again.indicators == finding.indicators and again.score == finding.score
    if finding.verdict is not Verdict.INCONCLUSIVE:
        assert (finding.verdict is Verdict.POSITIVE) == (finding.score >= finding.threshold)


@needs_faces
def test_embeddings_can_be_switched_off_and_score_face_matches_score() -> None:
    [finding] = run_detector(ImageFaceSwapDetector, drawn_face_png(), embeddings=False)
    assert finding.indicators == ()
    rgb = decode_image(drawn_face_png()).rgb  # type: ignore[union-attr]
    [face] = faces.detect_faces(rgb)
    scorer = FaceSwapScorer.load()
    chip = faces.face_chip(rgb, face, scorer.chip_size, scorer.chip_padding)
    assert scorer.score_face(rgb, face) == pytest.approx(scorer.score(chip))
    assert round(scorer.score(chip), 4) == finding.score


def test_embedding_ids_are_stable_for_equal_vectors() -> None:
    vector = np.linspace(-0.2, 0.2, 128, dtype=np.float32)
    first, second = embedding_indicator(vector), embedding_indicator(vector.copy())
    assert first == second
    assert embedding_indicator(vector + 0.01).value != first.value


@needs_faces
def test_face_embeddings_persist_through_the_store(workspace: object, tmp_path: Path) -> None:
    from vigil.runner import InlineBackend
    from vigil.services.analysis import analyze_case
    from vigil.services.cases import add_evidence, create_case
    from vigil.services.workspace import Workspace

    assert isinstance(workspace, Workspace) and workspace.services_factory is not None
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "face.png").write_bytes(drawn_face_png())
    create_case(workspace, "faces")
    add_evidence(workspace, "faces", [evidence])
    backend = InlineBackend(workspace.registry, workspace.services_factory)
    analyze_case(workspace, "faces", ["image_face_swap"], backend=backend)
    [stored] = workspace.store.list_indicators(kind=EMBEDDING_KIND)
    assert stored.detector == "image_face_swap"
    assert stored.indicator.vector is not None and len(stored.indicator.vector) == 128
    assert stored.locator.steps[-1].kind == "pixel_box"
