"""Incremental face-track analysis of a video, the same for a recorded clip
and a live stream.

    analyser = ClipAnalyser(DlibFaces(), FaceSwapScorer.load(), track_model)
    for t, rgb in iter_frames(path, every_s=0.25):
        result = analyser.add_frame(t, rgb)      # faces, swap scores, track ids
        analyser.rolling_verdict(window_s=10.0)  # live: the last 10 s only
    summary = analyser.summary()                 # tracks, timelines, clip verdict

(`vigil.detectors.video.deepfake.default_analyser()` builds one with the
shipped models.) Frames must come in time order; any spacing works, but the
shipped track model was trained on the spacing its card names.

Per face: a detector box and 5 landmarks (`FaceBackend`), an aligned chip
scored by the face-swap chip scorer (P(manipulated), `ChipScorer`), a wider
context chip for colour, boundary and sharpness measures, and a track id
(`tracks.TrackLinker`: box overlap, then identity descriptors).

Per track, `TRACK_FEATURES`: chip-score statistics and temporal measures of
instability, all normalised by face size (they come from aligned chips or
from landmarks scaled by their own spread); second differences over three
consecutive samples, so smooth head motion largely cancels and frame-to-frame
flicker remains. `TrackModel` turns them into a calibrated score.

Not measured, on purpose: blinks (dlib's 5 points have no eyelid points, so
no eye aspect ratio) and lip/audio sync (no mouth landmarks, and the shared
set has too few fakes with audio to test it honestly).

Memory is bounded for hours-long input: at most `max_tracks` tracks are kept,
each with its last `max_observations` samples, a per-second timeline and its
`suspicious_per_track` highest-scoring chips.
"""

from __future__ import annotations

import heapq
import io
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vigil.domain.model import JsonValue, Verdict, decide_verdict
from vigil.video.tracks import Box, TrackLinker

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vigil.imaging.faces import Face

__all__ = [
    "TRACK_FEATURES",
    "AnalyserSettings",
    "ChipScorer",
    "ClipAnalyser",
    "ClipSummary",
    "DlibFaces",
    "FaceBackend",
    "FaceResult",
    "FrameResult",
    "Observation",
    "RollingVerdict",
    "SecondScore",
    "SuspiciousFrame",
    "TrackModel",
    "TrackSummary",
    "track_features",
]

TRACK_FEATURES = (
    "chip_logit_mean",
    "chip_logit_q90",
    "chip_logit_std",
    "landmark_jitter",
    "colour_flicker",
    "boundary_flicker",
    "sharpness_ratio",
)
"""Per-track features; a `TrackModel` uses a named subset of them."""

_LOGIT_CLIP = 9.0
_CONTEXT_SIZE = 96
_CONTEXT_PADDING = 0.5
"""Context chips: the aligned face fills the middle half, so its edge (where
a swapped face is blended in) falls in a fixed band of every chip."""


class FaceBackend(Protocol):
    """Face detection, alignment and identity (vigil.imaging.faces in production)."""

    @property
    def same_face_distance(self) -> float: ...

    def detect(self, rgb: NDArray[np.uint8]) -> Sequence[Face]: ...

    def chip(
        self, rgb: NDArray[np.uint8], face: Face, size: int, padding: float
    ) -> NDArray[np.uint8]: ...

    def descriptor(self, rgb: NDArray[np.uint8], face: Face) -> NDArray[np.float32]: ...


class ChipScorer(Protocol):
    """Scores one aligned face chip: calibrated P(manipulated)."""

    @property
    def chip_size(self) -> int: ...

    @property
    def chip_padding(self) -> float: ...

    def score(self, chip: NDArray[np.uint8]) -> float: ...


@dataclass(frozen=True, slots=True)
class DlibFaces:
    """`FaceBackend` over vigil.imaging.faces (dlib HOG, 5 points, ResNet).

    Without `min_size`, each frame looks for faces of a sixth of its short
    side, within 40-80 px: small frames are upscaled to find small faces,
    larger ones are not (upscaling costs time and finds background faces)."""

    min_size: int | None = None
    max_faces: int = 20

    def smallest_face(self, rgb: NDArray[np.uint8]) -> int:
        if self.min_size is not None:
            return self.min_size
        return max(40, min(80, int(min(rgb.shape[:2])) // 6))

    @property
    def same_face_distance(self) -> float:
        from vigil.imaging.faces import SAME_FACE_DISTANCE

        return SAME_FACE_DISTANCE

    def detect(self, rgb: NDArray[np.uint8]) -> Sequence[Face]:
        from vigil.imaging.faces import detect_faces

        return detect_faces(rgb, min_size=self.smallest_face(rgb), max_faces=self.max_faces)

    def chip(
        self, rgb: NDArray[np.uint8], face: Face, size: int, padding: float
    ) -> NDArray[np.uint8]:
        from vigil.imaging.faces import face_chip

        return face_chip(rgb, face, size=size, padding=padding)

    def descriptor(self, rgb: NDArray[np.uint8], face: Face) -> NDArray[np.float32]:
        from vigil.imaging.faces import face_descriptor

        return face_descriptor(rgb, face)


@dataclass(frozen=True, slots=True)
class AnalyserSettings:
    min_track_frames: int = 3
    """Tracks seen in fewer samples get no verdict (too little to judge)."""
    max_tracks: int = 100
    max_observations: int = 5_000
    suspicious_per_track: int = 4
    strip_frames: int = 8
    max_gap_s: float = 2.0
    """A face unseen for longer must be re-identified by its descriptor."""


@dataclass(frozen=True, slots=True)
class FaceResult:
    track_id: int
    box: Box
    detection_score: float
    swap_score: float
    """The chip scorer's calibrated P(manipulated) for this face in this frame."""


@dataclass(frozen=True, slots=True)
class FrameResult:
    t: float
    faces: tuple[FaceResult, ...]


@dataclass(frozen=True, slots=True)
class SecondScore:
    second: int
    """Whole seconds from the start: this entry covers [second, second + 1)."""
    mean: float
    max: float
    frames: int


@dataclass(frozen=True, slots=True)
class SuspiciousFrame:
    t: float
    track_id: int
    swap_score: float
    chip: NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class TrackSummary:
    track_id: int
    start_s: float
    end_s: float
    frames: int
    score: float | None
    """Track model score; None when there are too few frames to judge."""
    verdict: Verdict
    features: Mapping[str, float | None]
    timeline: tuple[SecondScore, ...]
    descriptor: NDArray[np.float32] | None
    """128-D identity descriptor (dlib) of the tracked face, for linking."""

    def to_json(self) -> dict[str, JsonValue]:
        """The track as reported. Timeline entries are raw per-face chip scores
        (the image_face_swap scale), not the calibrated track score."""
        return {
            "track": self.track_id,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "frames": self.frames,
            "score": self.score,
            "verdict": self.verdict.value,
            "timeline": [
                {
                    "second": s.second,
                    "face_score_mean": round(s.mean, 4),
                    "face_score_max": round(s.max, 4),
                    "frames": s.frames,
                }
                for s in self.timeline
            ],
        }


@dataclass(frozen=True, slots=True)
class ClipSummary:
    frames: int
    frames_with_faces: int
    tracks: tuple[TrackSummary, ...]
    score: float | None
    """Highest track score among tracks long enough to judge; None if none is."""
    verdict: Verdict
    threshold: float
    negative_below: float
    suspicious: tuple[SuspiciousFrame, ...]
    """The highest-scoring face chips, in time order, for a thumbnail strip."""
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RollingVerdict:
    start_s: float
    end_s: float
    score: float | None
    verdict: Verdict
    track_scores: Mapping[int, float]


class TrackModel:
    """Logistic model over a named subset of `TRACK_FEATURES`: standardise,
    weigh, sigmoid; with the operating band chosen at training. A missing
    feature (NaN: too few consecutive samples) takes the training mean."""

    FORMAT_VERSION = 1

    def __init__(
        self,
        features: Sequence[str],
        mean: Sequence[float],
        scale: Sequence[float],
        weights: Sequence[float],
        bias: float,
        threshold: float,
        negative_below: float,
    ) -> None:
        unknown = set(features) - set(TRACK_FEATURES)
        if unknown or not (len(features) == len(mean) == len(scale) == len(weights)):
            raise ValueError(f"bad track model (unknown features {sorted(unknown)})")
        self.features = tuple(features)
        self.mean = tuple(float(v) for v in mean)
        self.scale = tuple(float(v) if v > 0 else 1.0 for v in scale)
        self.weights = tuple(float(v) for v in weights)
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.negative_below = min(float(negative_below), self.threshold)

    def score(self, values: Mapping[str, float | None]) -> float:
        z = self.bias
        for name, mean, scale, weight in zip(
            self.features, self.mean, self.scale, self.weights, strict=True
        ):
            value = values.get(name)
            if value is None or not math.isfinite(value):
                value = mean
            z += weight * (value - mean) / scale
        return _sigmoid(z)

    def to_npz(self) -> bytes:
        import numpy as np

        buf = io.BytesIO()
        np.savez(
            buf,
            format_version=np.array([self.FORMAT_VERSION]),
            features=np.array(self.features, dtype=str),
            mean=np.array(self.mean),
            scale=np.array(self.scale),
            weights=np.array(self.weights),
            bias=np.array([self.bias]),
            band=np.array([self.negative_below, self.threshold]),
        )
        return buf.getvalue()

    @classmethod
    def from_npz(cls, data: bytes) -> TrackModel:
        """Load without pickle."""
        import numpy as np

        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            version = int(arrays["format_version"][0])
            if version != cls.FORMAT_VERSION:
                raise ValueError(f"track model format {version}, expected {cls.FORMAT_VERSION}")
            negative_below, threshold = (float(v) for v in arrays["band"])
            return cls(
                [str(v) for v in arrays["features"]],
                arrays["mean"].tolist(),
                arrays["scale"].tolist(),
                arrays["weights"].tolist(),
                float(arrays["bias"][0]),
                threshold,
                negative_below,
            )


@dataclass(frozen=True, slots=True)
class Observation:
    """One face of one track in one frame: what the track features are made of."""

    t: float
    box: Box
    swap_score: float
    shape: NDArray[np.float64]
    """Landmarks centred on their mean and divided by their RMS spread."""
    colour: NDArray[np.float64]
    """Mean Y, Cb, Cr of the face centre minus the chip's outer band, in [0, 1] units."""
    boundary: float
    """Gradient energy on the face edge band over that of centre and outside."""
    sharpness: float
    """log of Laplacian variance in the face centre over that outside it."""


@dataclass(slots=True)
class _Track:
    track_id: int
    max_observations: int
    observations: deque[Observation] = field(init=False)
    seconds: dict[int, list[float]] = field(default_factory=dict)
    """second -> [sum of scores, max, count]."""
    chips: list[tuple[float, float, NDArray[np.uint8]]] = field(default_factory=list)
    """min-heap of (score, t, chip): the most suspicious few."""
    first_t: float = 0.0
    last_t: float = 0.0
    frames: int = 0
    descriptor: NDArray[np.float32] | None = None
    """Identity descriptor of the face that started the track."""

    def __post_init__(self) -> None:
        self.observations = deque(maxlen=self.max_observations)

    def add(self, obs: Observation, chip: NDArray[np.uint8], keep_chips: int) -> None:
        if self.frames == 0:
            self.first_t = obs.t
        self.frames += 1
        self.last_t = obs.t
        self.observations.append(obs)
        bucket = self.seconds.setdefault(int(math.floor(obs.t)), [0.0, 0.0, 0.0])
        bucket[0] += obs.swap_score
        bucket[1] = max(bucket[1], obs.swap_score)
        bucket[2] += 1
        entry = (obs.swap_score, obs.t, chip)
        if len(self.chips) < keep_chips:
            heapq.heappush(self.chips, entry)
        elif obs.swap_score > self.chips[0][0]:
            heapq.heapreplace(self.chips, entry)

    def timeline(self) -> tuple[SecondScore, ...]:
        return tuple(
            SecondScore(s, round(v[0] / v[2], 4), round(v[1], 4), int(v[2]))
            for s, v in sorted(self.seconds.items())
        )


class ClipAnalyser:
    """Feed frames in time order with `add_frame`; ask for `rolling_verdict`
    (live) or `summary` (end of clip) at any time."""

    def __init__(
        self,
        faces: FaceBackend,
        scorer: ChipScorer,
        model: TrackModel,
        settings: AnalyserSettings | None = None,
    ) -> None:
        self.faces = faces
        self.scorer = scorer
        self.model = model
        self.settings = settings or AnalyserSettings()
        self._linker = TrackLinker(
            same_face_distance=faces.same_face_distance, max_gap_s=self.settings.max_gap_s
        )
        self._tracks: dict[int, _Track] = {}
        self._frames = 0
        self._frames_with_faces = 0
        self._last_t: float | None = None
        self._warnings: list[str] = []

    def add_frame(self, t: float, rgb: NDArray[np.uint8]) -> FrameResult:
        """Detect, score and track the faces of one frame taken at `t` seconds."""
        if self._last_t is not None and t < self._last_t:
            raise ValueError(f"frame at {t:.3f} s comes before the previous one")
        self._last_t = t
        self._frames += 1
        faces = list(self.faces.detect(rgb))
        if not faces:
            return FrameResult(t, ())
        self._frames_with_faces += 1
        boxes: list[Box] = [tuple(float(v) for v in f.box) for f in faces]  # type: ignore[misc]
        described: dict[int, NDArray[np.float32]] = {}

        def describe(i: int) -> NDArray[np.float32]:
            described[i] = self.faces.descriptor(rgb, faces[i])
            return described[i]

        ids = self._linker.link(t, boxes, describe)
        results = []
        for index, (face, box, track_id) in enumerate(zip(faces, boxes, ids, strict=True)):
            chip = self.faces.chip(rgb, face, self.scorer.chip_size, self.scorer.chip_padding)
            score = float(self.scorer.score(chip))
            results.append(FaceResult(track_id, box, face.detection_score, score))
            track = self._track(track_id)
            if track is not None:
                if track.descriptor is None and index in described:
                    track.descriptor = described[index]
                context = self.faces.chip(rgb, face, _CONTEXT_SIZE, _CONTEXT_PADDING)
                obs = _observe(t, box, face, score, context)
                track.add(obs, chip, self.settings.suspicious_per_track)
        return FrameResult(t, tuple(results))

    def rolling_verdict(self, window_s: float) -> RollingVerdict:
        """The verdict on the last `window_s` seconds only (live mode)."""
        end = self._last_t or 0.0
        start = end - window_s
        scores: dict[int, float] = {}
        for track in self._tracks.values():
            recent = [o for o in track.observations if o.t >= start]
            if len(recent) >= self.settings.min_track_frames:
                scores[track.track_id] = self.model.score(track_features(recent))
        score = max(scores.values()) if scores else None
        return RollingVerdict(max(start, 0.0), end, score, self._verdict(score), scores)

    def observations(self) -> dict[int, tuple[Observation, ...]]:
        """Each kept track's recent observations (training and inspection)."""
        return {k: tuple(t.observations) for k, t in self._tracks.items()}

    def summary(self) -> ClipSummary:
        tracks = tuple(self._summarise(t) for t in self._tracks.values())
        judged = [t.score for t in tracks if t.score is not None]
        score = max(judged) if judged else None
        chips = [
            SuspiciousFrame(t, track.track_id, s, chip)
            for track in self._tracks.values()
            for s, t, chip in track.chips
        ]
        chips = sorted(chips, key=lambda c: -c.swap_score)[: self.settings.strip_frames]
        return ClipSummary(
            frames=self._frames,
            frames_with_faces=self._frames_with_faces,
            tracks=tracks,
            score=score,
            verdict=self._verdict(score),
            threshold=self.model.threshold,
            negative_below=self.model.negative_below,
            suspicious=tuple(sorted(chips, key=lambda c: c.t)),
            warnings=tuple(self._warnings),
        )

    def _summarise(self, track: _Track) -> TrackSummary:
        features = track_features(list(track.observations))
        score = None
        if track.frames >= self.settings.min_track_frames:
            score = round(self.model.score(features), 4)
        return TrackSummary(
            track_id=track.track_id,
            start_s=track.first_t,
            end_s=track.last_t,
            frames=track.frames,
            score=score,
            verdict=self._verdict(score),
            features={
                k: (None if v is None or not math.isfinite(v) else round(v, 5))
                for k, v in features.items()
            },
            timeline=track.timeline(),
            descriptor=track.descriptor,
        )

    def _verdict(self, score: float | None) -> Verdict:
        if score is None:
            return Verdict.INCONCLUSIVE
        return decide_verdict(score, self.model.threshold, self.model.negative_below)

    def _track(self, track_id: int) -> _Track | None:
        track = self._tracks.get(track_id)
        if track is None:
            if len(self._tracks) >= self.settings.max_tracks:
                if not self._warnings:
                    self._warnings.append(
                        f"More than {self.settings.max_tracks} face tracks; later ones are "
                        "scored per frame but not kept."
                    )
                return None
            track = _Track(track_id, self.settings.max_observations)
            self._tracks[track_id] = track
        return track


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(-_LOGIT_CLIP, min(_LOGIT_CLIP, math.log(p / (1 - p))))


def _observe(
    t: float, box: Box, face: Face, score: float, context: NDArray[np.uint8]
) -> Observation:
    import numpy as np

    points = np.asarray(face.landmarks, dtype=np.float64).reshape(-1, 2)
    centred = points - points.mean(axis=0)
    spread = float(np.sqrt((centred**2).sum(axis=1).mean())) or 1.0
    colour, boundary, sharpness = _context_measures(context)
    return Observation(t, box, score, (centred / spread).ravel(), colour, boundary, sharpness)


def _context_measures(chip: NDArray[np.uint8]) -> tuple[NDArray[np.float64], float, float]:
    """Colour offset, edge-band gradient ratio and sharpness ratio of a context chip."""
    import numpy as np

    rgb = chip.astype(np.float64) / 255.0
    y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    cb = 0.5 + (rgb[..., 2] - y) * 0.564
    cr = 0.5 + (rgb[..., 0] - y) * 0.713
    centre, edge, outside = _bands(chip.shape[0])
    ycc = np.stack([y, cb, cr], axis=-1)
    colour = ycc[centre].mean(axis=0) - ycc[outside].mean(axis=0)
    gy, gx = np.gradient(y)
    grad = np.hypot(gx, gy)
    boundary = float(grad[edge].mean() / (grad[centre | outside].mean() + 1e-6))
    lap = np.zeros_like(y)
    lap[1:-1, 1:-1] = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    sharpness = math.log((lap[centre].var() + 1e-8) / (lap[outside].var() + 1e-8))
    return colour, boundary, sharpness


def _bands(size: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Masks by Chebyshev distance r from the chip centre (chip half-width = 0.5):
    face centre r < 0.15, face-edge band 0.2 <= r < 0.3, outside r >= 0.35."""
    import numpy as np

    axis = (np.arange(size) + 0.5) / size - 0.5
    r = np.maximum(np.abs(axis)[:, None], np.abs(axis)[None, :])
    return r < 0.15, (r >= 0.2) & (r < 0.3), r >= 0.35


def track_features(observations: Sequence[Observation]) -> dict[str, float | None]:
    """`TRACK_FEATURES` of one track's observations (time order). Temporal
    ones use second differences over consecutive samples only (no gap over
    1.5x the usual spacing); None when there are not enough."""
    import numpy as np

    out: dict[str, float | None] = dict.fromkeys(TRACK_FEATURES)
    if not observations:
        return out
    logits = np.array([_logit(o.swap_score) for o in observations])
    out["chip_logit_mean"] = float(logits.mean())
    out["chip_logit_q90"] = float(np.quantile(logits, 0.9))
    out["chip_logit_std"] = float(logits.std())
    out["sharpness_ratio"] = float(np.median([o.sharpness for o in observations]))
    triplets = _consecutive_triplets(observations)
    if not triplets:
        return out

    def second_difference(values: Sequence[NDArray[np.float64] | float]) -> list[float]:
        arr = np.asarray(values, dtype=np.float64)
        arr = arr.reshape(len(values), -1)
        return [float(np.linalg.norm(arr[i] - 2 * arr[i + 1] + arr[i + 2])) for i in triplets]

    out["landmark_jitter"] = float(np.median(second_difference([o.shape for o in observations])))
    out["colour_flicker"] = float(np.median(second_difference([o.colour for o in observations])))
    out["boundary_flicker"] = float(
        np.median(second_difference([o.boundary for o in observations]))
    )
    return out


def _consecutive_triplets(observations: Sequence[Observation]) -> list[int]:
    import numpy as np

    if len(observations) < 3:
        return []
    gaps = np.diff([o.t for o in observations])
    usual = float(np.median(gaps))
    ok = gaps <= 1.5 * usual + 1e-6
    return [i for i in range(len(gaps) - 1) if ok[i] and ok[i + 1]]
