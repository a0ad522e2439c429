"""`video.deepfake`: face tracks of a video scored frame by frame with the
face-swap chip scorer (`image_face_swap`'s model), combined per track by a
small calibrated model trained by `vigil train video-deepfake`.

One clip finding (the most suspicious track decides; per-second timeline,
thumbnail strip of the most suspicious face chips) and one finding per
judged track, located by its time span, with its timeline and its face
descriptor as a `face_embedding` indicator. Frames are sampled at 4 a second
(bursts of 2 s spread over long clips, at most MAX_FRAMES), so time and
memory stay bounded whatever the length.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, JsonValue, Status, Verdict
from vigil.video.analysis import (
    AnalyserSettings,
    ClipAnalyser,
    ClipSummary,
    DlibFaces,
    SuspiciousFrame,
    TrackModel,
    TrackSummary,
)

if TYPE_CHECKING:
    from vigil.video.frames import SamplingLog

__all__ = [
    "BURST",
    "EVERY_S",
    "MAX_FRAMES",
    "MAX_SIDE",
    "VideoDeepfakeDetector",
    "VideoDeepfakeOptions",
    "default_analyser",
    "load_track_model",
    "thumbnail_strip",
]

LABEL = "video.deepfake"
MODEL_FILE = "deepfake_model.npz"
EVERY_S = 0.25
"""Sampling step: 4 frames a second, the spacing the track model was trained on."""
BURST = 8
"""Long clips are read in bursts of 8 neighbouring samples (2 s) spread over the clip."""
MAX_FRAMES = 40
MAX_SIDE = 640
_MAX_TRACK_FINDINGS = 10
_STRIP_SIDE = 112
_STRIP_CROP = 0.6
"""Central share of a scorer chip shown in the strip (the face and a margin)."""


@functools.cache
def load_track_model() -> TrackModel:
    """The shipped track model (arrays only, no pickle), once per process."""
    return TrackModel.from_npz(files("vigil.detectors.video").joinpath(MODEL_FILE).read_bytes())


def default_analyser(settings: AnalyserSettings | None = None) -> ClipAnalyser:
    """A ClipAnalyser with dlib faces, the shipped chip scorer and track model."""
    from vigil.detectors.image.face_swap import FaceSwapScorer

    return ClipAnalyser(DlibFaces(), FaceSwapScorer.load(), load_track_model(), settings)


class VideoDeepfakeOptions(DetectorOptions):
    every_s: float = Field(default=EVERY_S, gt=0.0, le=60.0)
    max_frames: int = Field(default=MAX_FRAMES, ge=3, le=2_000)
    burst: int = Field(default=BURST, ge=1, le=100)
    max_side: int = Field(default=MAX_SIDE, ge=64, le=4096)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Override the trained positive threshold."""
    negative_below: float | None = Field(default=None, ge=0.0, le=1.0)
    """Override the trained negative bound."""


class VideoDeepfakeDetector(Detector):
    name = "video_deepfake"
    version = "1.0.0"
    media_types = ("video/*",)
    model_card = "vigil.detectors.video:deepfake.md"
    model_files = (
        f"vigil.detectors.video:{MODEL_FILE}",
        "vigil.detectors.image:face_swap_model.npz",
    )
    requires = ("av", "numpy", "PIL", "dlib", "face_recognition_models")
    install_hint = "pip install 'vigil-forensics[image,video]'"
    Options = VideoDeepfakeOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, VideoDeepfakeOptions)
        from vigil.imaging.faces import faces_available
        from vigil.video.frames import SamplingLog, iter_frames
        from vigil.video.probe import probe_video

        try:
            with item.open() as stream:
                probe = probe_video(stream, max_packets=60, sample_frames=1)
        except OSError as exc:
            yield Finding.problem(
                LABEL, Status.UNREADABLE, f"The item could not be read ({type(exc).__name__})."
            )
            return
        problem = _probe_problem(probe)
        if problem is not None:
            yield problem
            return
        if not faces_available():
            yield Finding.problem(LABEL, Status.UNSUPPORTED, "The face models (dlib) are missing.")
            return
        analyser = default_analyser()
        sampling = SamplingLog()
        with item.open() as stream:
            for t, rgb in iter_frames(
                stream,
                every_s=opts.every_s,
                max_frames=opts.max_frames,
                max_side=opts.max_side,
                burst=opts.burst,
                sampling=sampling,
            ):
                analyser.add_frame(t, rgb)
        yield from _findings(item, analyser.summary(), sampling, probe.warnings, opts)

    @classmethod
    def examples(cls) -> list[Example]:
        """Drawn shapes, no face: nothing to judge. No self-made face is shipped:
        drawings are not faces to the detector, and no real person is used."""
        from vigil.detectors.video._clips import make_moving_clip

        return [
            Example(
                "moving shapes, no face",
                make_moving_clip(seconds=2.0, fps=10, width=160, height=120),
                "shapes.mp4",
                "video/mp4",
                LABEL,
                Verdict.INCONCLUSIVE,
            )
        ]


def _probe_problem(probe: object) -> Finding | None:
    from vigil.video.probe import MAX_PIXELS, ProblemKind, VideoProbe

    assert isinstance(probe, VideoProbe)
    if probe.problem is not None or probe.info is None:
        unsupported = probe.problem is not None and probe.problem.kind is ProblemKind.UNSUPPORTED
        return Finding.problem(
            LABEL,
            Status.UNSUPPORTED if unsupported else Status.UNREADABLE,
            probe.problem.message if probe.problem else "No container was read.",
        )
    video = probe.info.video
    if video is None:
        return Finding.problem(
            LABEL, Status.UNSUPPORTED, "The file has no video stream: no face to judge."
        )
    if (video.width or 0) * (video.height or 0) > MAX_PIXELS:
        return Finding.problem(
            LABEL,
            Status.UNSUPPORTED,
            f"The declared frame size {video.width}x{video.height} is too large to decode.",
        )
    if probe.info.frames_decoded == 0:
        reason = "; ".join(probe.warnings) or "no frame could be decoded"
        return Finding.problem(LABEL, Status.UNREADABLE, f"No video frame was decoded ({reason}).")
    return None


def _band(summary: ClipSummary, opts: VideoDeepfakeOptions) -> tuple[float, float]:
    threshold = summary.threshold if opts.threshold is None else opts.threshold
    negative = summary.negative_below if opts.negative_below is None else opts.negative_below
    return threshold, min(negative, threshold)


def _findings(
    item: EvidenceView,
    summary: ClipSummary,
    sampling: SamplingLog,
    probe_warnings: list[str],
    opts: VideoDeepfakeOptions,
) -> Iterator[Finding]:
    warnings = [*probe_warnings, *sampling.warnings, *summary.warnings]
    sampled: dict[str, JsonValue] = {
        "frames_sampled": summary.frames,
        "frames_with_faces": summary.frames_with_faces,
        "every_s": opts.every_s,
        "burst_gap_s": _r(sampling.burst_gap_s),
        "duration_s": _r(sampling.duration_s),
        "source_size": list(sampling.source_size) if sampling.source_size else None,
        "warnings": list(warnings),
    }
    if summary.frames == 0:
        yield Finding.problem(
            LABEL, Status.UNREADABLE, "No frame could be sampled from the video.", details=sampled
        )
        return
    judged = [t for t in summary.tracks if t.score is not None]
    if not judged:
        yield Finding.problem(
            LABEL,
            Status.UNSUPPORTED,
            f"No face was tracked over {AnalyserSettings().min_track_frames} or more of "
            f"{summary.frames} sampled frames (faces of a sixth of the frame height and up, "
            "40-80 px); nothing to judge.",
            details={**sampled, "tracks_seen": len(summary.tracks)},
        )
        return
    threshold, negative = _band(summary, opts)
    judged.sort(key=lambda t: -(t.score or 0.0))
    top = judged[0]
    assert top.score is not None
    details: dict[str, JsonValue] = {
        **sampled,
        "band": [round(negative, 4), round(threshold, 4)],
        "tracks": [_track_row(t) for t in summary.tracks],
        "timeline": _clip_timeline(summary),
        "suspicious_frames": [
            {"t": round(f.t, 3), "track": f.track_id, "swap_score": round(f.swap_score, 4)}
            for f in summary.suspicious
        ],
    }
    artefacts = (
        (Artefact("suspicious_faces.jpg", "image/jpeg", thumbnail_strip(summary.suspicious)),)
        if summary.suspicious
        else ()
    )
    yield _inconclusive_if_poor(
        Finding.scored(
            LABEL,
            top.score,
            threshold,
            _clip_explanation(top, len(judged), threshold, negative),
            negative_below=negative,
            artefacts=artefacts,
            details=details,
        ),
        sampling,
    )
    for track in judged[:_MAX_TRACK_FINDINGS]:
        yield _track_finding(item, track, threshold, negative)


def _inconclusive_if_poor(finding: Finding, sampling: SamplingLog) -> Finding:
    """A clip read only in part (truncated, decode errors) gives no negative verdict."""
    if not sampling.warnings or finding.verdict is not Verdict.NEGATIVE:
        return finding
    return Finding(
        label=finding.label,
        score=finding.score,
        threshold=finding.threshold,
        verdict=Verdict.INCONCLUSIVE,
        explanation=finding.explanation.rstrip(".")
        + f", but the video was read only in part ({sampling.warnings[0]}), so inconclusive.",
        negative_below=finding.negative_below,
        artefacts=finding.artefacts,
        details=finding.details,
    )


def _track_finding(
    item: EvidenceView, track: TrackSummary, threshold: float, negative: float
) -> Finding:
    from vigil.detectors.image.face_swap import embedding_indicator

    assert track.score is not None
    return Finding.scored(
        LABEL,
        track.score,
        threshold,
        f"Face track {track.track_id} ({track.start_s:.1f}-{track.end_s:.1f} s, "
        f"{track.frames} sampled frames): {_verdict_words(track.score, threshold, negative)} "
        f"(score {track.score:.2f}).",
        negative_below=negative,
        locator=item.locator.time_span(track.start_s, track.end_s),
        details={**track.to_json(), "features": dict(track.features)},
        indicators=(
            (embedding_indicator(track.descriptor),) if track.descriptor is not None else ()
        ),
    )


def _track_row(track: TrackSummary) -> dict[str, JsonValue]:
    return {k: v for k, v in track.to_json().items() if k != "timeline"}


def _clip_timeline(summary: ClipSummary) -> list[JsonValue]:
    """Per second: the highest mean face-chip score (image_face_swap scale, not
    the calibrated track score) of any track in that second."""
    seconds: dict[int, dict[str, float]] = {}
    for track in summary.tracks:
        for s in track.timeline:
            row = seconds.setdefault(s.second, {"face_score_mean_max": 0.0, "faces": 0})
            row["face_score_mean_max"] = max(row["face_score_mean_max"], round(s.mean, 4))
            row["faces"] += s.frames
    return [{"second": k, **v} for k, v in sorted(seconds.items())]


def _verdict_words(score: float, threshold: float, negative: float) -> str:
    if score >= threshold:
        return "looks manipulated"
    if score < negative:
        return "looks unmanipulated"
    return "inconclusive"


def _clip_explanation(top: TrackSummary, tracks: int, threshold: float, negative: float) -> str:
    assert top.score is not None
    where = f"face track {top.track_id} ({top.start_s:.1f}-{top.end_s:.1f} s)"
    if top.score >= threshold:
        return (
            f"The most suspicious of {tracks} face track(s), {where}, scores {top.score:.2f} "
            f"≥ threshold {threshold:.2f}: a swapped or reenacted face is likely."
        )
    if top.score < negative:
        return (
            f"All {tracks} face track(s) score below {negative:.2f} (highest {top.score:.2f}); "
            "methods unlike the training set can still pass (see the model card)."
        )
    return (
        f"The most suspicious of {tracks} face track(s), {where}, scores {top.score:.2f}, "
        f"between the bounds ({negative:.2f}-{threshold:.2f}): inconclusive."
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def thumbnail_strip(frames: tuple[SuspiciousFrame, ...] | list[SuspiciousFrame]) -> bytes:
    """The face chips side by side, each captioned with time, track and score (JPEG)."""
    from PIL import Image, ImageDraw

    caption = 14
    strip = Image.new("RGB", (_STRIP_SIDE * len(frames), _STRIP_SIDE + caption), "white")
    draw = ImageDraw.Draw(strip)
    for i, frame in enumerate(frames):
        side = frame.chip.shape[0]
        margin = round(side * (1 - _STRIP_CROP) / 2)  # chips carry wide context: show the face
        face = frame.chip[margin : side - margin, margin : side - margin]
        chip = Image.fromarray(face).resize((_STRIP_SIDE, _STRIP_SIDE))
        strip.paste(chip, (i * _STRIP_SIDE, 0))
        text = f"{frame.t:.1f}s #{frame.track_id} chip {frame.swap_score:.2f}"
        draw.text((i * _STRIP_SIDE + 3, _STRIP_SIDE + 1), text, fill="black")
    out = io.BytesIO()
    strip.save(out, format="JPEG", quality=85)
    return out.getvalue()
