"""`image.synthetic` from a user's own ONNX model (e.g. a CLIP-based linear
probe they trained), configured in vigil.toml as `[detectors.image_synthetic_onnx]`.

No model ships: without `model_path` the options are not ready and the runner
leaves this detector out. The image is decoded within the usual limits, resized
(shorter side) and centre-cropped to `input_size`, normalised with the user's
mean and std and fed as one NCHW float32 tensor. The model's input and output
shapes are checked before any inference; a model that cannot be loaded or does
not fit gives an `unsupported` finding that says why, never an exception.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status, Verdict
from vigil.imaging import DecodedImage, ImageProblem, read_and_decode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "ImageSyntheticOnnxDetector",
    "ImageSyntheticOnnxOptions",
    "MAX_MODEL_BYTES",
    "model_file_sha256",
]

LABEL = "image.synthetic"
MAX_MODEL_BYTES = 2 << 30
"""Protobuf's own limit for a single-file ONNX model."""
EXAMPLE_MODEL = "synthetic_onnx_example.onnx"
"""A 350-byte fixture (logit = 10 x (mean brightness - 0.5)) for the contract
examples only, written by tests/detectors/image/onnx_models.py; it is not a
synthetic-image detector."""
_CHUNK = 1 << 20

Triple = tuple[float, float, float]


class ImageSyntheticOnnxOptions(DetectorOptions):
    model_path: Path | None = None
    """The user's ONNX model file; unset means the detector is not ready."""
    input_size: int = Field(default=224, ge=8, le=2048)
    mean: Triple = (0.48145466, 0.4578275, 0.40821073)
    """Per-channel RGB mean of pixels scaled to [0, 1] (CLIP's by default)."""
    std: Triple = (0.26862954, 0.26130258, 0.27577711)
    output: Literal["probability", "logit"] = "probability"
    """What the model's first output holds: probabilities, or logits (one
    value: sigmoid; several: softmax)."""
    positive_index: int = Field(default=1, ge=0, le=4095)
    """Which output value is 'synthetic'."""
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    negative_below: float | None = Field(default=None, ge=0.0, le=1.0)
    """Scores from here up to the threshold are inconclusive; unset: no band."""
    min_side: int = Field(default=32, ge=1, le=4096)
    """Smaller images are not judged: upscaled pixels carry no evidence."""
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    max_pixels: int = Field(default=60_000_000, ge=1, le=400_000_000)

    @model_validator(mode="after")
    def _band_is_ordered(self) -> ImageSyntheticOnnxOptions:
        if any(s <= 0 for s in self.std):
            raise ValueError("std values must be positive")
        if self.negative_below is not None and self.negative_below > self.threshold:
            raise ValueError("negative_below must not exceed threshold")
        return self

    def not_ready(self) -> str | None:
        if self.model_path is None:
            return (
                "no model is configured: set model_path under "
                "[detectors.image_synthetic_onnx] in VIGIL_HOME/vigil.toml"
            )
        path = self.model_path
        if not path.is_file():
            return f"the model file {path} does not exist or is not a file"
        if not os.access(path, os.R_OK):
            return f"the model file {path} cannot be read"
        if path.stat().st_size > MAX_MODEL_BYTES:
            return f"the model file {path} is over the {MAX_MODEL_BYTES >> 30} GiB limit"
        return None


def model_file_sha256(path: Path) -> str:
    """SHA-256 of a model file, re-read only when its inode, size, mtime or
    ctime changes (a model can be hundreds of MB; items are many)."""
    stat = path.stat()
    key = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return _file_sha256(str(path.resolve()), key)


@functools.lru_cache(maxsize=16)
def _file_sha256(path: str, stat_key: tuple[int, int, int, int]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class _Loaded:
    session: object
    input_name: str
    input_shape: tuple[int | str | None, ...]
    output_shape: tuple[int | str | None, ...]


@functools.lru_cache(maxsize=2)
def _load(path: str, sha256: str) -> _Loaded | str:
    """One onnxruntime session per (path, content) per process, from the very
    bytes that were hashed; a reason string when the file is no usable model."""
    import onnxruntime as ort

    with open(path, "rb") as stream:
        data = stream.read(MAX_MODEL_BYTES + 1)
    if len(data) > MAX_MODEL_BYTES:
        return f"the model file is over the {MAX_MODEL_BYTES >> 30} GiB limit"
    if hashlib.sha256(data).hexdigest() != sha256:
        return "the model file changed while it was being read"
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1  # workers parallelise over items
    opts.log_severity_level = 4
    try:
        session = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad models
        return f"onnxruntime cannot load it ({type(exc).__name__}: {str(exc)[:200]})"
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or not outputs:
        return f"the model has {len(inputs)} inputs and {len(outputs)} outputs; 1 and ≥1 needed"
    if inputs[0].type != "tensor(float)" or "float" not in outputs[0].type:
        return f"the model takes {inputs[0].type} and gives {outputs[0].type}; float tensors needed"
    return _Loaded(session, inputs[0].name, tuple(inputs[0].shape), tuple(outputs[0].shape))


def _fixed(dim: int | str | None) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


def _shape_problem(model: _Loaded, opts: ImageSyntheticOnnxOptions) -> str | None:
    """Why the model's declared shapes do not fit the options, or None."""
    shape = model.input_shape
    size = opts.input_size
    if len(shape) != 4:
        return f"the model input has shape {list(shape)}; [batch, 3, height, width] is needed"
    batch, channels, height, width = (_fixed(d) for d in shape)
    if batch not in (None, 1) or channels not in (None, 3):
        return f"the model input has shape {list(shape)}; batch 1 and 3 channels are needed"
    for dim in (height, width):
        if dim not in (None, size):
            return (
                f"the model expects {height}x{width} pixels but input_size is {size}; "
                "set input_size to match"
            )
    out = model.output_shape
    if len(out) not in (1, 2) or _fixed(out[0]) not in (None, 1):
        return f"the model output has shape {list(out)}; [batch] or [batch, classes] is needed"
    classes = _fixed(out[1]) if len(out) == 2 else 1
    if classes is not None and opts.positive_index >= classes:
        return (
            f"positive_index is {opts.positive_index} but the model gives {classes} value(s) "
            "per image"
        )
    return None


def model_input(rgb: NDArray[np.uint8], opts: ImageSyntheticOnnxOptions) -> NDArray[np.float32]:
    """Shorter side resized to input_size, centre crop, scaled to [0, 1],
    normalised, as a [1, 3, size, size] float32 tensor."""
    import numpy as np
    from PIL import Image, ImageOps

    size = opts.input_size
    image = ImageOps.fit(Image.fromarray(rgb), (size, size), Image.Resampling.BICUBIC)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    normalised = (pixels - np.asarray(opts.mean, np.float32)) / np.asarray(opts.std, np.float32)
    return np.ascontiguousarray(normalised.transpose(2, 0, 1)[None], dtype=np.float32)


def _score(raw: NDArray[np.float32], opts: ImageSyntheticOnnxOptions) -> float | str:
    """The positive probability from the model's first output, or why not."""
    import numpy as np

    values = np.asarray(raw, dtype=np.float64).reshape(-1)
    if values.size == 0 or opts.positive_index >= values.size:
        return (
            f"the model gave {values.size} value(s); positive_index {opts.positive_index} "
            "needs more"
        )
    if not np.isfinite(values).all():
        return "the model gave a non-finite output"
    if opts.output == "logit":
        if values.size == 1:
            return float(1.0 / (1.0 + np.exp(-np.clip(values[0], -60.0, 60.0))))
        shifted = np.exp(values - values.max())
        return float(shifted[opts.positive_index] / shifted.sum())
    value = float(values[opts.positive_index])
    if not 0.0 <= value <= 1.0:
        return (
            f'the model gave {value:.4g}, outside [0, 1]; set output = "logit" if it gives logits'
        )
    return value


class ImageSyntheticOnnxDetector(Detector):
    name = "image_synthetic_onnx"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:synthetic_onnx.md"
    requires = ("PIL", "numpy", "onnxruntime")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageSyntheticOnnxOptions

    @classmethod
    def model_sha256_for(cls, options: DetectorOptions) -> str | None:
        assert isinstance(options, ImageSyntheticOnnxOptions)
        if options.model_path is None:
            return None
        try:
            return model_file_sha256(options.model_path)
        except OSError:
            return None

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageSyntheticOnnxOptions)
        ready = _ready_model(opts)
        if isinstance(ready, Finding):
            yield ready
            return
        model, sha256 = ready
        decoded = read_and_decode(item, opts.max_bytes, opts.max_pixels)
        if isinstance(decoded, ImageProblem):
            yield Finding.problem(LABEL, decoded.status, decoded.reason)
            return
        if min(decoded.width, decoded.height) < opts.min_side:
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                f"The image is {decoded.width}x{decoded.height}; the shorter side must be at "
                f"least {opts.min_side} px (min_side) to be judged.",
            )
            return
        score = _run(model, model_input(decoded.rgb, opts), opts)
        if isinstance(score, str):
            yield _model_problem(score, sha256)
            return
        yield _finding(round(score, 4), opts, decoded, sha256)

    @classmethod
    def example_options(cls) -> dict[str, object]:
        """The packaged brightness fixture, so the contract examples exercise
        the whole path without a user's model."""
        return {
            "model_path": str(files("vigil.detectors.image").joinpath(EXAMPLE_MODEL)),
            "input_size": 32,
            "mean": [0.0, 0.0, 0.0],
            "std": [1.0, 1.0, 1.0],
            "output": "logit",
            "positive_index": 0,
            "threshold": 0.7,
            "negative_below": 0.3,
        }

    @classmethod
    def examples(cls) -> list[Example]:
        """With `example_options` (brightness fixture): a white image is
        'positive', a black one 'negative'; an 8x8 image is not judged."""
        from vigil.imaging.samples import plain_png

        return [
            Example("white PNG", _flat_png(255), "white.png", "image/png", LABEL, Verdict.POSITIVE),
            Example("black PNG", _flat_png(0), "black.png", "image/png", LABEL, Verdict.NEGATIVE),
            Example(
                "8x8 PNG: too small to judge",
                plain_png(8, 8),
                "tiny.png",
                "image/png",
                LABEL,
                Verdict.INCONCLUSIVE,
            ),
        ]


def _flat_png(value: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (value, value, value)).save(out, "PNG")
    return out.getvalue()


def _ready_model(opts: ImageSyntheticOnnxOptions) -> tuple[_Loaded, str] | Finding:
    """The loaded model and its file hash, or a problem finding saying why not."""
    reason = opts.not_ready()
    if reason is not None or opts.model_path is None:
        return Finding.problem(LABEL, Status.UNSUPPORTED, f"No model to run: {reason}.")
    try:
        sha256 = model_file_sha256(opts.model_path)
    except OSError as exc:
        return Finding.problem(LABEL, Status.UNSUPPORTED, f"The model file vanished: {exc}.")
    model = _load(str(opts.model_path.resolve()), sha256)
    problem = model if isinstance(model, str) else _shape_problem(model, opts)
    if problem is not None or isinstance(model, str):
        return _model_problem(problem or "", sha256)
    return model, sha256


def _run(
    model: _Loaded, tensor: NDArray[np.float32], opts: ImageSyntheticOnnxOptions
) -> float | str:
    try:
        outputs = model.session.run(None, {model.input_name: tensor})  # type: ignore[attr-defined]
    except Exception as exc:  # a model that loads can still fail at run time
        return f"inference failed ({type(exc).__name__}: {str(exc)[:200]})"
    return _score(outputs[0], opts)


def _model_problem(reason: str, sha256: str) -> Finding:
    return Finding.problem(
        LABEL,
        Status.UNSUPPORTED,
        f"The configured ONNX model cannot be used: {reason}.",
        details={"model_sha256": sha256},
    )


def _finding(
    score: float, opts: ImageSyntheticOnnxOptions, decoded: DecodedImage, sha256: str
) -> Finding:
    threshold = opts.threshold
    negative = threshold if opts.negative_below is None else opts.negative_below
    details: dict[str, JsonValue] = {
        "width": decoded.width,
        "height": decoded.height,
        "format": decoded.format,
        "band": [round(negative, 4), round(threshold, 4)],
        "model_sha256": sha256,
    }
    if score >= threshold:
        text = f"Your ONNX model scores the image as generated ({score:.2f} ≥ {threshold:.2f})."
    elif score < negative:
        text = f"Your ONNX model scores the image as not generated ({score:.2f} < {negative:.2f})."
    else:
        text = (
            f"Your ONNX model's score {score:.2f} is between the bounds "
            f"({negative:.2f}–{threshold:.2f}): inconclusive."
        )
    return Finding.scored(LABEL, score, threshold, text, negative_below=negative, details=details)
