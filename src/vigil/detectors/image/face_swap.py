"""`image.face_swap`: each face in an image, aligned by its 5 landmarks and
scored for signs of a face swap or reenactment (face_swap_features.py, a small
NumPy model trained by `vigil train face-swap`), with its 128-D descriptor
emitted as a `face_embedding` indicator so faces can be linked across items
and cases.

`FaceSwapScorer` is the reusable part: the video detector scores chips of
video frames with it.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.detectors.image.synthetic import OUT_OF_RANGE, SyntheticModel
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, Indicator, JsonValue, Status, Verdict
from vigil.imaging import ImageProblem, read_and_decode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vigil.imaging.faces import Face

__all__ = [
    "EMBEDDING_KIND",
    "FaceSwapScorer",
    "ImageFaceSwapDetector",
    "ImageFaceSwapOptions",
    "embedding_indicator",
]

LABEL = "image.face_swap"
MODEL_FILE = "face_swap_model.npz"
EMBEDDING_KIND = "face_embedding"
SMALL_FACE = 64
"""Faces narrower than this many pixels are too poor for a verdict."""


class FaceSwapScorer:
    """Calibrated probability that an aligned face chip is swapped or reenacted.

    Make chips with `face_chip(rgb, face, scorer.chip_size, scorer.chip_padding)`
    (or call `score_face`): the features expect that framing.
    """

    def __init__(self, model: SyntheticModel, model_sha256: str) -> None:
        from vigil.detectors.image.face_swap_features import CHIP_PADDING, CHIP_SIZE

        self._model = model
        self.threshold = model.threshold
        self.negative_below = model.negative_below
        self.model_sha256 = model_sha256
        """SHA-256 of the shipped face_swap_model.npz."""
        self.chip_size = CHIP_SIZE
        self.chip_padding = CHIP_PADDING

    @classmethod
    def load(cls) -> FaceSwapScorer:
        """The shipped model, loaded once per process (arrays only, no pickle)."""
        return _shipped_scorer()

    def score(self, chip: NDArray[np.uint8]) -> float:
        from vigil.detectors.image.face_swap_features import features

        return self._model.score(features(chip))

    def assess(self, chip: NDArray[np.uint8]) -> tuple[float, float]:
        """The score and how far outside the training data the chip's features lie
        (largest |standardised feature|, in training standard deviations)."""
        from vigil.detectors.image.face_swap_features import features

        vector = features(chip)
        return self._model.score(vector), self._model.distance(vector)

    def score_face(self, rgb: NDArray[np.uint8], face: Face) -> float:
        from vigil.imaging.faces import face_chip

        return self.score(face_chip(rgb, face, self.chip_size, self.chip_padding))


@functools.cache
def _shipped_scorer() -> FaceSwapScorer:
    import numpy as np

    raw = files("vigil.detectors.image").joinpath(MODEL_FILE).read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        arrays = {name: np.asarray(archive[name], dtype=np.float64) for name in archive.files}
    return FaceSwapScorer(SyntheticModel(arrays), hashlib.sha256(raw).hexdigest())


def embedding_indicator(vector: NDArray[np.float32]) -> Indicator:
    """A face descriptor as an indicator: the value is a short id of the exact
    vector (same image, same id); linking the same face across images compares
    the vectors (`vigil.imaging.faces.SAME_FACE_DISTANCE`)."""
    import numpy as np

    rounded = np.round(np.asarray(vector, dtype=np.float64), 4)
    digest = hashlib.sha256(rounded.astype("<f4").tobytes()).hexdigest()[:16]
    return Indicator(
        kind=EMBEDDING_KIND,
        value=f"face:{digest}",
        raw="dlib_resnet_v1",
        vector=tuple(float(v) for v in rounded),
    )


class ImageFaceSwapOptions(DetectorOptions):
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    max_pixels: int = Field(default=60_000_000, ge=1, le=400_000_000)
    min_face: int = Field(default=40, ge=20, le=2000)
    """Smallest face side in pixels to look for."""
    max_faces: int = Field(default=20, ge=1, le=200)
    embeddings: bool = True
    """Emit each face's 128-D descriptor as a face_embedding indicator."""
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    negative_below: float | None = Field(default=None, ge=0.0, le=1.0)


class ImageFaceSwapDetector(Detector):
    name = "image_face_swap"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:face_swap.md"
    model_files = (f"vigil.detectors.image:{MODEL_FILE}",)
    requires = ("PIL", "numpy", "cv2", "dlib", "face_recognition_models")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageFaceSwapOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageFaceSwapOptions)
        from vigil.imaging.faces import detect_faces, faces_available

        decoded = read_and_decode(item, opts.max_bytes, opts.max_pixels)
        if isinstance(decoded, ImageProblem):
            yield Finding.problem(LABEL, decoded.status, decoded.reason)
            return
        if not faces_available():
            yield Finding.problem(
                LABEL, Status.UNSUPPORTED, "The face models (dlib) are not installed."
            )
            return
        found = detect_faces(decoded.rgb, min_size=opts.min_face, max_faces=opts.max_faces)
        if not found:
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                f"No frontal face of {opts.min_face} px or more was found; nothing to score.",
                details={"faces": 0},
            )
            return
        scorer = FaceSwapScorer.load()
        for index, face in enumerate(found):
            yield _face_finding(item, decoded.rgb, face, index, scorer, opts)

    @classmethod
    def examples(cls) -> list[Example]:
        """A picture without a face: nothing to score. No self-made face is
        shipped (the model is not trustworthy on drawings either way)."""
        from vigil.imaging.samples import plain_png

        return [
            Example(
                "gradient PNG: no face",
                plain_png(160, 120),
                "no_face.png",
                "image/png",
                LABEL,
                Verdict.INCONCLUSIVE,
            )
        ]


def _face_finding(
    item: EvidenceView,
    rgb: NDArray[np.uint8],
    face: Face,
    index: int,
    scorer: FaceSwapScorer,
    opts: ImageFaceSwapOptions,
) -> Finding:
    from vigil.imaging.faces import face_chip, face_descriptor

    chip = face_chip(rgb, face, scorer.chip_size, scorer.chip_padding)
    raw_score, distance = scorer.assess(chip)
    score = round(raw_score, 4)
    threshold = scorer.threshold if opts.threshold is None else opts.threshold
    negative = scorer.negative_below if opts.negative_below is None else opts.negative_below
    negative = min(negative, threshold)
    x, y, w, h = face.box
    details: dict[str, JsonValue] = {
        "face": index,
        "box": [x, y, w, h],
        "detection_score": face.detection_score,
        "band": [round(negative, 4), round(threshold, 4)],
        "feature_distance": round(distance, 2),
    }
    text = _explanation(score, threshold, negative)
    poor = _too_poor(w, distance)
    indicators = (embedding_indicator(face_descriptor(rgb, face)),) if opts.embeddings else ()
    finding = Finding.scored(
        LABEL,
        score,
        threshold,
        text,
        negative_below=negative,
        locator=item.locator.child("pixel_box", f"{x},{y},{w},{h}"),
        artefacts=(Artefact(f"face_{index}.jpg", "image/jpeg", _jpeg(chip)),),
        details=details,
        indicators=indicators,
    )
    if poor is None or finding.verdict is Verdict.INCONCLUSIVE:
        return finding
    return Finding(
        label=LABEL,
        score=score,
        threshold=threshold,
        verdict=Verdict.INCONCLUSIVE,
        explanation=text.rstrip(".") + f", but {poor}, so inconclusive.",
        negative_below=negative,
        locator=finding.locator,
        artefacts=finding.artefacts,
        details=details,
        indicators=indicators,
    )


def _explanation(score: float, threshold: float, negative: float) -> str:
    if score >= threshold:
        return (
            f"The face shows blending and texture mismatches typical of a face swap "
            f"(score {score:.2f} ≥ threshold {threshold:.2f})."
        )
    if score < negative:
        return (
            f"The face blends with its surroundings like an untouched face (score {score:.2f} < "
            f"{negative:.2f}); swap methods unlike the training set can still pass."
        )
    return (
        f"The face's score is between the bounds ({negative:.2f}–{threshold:.2f}): "
        f"inconclusive (score {score:.2f})."
    )


def _too_poor(width: int, distance: float) -> str | None:
    if width < SMALL_FACE:
        return f"the face is only {width} px wide"
    if distance > OUT_OF_RANGE:
        return f"its statistics lie far outside the training data (distance {distance:.0f})"
    return None


def _jpeg(chip: NDArray[np.uint8]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(chip).resize((150, 150)).save(out, "JPEG", quality=85)
    return out.getvalue()
