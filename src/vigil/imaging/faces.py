"""Faces in an RGB image: detection, alignment and identity descriptors, with
the models that ship in wheels (`dlib-bin` plus `face-recognition-models`).

- detection: dlib's HOG frontal-face detector (no weights file, in dlib);
- landmarks: the 5-point shape predictor only (the 68-point model of the same
  package is licensed for non-commercial use, so it is never loaded);
- descriptors: dlib's ResNet face-recognition model, 128 numbers per face;
  two faces of one person lie closer than `SAME_FACE_DISTANCE`.

Models are loaded lazily, once per process, under a lock. Without dlib or the
model package `faces_available()` is False and the other functions raise
`FacesUnavailable`; detectors check first and report `unsupported`.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DESCRIPTOR_SIZE",
    "Face",
    "FacesUnavailable",
    "MAX_ANALYSED_SIDE",
    "SAME_FACE_DISTANCE",
    "descriptor_distance",
    "detect_faces",
    "face_chip",
    "face_descriptor",
    "faces_available",
]

SAME_FACE_DISTANCE = 0.6
"""Euclidean distance between descriptors under which two faces are taken as
one person: dlib's published operating point (99.38 % on LFW). On six shared
video clips, frames of one clip lay 0.23-0.33 apart and faces of different
clips 0.61-1.03, except a real face and its FF++ Deepfakes swap (0.55): a swap
keeps part of the target's face shape (tests/imaging/test_faces.py checks
two clips)."""

DESCRIPTOR_SIZE = 128
MAX_ANALYSED_SIDE = 1280
"""Longer frames are shrunk to this long side before detection; boxes are mapped back."""
_HOG_MIN_FACE = 80
"""The HOG detector's sliding window finds faces of about 80 px and larger."""
_LANDMARKS = "shape_predictor_5_face_landmarks.dat"
_RESNET = "dlib_face_recognition_resnet_model_v1.dat"


class FacesUnavailable(RuntimeError):
    """dlib or the face-recognition-models package is not installed."""


@dataclass(frozen=True, slots=True)
class Face:
    box: tuple[int, int, int, int]
    """x, y, width, height in pixels of the analysed image (clipped to it)."""
    landmarks: tuple[tuple[float, float], ...]
    """5 points in dlib's order: right eye outer, right eye inner, left eye
    outer, left eye inner, nose base (image coordinates)."""
    detection_score: float
    """HOG detector margin; 0 is its default decision boundary, higher is surer."""


def _models_folder() -> Path | None:
    # the package's __init__ imports pkg_resources (gone from new setuptools):
    # find its folder without importing it
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def faces_available() -> bool:
    """True when dlib and both model files (5-point landmarks, ResNet) are installed."""
    if importlib.util.find_spec("dlib") is None:
        return False
    folder = _models_folder()
    return folder is not None and all((folder / n).is_file() for n in (_LANDMARKS, _RESNET))


@dataclass(frozen=True, slots=True)
class _Models:
    detector: Any
    landmarks: Any
    resnet: Any


_lock = threading.Lock()
_loaded: list[_Models] = []


def _models() -> _Models:
    """The three dlib models, loaded on first use, once per process."""
    if _loaded:
        return _loaded[0]
    with _lock:
        if not _loaded:
            if not faces_available():
                raise FacesUnavailable(
                    "face analysis needs dlib-bin and face-recognition-models "
                    "(pip install 'vigil-forensics[image]')"
                )
            import dlib

            folder = _models_folder()
            assert folder is not None
            _loaded.append(
                _Models(
                    dlib.get_frontal_face_detector(),
                    dlib.shape_predictor(str(folder / _LANDMARKS)),
                    dlib.face_recognition_model_v1(str(folder / _RESNET)),
                )
            )
    return _loaded[0]


def _as_rgb(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    import numpy as np

    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 RGB array, got shape {rgb.shape}")
    # dlib rejects non-contiguous arrays (PyAV frames, slices) and non-uint8 ones
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _working_scale(height: int, width: int, min_size: int) -> float:
    """Scale at which faces of `min_size` px reach the HOG window, capped so the
    working image's long side stays within MAX_ANALYSED_SIDE (and at most 2x up)."""
    want = _HOG_MIN_FACE / max(min_size, 1)
    cap = MAX_ANALYSED_SIDE / max(height, width)
    return min(want, cap, 2.0)


def _resized(rgb: NDArray[np.uint8], scale: float) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image

    if abs(scale - 1.0) < 1e-3:
        return rgb
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    out = Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(out))


def detect_faces(rgb: NDArray[np.uint8], *, min_size: int = 40, max_faces: int = 20) -> list[Face]:
    """Frontal faces of at least about `min_size` px, best first, at most `max_faces`.

    The image is rescaled so that `min_size` faces reach the detector's 80-px
    window (up to 2x up; big frames shrink to a 1280-px long side, so faces
    under about 80 px in the working image can be missed); boxes and landmarks
    are given in the coordinates of `rgb`.
    """
    image = _as_rgb(rgb)
    height, width = image.shape[:2]
    if height < 8 or width < 8 or max_faces <= 0:
        return []
    models = _models()
    scale = _working_scale(height, width, min_size)
    work = _resized(image, scale)
    rects, scores, _ = models.detector.run(work, 0, 0.0)
    found = sorted(zip(scores, rects, strict=True), key=lambda pair: -pair[0])[:max_faces]
    faces = []
    for score, rect in found:
        shape = models.landmarks(work, rect)
        points = tuple(
            (round(shape.part(i).x / scale, 2), round(shape.part(i).y / scale, 2))
            for i in range(shape.num_parts)
        )
        box = _clipped_box(rect, scale, width, height)
        if box is None or min(box[2], box[3]) < min_size * 0.5:
            continue
        faces.append(Face(box, points, round(float(score), 4)))
    return faces


def _clipped_box(
    rect: Any, scale: float, width: int, height: int
) -> tuple[int, int, int, int] | None:
    x0 = max(0, round(rect.left() / scale))
    y0 = max(0, round(rect.top() / scale))
    x1 = min(width, round((rect.right() + 1) / scale))
    y1 = min(height, round((rect.bottom() + 1) / scale))
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _shape(face: Face) -> Any:
    import dlib

    x, y, w, h = face.box
    rect = dlib.rectangle(x, y, x + w - 1, y + h - 1)
    points = dlib.points()
    for px, py in face.landmarks:
        points.append(dlib.point(round(px), round(py)))
    return dlib.full_object_detection(rect, points)


def face_chip(
    rgb: NDArray[np.uint8], face: Face, size: int = 150, padding: float = 0.25
) -> NDArray[np.uint8]:
    """The face rotated upright and scaled by its landmarks: size x size x 3 RGB uint8."""
    import dlib
    import numpy as np

    _models()  # raises FacesUnavailable before touching dlib types
    chip = dlib.get_face_chip(_as_rgb(rgb), _shape(face), size=size, padding=padding)
    return np.ascontiguousarray(chip, dtype=np.uint8)


def face_descriptor(rgb: NDArray[np.uint8], face: Face) -> NDArray[np.float32]:
    """The face's 128-D identity descriptor (dlib ResNet, no jitter), float32."""
    import numpy as np

    models = _models()
    vector = models.resnet.compute_face_descriptor(_as_rgb(rgb), _shape(face), 0)
    return np.asarray(vector, dtype=np.float32).reshape(DESCRIPTOR_SIZE)


def descriptor_distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    """Euclidean distance between two descriptors; compare with SAME_FACE_DISTANCE."""
    import numpy as np

    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
