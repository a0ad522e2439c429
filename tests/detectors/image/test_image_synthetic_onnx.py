"""image_synthetic_onnx with tiny ONNX models written here: known answers on
bright and dark images, the preprocessing, and clear reasons (never a crash)
for models that are missing, corrupt or shaped wrong."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from image_test_helpers import run_detector
from onnx_models import brightness_model, write_model

from vigil.detectors.image.synthetic_onnx import (
    EXAMPLE_MODEL,
    ImageSyntheticOnnxDetector,
    ImageSyntheticOnnxOptions,
    model_input,
)
from vigil.domain.errors import UsageError
from vigil.domain.model import Status, Verdict

np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")
pytest.importorskip("onnxruntime")


def _png(value: int, size: tuple[int, int] = (80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (value, value, value)).save(out, "PNG")
    return out.getvalue()


def _brightness_probability(value: int) -> float:
    """What brightness_model() should give for a flat grey image."""
    return float(1 / (1 + np.exp(-10 * (value / 255 - 0.5))))


def _neutral(model: Path, **extra: object) -> dict[str, object]:
    """Pixels in [0, 1] unnormalised, so the model sees raw brightness."""
    return {"model_path": str(model), "mean": [0, 0, 0], "std": [1, 1, 1], **extra}


def test_two_class_probabilities_give_positive_bright_and_negative_dark(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m.onnx", brightness_model(head="sigmoid", classes=2))
    opts = _neutral(model, threshold=0.7, negative_below=0.3)
    [bright] = run_detector(ImageSyntheticOnnxDetector, _png(230), **opts)
    [dark] = run_detector(ImageSyntheticOnnxDetector, _png(20), **opts)
    [grey] = run_detector(ImageSyntheticOnnxDetector, _png(128), **opts)
    assert bright.verdict is Verdict.POSITIVE and dark.verdict is Verdict.NEGATIVE
    assert bright.score == pytest.approx(_brightness_probability(230), abs=1e-3)
    assert dark.score == pytest.approx(_brightness_probability(20), abs=1e-3)
    assert grey.verdict is Verdict.INCONCLUSIVE
    assert bright.details["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert bright.details["band"] == [0.3, 0.7]


def test_single_logit_goes_through_a_sigmoid(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m.onnx", brightness_model(head="logit"))
    opts = _neutral(model, output="logit", positive_index=0)
    [bright] = run_detector(ImageSyntheticOnnxDetector, _png(230), **opts)
    assert bright.score == pytest.approx(_brightness_probability(230), abs=1e-3)
    # the same logits read as probabilities are out of range: said, not clipped
    [wrong] = run_detector(
        ImageSyntheticOnnxDetector, _png(230), **_neutral(model, positive_index=0)
    )
    assert wrong.status is Status.UNSUPPORTED and 'output = "logit"' in wrong.explanation


def test_input_is_resized_cropped_and_normalised_nchw() -> None:
    rgb = np.zeros((100, 300, 3), dtype=np.uint8)
    rgb[:, 100:200] = 255  # a white centre band that the centre crop keeps whole
    opts = ImageSyntheticOnnxOptions(input_size=50, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    tensor = model_input(rgb, opts)
    assert tensor.shape == (1, 3, 50, 50) and tensor.dtype == np.float32
    assert tensor[0, :, 25, 25] == pytest.approx([1.0, 1.0, 1.0], abs=1e-3)  # (1 - .5) / .5
    assert tensor.mean() > 0.9  # the dark sides were cropped away


def test_unusable_models_give_a_clear_reason(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07" + b"not a protobuf graph" * 50)
    [finding] = run_detector(ImageSyntheticOnnxDetector, _png(200), **_neutral(corrupt))
    assert finding.status is Status.UNSUPPORTED and finding.score is None
    assert "onnxruntime cannot load it" in finding.explanation

    fixed = write_model(tmp_path / "fixed.onnx", brightness_model(input_shape=(1, 3, 64, 64)))
    [finding] = run_detector(ImageSyntheticOnnxDetector, _png(200), **_neutral(fixed))
    assert "expects 64x64 pixels but input_size is 224" in finding.explanation
    [ok] = run_detector(
        ImageSyntheticOnnxDetector,
        _png(200),
        **_neutral(fixed, input_size=64, output="logit", positive_index=0),
    )
    assert ok.status is Status.OK

    single = write_model(tmp_path / "single.onnx", brightness_model())
    [finding] = run_detector(ImageSyntheticOnnxDetector, _png(200), **_neutral(single))
    assert "positive_index is 1 but the model gives 1 value(s)" in finding.explanation


def test_not_configured_and_bad_options(tmp_path: Path) -> None:
    assert "no model is configured" in str(ImageSyntheticOnnxOptions().not_ready())
    missing = ImageSyntheticOnnxOptions(model_path=tmp_path / "none.onnx")
    assert "does not exist" in str(missing.not_ready())
    [finding] = run_detector(ImageSyntheticOnnxDetector, _png(200))
    assert finding.status is Status.UNSUPPORTED and "No model to run" in finding.explanation
    with pytest.raises(UsageError, match="negative_below"):
        ImageSyntheticOnnxDetector.parse_options({"threshold": 0.4, "negative_below": 0.6})
    with pytest.raises(UsageError, match="std"):
        ImageSyntheticOnnxDetector.parse_options({"std": [1, 0, 1]})


def test_small_and_hostile_images_are_not_judged(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m.onnx", brightness_model(head="sigmoid", classes=2))
    [tiny] = run_detector(ImageSyntheticOnnxDetector, _png(255, (20, 200)), **_neutral(model))
    assert tiny.status is Status.UNSUPPORTED and "min_side" in tiny.explanation
    [broken] = run_detector(ImageSyntheticOnnxDetector, _png(255)[:60], **_neutral(model))
    assert broken.status is Status.UNREADABLE


def test_packaged_example_is_the_brightness_fixture() -> None:
    """The shipped contract fixture is what onnx_models.py writes, not an opaque blob."""
    from importlib.resources import files

    import onnxruntime as ort

    shipped = files("vigil.detectors.image").joinpath(EXAMPLE_MODEL).read_bytes()
    probe = np.random.default_rng(0).random((1, 3, 32, 32), dtype=np.float32)
    outputs = [
        ort.InferenceSession(raw, providers=["CPUExecutionProvider"]).run(None, {"image": probe})
        for raw in (shipped, brightness_model())
    ]
    assert np.allclose(outputs[0][0], outputs[1][0])
    assert len(shipped) < 1024
