"""Probe a video container with PyAV without decoding it whole.

What is read: the container header and metadata tags, each stream's header
and tags, the timestamps of at most `max_packets` video packets (demuxed, not
decoded) to tell constant from variable frame rate, and at most
`sample_frames` decoded frames to check the video track decodes at all.
Nothing else is touched, so an hours-long file costs the same as a short one,
and no frame is decoded when the declared dimensions exceed `max_pixels`.

Problems are data, never exceptions: `VideoProbe.problem` says why the item
could not be read (unreadable) or is not something this reader handles
(unsupported); `VideoProbe.warnings` lists what was odd but not fatal
(no video stream, truncated data, absurd dimensions, variable frame rate).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import av

__all__ = [
    "MAX_PIXELS",
    "ProbeProblem",
    "ProblemKind",
    "StreamInfo",
    "VideoInfo",
    "VideoProbe",
    "probe_video",
]

log = logging.getLogger(__name__)

MAX_PIXELS = 8192 * 8192
"""Frames larger than this (about 67 Mpixel, beyond 8K) are not decoded."""
_PROBE_BYTES = 5_000_000
_ANALYZE_US = 5_000_000
_MAX_TAGS = 200
_MAX_TAG_CHARS = 1_000
_MAX_STREAMS = 64
_MAX_DECODE_ERRORS = 10
_VFR_TOLERANCE = 0.1
"""Relative spread of frame intervals above which the rate counts as variable."""


class ProblemKind(StrEnum):
    UNREADABLE = "unreadable"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class ProbeProblem:
    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One stream as its header declares it."""

    index: int
    kind: str
    codec: str
    tags: dict[str, str]
    width: int | None = None
    height: int | None = None
    average_fps: float | None = None
    declared_frames: int | None = None
    declared_seconds: float | None = None

    def to_json(self) -> dict[str, str | int | float | dict[str, str] | None]:
        return {
            "index": self.index,
            "kind": self.kind,
            "codec": self.codec,
            "tags": dict(self.tags),
            "width": self.width,
            "height": self.height,
            "average_fps": self.average_fps,
            "declared_frames": self.declared_frames,
            "declared_seconds": self.declared_seconds,
        }


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says, plus what a bounded look at packets showed."""

    container: str
    container_tags: dict[str, str]
    streams: tuple[StreamInfo, ...]
    duration_seconds: float | None
    video: StreamInfo | None
    variable_frame_rate: bool | None
    """None when too few packet timestamps were seen to tell."""
    packets_seen: int
    frames_decoded: int

    def all_tags(self) -> list[tuple[str, str, str]]:
        """(where, key, value) for every tag: where is 'container' or 'stream N'."""
        out = [("container", k, v) for k, v in self.container_tags.items()]
        for stream in self.streams:
            out.extend((f"stream {stream.index}", k, v) for k, v in stream.tags.items())
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "container": self.container,
            "container_tags": dict(self.container_tags),
            "streams": [s.to_json() for s in self.streams],
            "duration_seconds": self.duration_seconds,
            "variable_frame_rate": self.variable_frame_rate,
            "packets_seen": self.packets_seen,
            "frames_decoded": self.frames_decoded,
        }


@dataclass(slots=True)
class VideoProbe:
    info: VideoInfo | None = None
    problem: ProbeProblem | None = None
    warnings: list[str] = field(default_factory=list)


def probe_video(
    stream: BinaryIO,
    *,
    max_packets: int = 300,
    sample_frames: int = 3,
    max_pixels: int = MAX_PIXELS,
) -> VideoProbe:
    """Read headers, tags and a bounded sample of one binary stream; never raises
    for bad input."""
    result = VideoProbe()
    try:
        import av
    except ImportError:
        result.problem = ProbeProblem(
            ProblemKind.UNSUPPORTED, "PyAV is not installed, so video cannot be read."
        )
        return result
    try:
        container = av.open(
            stream,
            mode="r",
            metadata_errors="ignore",
            options={"probesize": str(_PROBE_BYTES), "analyzeduration": str(_ANALYZE_US)},
        )
    except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError) as exc:
        result.problem = _open_problem(exc)
        return result
    try:
        with container:
            _probe_open(container, result, max_packets, sample_frames, max_pixels)
    except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError) as exc:
        # closing or a late header read failed: keep what was read
        result.warnings.append(f"Reading stopped early: {type(exc).__name__}: {exc}")
        if result.info is None:
            result.problem = _open_problem(exc)
    return result


def _open_problem(exc: BaseException) -> ProbeProblem:
    import av

    if isinstance(exc, av.error.InvalidDataError | EOFError | av.error.EOFError):
        return ProbeProblem(ProblemKind.UNREADABLE, "The bytes are not a readable media container.")
    if isinstance(exc, MemoryError):
        return ProbeProblem(ProblemKind.UNSUPPORTED, "The container declares too much to hold.")
    return ProbeProblem(
        ProblemKind.UNREADABLE, f"The container could not be opened ({type(exc).__name__})."
    )


def _probe_open(
    container: av.container.InputContainer,
    result: VideoProbe,
    max_packets: int,
    sample_frames: int,
    max_pixels: int,
) -> None:
    streams = tuple(_stream_info(s) for s in list(container.streams)[:_MAX_STREAMS])
    if len(container.streams) > _MAX_STREAMS:
        result.warnings.append(
            f"{len(container.streams)} streams; only the first {_MAX_STREAMS} were listed."
        )
    video_streams = [s for s in container.streams.video][:1]
    video = next((s for s in streams if s.kind == "video"), None)
    duration = None
    if container.duration is not None and container.duration > 0:
        duration = container.duration / 1_000_000
    if duration is None and video is not None:
        duration = video.declared_seconds
    vfr: bool | None = None
    packets_seen = 0
    frames_decoded = 0
    if video is None:
        kinds = sorted({s.kind for s in streams})
        result.warnings.append(
            f"No video stream in the {container.format.name} content "
            f"(streams: {', '.join(kinds) or 'none'})."
        )
    else:
        too_big = (video.width or 0) * (video.height or 0) > max_pixels
        if too_big:
            result.warnings.append(
                f"Declared frame size {video.width}x{video.height} exceeds {max_pixels} pixels; "
                "no frame was decoded."
            )
        if not video.width or not video.height:
            result.warnings.append("The video stream declares no frame size.")
        if len(container.streams.video) > 1:
            result.warnings.append(
                f"{len(container.streams.video)} video streams; only the first was sampled."
            )
        vfr, packets_seen, frames_decoded = _sample(
            container,
            video_streams[0],
            result,
            max_packets,
            0 if too_big else sample_frames,
        )
        if vfr:
            result.warnings.append("The frame rate is variable (packet intervals differ).")
    result.info = VideoInfo(
        container=str(container.format.name),
        container_tags=_tags(container.metadata),
        streams=streams,
        duration_seconds=duration,
        video=video,
        variable_frame_rate=vfr,
        packets_seen=packets_seen,
        frames_decoded=frames_decoded,
    )


def _sample(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    result: VideoProbe,
    max_packets: int,
    sample_frames: int,
) -> tuple[bool | None, int, int]:
    """Demux at most max_packets packets of the stream; decode at most sample_frames."""
    import av

    stamps: list[int] = []
    packets = 0
    decoded = 0
    errors = 0
    demuxer = container.demux(stream)
    while packets < max_packets:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
            errors += 1
            if errors > _MAX_DECODE_ERRORS:
                result.warnings.append(f"Demuxing stopped after {errors} errors: {exc}")
                break
            continue
        if packet.size == 0 and packet.pts is None:
            continue  # the flush packet
        packets += 1
        if packet.pts is not None:
            stamps.append(int(packet.pts))
        if decoded < sample_frames:
            try:
                decoded += len(packet.decode())
            except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as exc:
                errors += 1
                if errors > _MAX_DECODE_ERRORS:
                    result.warnings.append(f"Decoding stopped after {errors} errors: {exc}")
                    break
    if errors:
        result.warnings.append(f"{errors} packet(s) could not be read or decoded (truncated?).")
    if packets == 0:
        result.warnings.append("The video stream holds no readable packet (empty or truncated).")
    elif sample_frames and decoded == 0:
        result.warnings.append("No sampled video frame could be decoded.")
    return _variable_rate(stamps), packets, decoded


def _variable_rate(stamps: list[int]) -> bool | None:
    ordered = sorted(set(stamps))
    if len(ordered) < 4:
        return None
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    gaps.sort()
    median = gaps[len(gaps) // 2]
    if median <= 0:
        return None
    # ignore the outermost 5 % (a dropped frame, the final packet)
    trim = len(gaps) // 20
    core = gaps[trim : len(gaps) - trim] or gaps
    return (core[-1] - core[0]) / median > _VFR_TOLERANCE


def _stream_info(stream: av.stream.Stream) -> StreamInfo:
    codec = "unknown"
    try:
        codec = str(stream.codec_context.name)
    except (AttributeError, ValueError):
        pass
    width = height = None
    fps = None
    if stream.type == "video":
        ctx = stream.codec_context
        width = int(getattr(ctx, "width", 0) or 0) or None
        height = int(getattr(ctx, "height", 0) or 0) or None
        rate = getattr(stream, "average_rate", None) or getattr(stream, "guessed_rate", None)
        fps = _finite(rate)
    declared_seconds = None
    if stream.duration is not None and stream.time_base is not None:
        declared_seconds = _finite(stream.duration * stream.time_base)
    frames = int(stream.frames) if stream.frames and stream.frames > 0 else None
    return StreamInfo(
        index=int(stream.index),
        kind=str(stream.type),
        codec=codec,
        tags=_tags(stream.metadata),
        width=width,
        height=height,
        average_fps=fps,
        declared_frames=frames,
        declared_seconds=declared_seconds,
    )


def _finite(value: Fraction | float | int | None) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return out if math.isfinite(out) and out > 0 else None


def _tags(metadata: object) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(metadata, dict):
        return out
    for key, value in list(metadata.items())[:_MAX_TAGS]:
        out[str(key)[:_MAX_TAG_CHARS]] = str(value)[:_MAX_TAG_CHARS]
    return out
