"""`image.synthetic` from pixels alone: residual, local-correlation, spectral
and colour features (synthetic_features.py) scored by a small NumPy model
trained by `python -m vigil.detectors.image.train`, calibrated, with an
inconclusive band between the negative bound and the threshold."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status, Verdict
from vigil.imaging import DecodedImage, ImageProblem, read_and_decode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["ImageSyntheticDetector", "ImageSyntheticOptions", "SyntheticModel", "load_model"]

LABEL = "image.synthetic"
MODEL_FILE = "synthetic_model.npz"
FORMAT_VERSION = 1


class ImageSyntheticOptions(DetectorOptions):
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    max_pixels: int = Field(default=60_000_000, ge=1, le=400_000_000)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Override the trained positive threshold."""
    negative_below: float | None = Field(default=None, ge=0.0, le=1.0)
    """Override the trained negative bound."""


class SyntheticModel:
    """The exported arrays: standardisation, layers, Platt scaling, band."""

    def __init__(self, arrays: dict[str, NDArray[np.float64]]) -> None:
        version = int(arrays["format_version"][0])
        if version != FORMAT_VERSION:
            raise ValueError(f"model format {version}, expected {FORMAT_VERSION}")
        self.mean = arrays["mean"]
        self.scale = arrays["scale"]
        self.layers = [
            (arrays[f"w{i}"], arrays[f"b{i}"]) for i in range(int(arrays["n_layers"][0]))
        ]
        self.platt_a, self.platt_b = (float(v) for v in arrays["platt"])
        self.threshold, self.negative_below = (float(v) for v in arrays["band"])

    def distance(self, vector: NDArray[np.float64]) -> float:
        """Largest |standardised feature|: how far outside the training data."""
        import numpy as np

        return float(np.max(np.abs((vector - self.mean) / self.scale)))

    def score(self, vector: NDArray[np.float64]) -> float:
        import numpy as np

        from vigil.detectors.image.train import decision

        logit = float(decision(vector[None, :], self.mean, self.scale, self.layers)[0])
        z = float(np.clip(self.platt_a * logit + self.platt_b, -40.0, 40.0))
        return 1.0 / (1.0 + float(np.exp(-z)))


@functools.cache
def load_model() -> SyntheticModel:
    """Loaded once per process from package data, without pickle."""
    import numpy as np

    raw = files("vigil.detectors.image").joinpath(MODEL_FILE).read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        arrays = {name: np.asarray(archive[name], dtype=np.float64) for name in archive.files}
    return SyntheticModel(arrays)


class ImageSyntheticDetector(Detector):
    name = "image_synthetic"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:synthetic.md"
    model_files = (f"vigil.detectors.image:{MODEL_FILE}",)
    requires = ("PIL", "numpy")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageSyntheticOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageSyntheticOptions)
        from vigil.detectors.image.synthetic_features import MIN_SIDE, features

        decoded = read_and_decode(item, opts.max_bytes, opts.max_pixels)
        if isinstance(decoded, ImageProblem):
            yield Finding.problem(LABEL, decoded.status, decoded.reason)
            return
        vector = features(decoded.rgb)
        if vector is None:
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                f"The image is {decoded.width}x{decoded.height}; at least {MIN_SIDE} px a side "
                "is needed.",
            )
            return
        model = load_model()
        threshold = model.threshold if opts.threshold is None else opts.threshold
        negative = model.negative_below if opts.negative_below is None else opts.negative_below
        negative = min(negative, threshold)
        score = round(model.score(vector), 4)
        yield _finding(score, threshold, negative, decoded, model.distance(vector))

    @classmethod
    def examples(cls) -> list[Example]:
        """Only an input the model must refuse to judge: the model is weak
        (see the card), so no self-made image has a verdict it must give."""
        from vigil.imaging.samples import plain_png

        return [
            Example(
                "8x8 PNG: too small to judge",
                plain_png(8, 8),
                "tiny.png",
                "image/png",
                LABEL,
                Verdict.INCONCLUSIVE,
            )
        ]


OUT_OF_RANGE = 8.0
"""A feature this many training standard deviations away: outside the training data."""


def _finding(
    score: float, threshold: float, negative_below: float, decoded: DecodedImage, distance: float
) -> Finding:
    details: dict[str, JsonValue] = {
        "width": decoded.width,
        "height": decoded.height,
        "format": decoded.format,
        "band": [round(negative_below, 4), round(threshold, 4)],
        "feature_distance": round(distance, 2),
    }
    small = min(decoded.width, decoded.height) < 64
    unlike = distance > OUT_OF_RANGE
    if score >= threshold:
        text = f"Pixel statistics look generated (score {score:.2f} ≥ threshold {threshold:.2f})."
    elif score < negative_below:
        text = (
            f"Pixel statistics look like a camera photo (score {score:.2f} < "
            f"{negative_below:.2f}); generators unlike the training set can still pass."
        )
    else:
        text = (
            f"Pixel statistics are between the bounds ({negative_below:.2f}–{threshold:.2f}): "
            f"inconclusive (score {score:.2f})."
        )
    finding = Finding.scored(
        LABEL, score, threshold, text, negative_below=negative_below, details=details
    )
    if (small or unlike) and finding.verdict is not Verdict.INCONCLUSIVE:
        # noisy features or far outside the training data: downgrade, never invent a verdict
        why = (
            "the image is under 64 px"
            if small
            else f"its statistics lie far outside the training data (distance {distance:.0f})"
        )
        return Finding(
            label=LABEL,
            score=score,
            threshold=threshold,
            verdict=Verdict.INCONCLUSIVE,
            explanation=text.rstrip(".") + f", but {why}, so inconclusive.",
            negative_below=negative_below,
            details=details,
        )
    return finding
