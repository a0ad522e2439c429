"""Sampled RGB frames from a video, in bounded memory and time.

`iter_frames` yields `SampledFrame(t, rgb)`: `t` in seconds from the start of
the video stream, taken from each frame's presentation timestamp (so variable
frame rates give true times), `rgb` a C-contiguous uint8 (h, w, 3) array no
larger than `max_side` on its longer side.

Two ways of reaching the sample times, chosen from the spacing:
- spacing under `seek_above_s`: every packet is decoded (inter-coded video
  needs it) but only the frames at or just after each target time are
  converted to RGB, which is most of the per-frame cost;
- wider spacing (long clips spread over `max_frames`): one seek per target,
  decoding keyframes only, so an hours-long file costs about `max_frames`
  decoded frames; each sample is then the keyframe at or before its target.

Problems never raise: they end the iteration early and are written to the
optional `SamplingLog` (truncated data, absurd dimensions, no video stream,
decode budget spent). Classifying the file (unreadable, unsupported) is
`probe.probe_video`'s job; this module only reads frames.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from vigil.video.probe import MAX_PIXELS

if TYPE_CHECKING:
    import av
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["SampledFrame", "SamplingLog", "iter_frames", "scaled_size"]

log = logging.getLogger(__name__)

_MAX_ERRORS = 10
_DECODE_BUDGET = 30_000
"""Decoded frames (not only yielded ones) after which reading stops: about
20 minutes of 25 fps video read sequentially; seek mode needs far fewer."""
_OPEN_OPTIONS = {"probesize": "5000000", "analyzeduration": "5000000"}


class SampledFrame(NamedTuple):
    t: float
    """Seconds from the start of the video stream (presentation time)."""
    rgb: NDArray[np.uint8]
    """(h, w, 3) uint8, C-contiguous."""


@dataclass(slots=True)
class SamplingLog:
    """What a sampling run did; filled in while iterating."""

    warnings: list[str] = field(default_factory=list)
    interval_s: float | None = None
    """Spacing actually used (wider than asked when a long clip is spread)."""
    seek_mode: bool = False
    duration_s: float | None = None
    source_size: tuple[int, int] | None = None
    """(width, height) as decoded, before scaling."""
    frames_decoded: int = 0
    frames_yielded: int = 0


def scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) shrunk to fit max_side, aspect kept, even and at least 2."""
    scale = min(1.0, max_side / max(width, height, 1))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def iter_frames(
    source: BinaryIO | str | os.PathLike[str],
    *,
    every_s: float = 0.5,
    max_frames: int = 240,
    max_side: int = 640,
    seek_above_s: float = 4.0,
    max_pixels: int = MAX_PIXELS,
    sampling: SamplingLog | None = None,
) -> Iterator[SampledFrame]:
    """Frames about every `every_s` seconds, at most `max_frames` of them.

    When the declared duration holds more than `max_frames` samples, the
    spacing widens so the samples cover the whole clip."""
    import av

    report = sampling if sampling is not None else SamplingLog()
    if every_s <= 0 or max_frames <= 0 or max_side < 2:
        raise ValueError("every_s and max_frames must be positive, max_side at least 2")
    seekable = isinstance(source, str | os.PathLike) or bool(
        getattr(source, "seekable", lambda: False)()
    )
    try:
        container = av.open(
            os.fspath(source) if isinstance(source, os.PathLike) else source,
            mode="r",
            metadata_errors="ignore",
            options=_OPEN_OPTIONS,
        )
    except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError) as exc:
        _warn(report, f"The container could not be opened ({type(exc).__name__}).")
        return
    with container:
        try:
            yield from _sample(
                container, every_s, max_frames, max_side, seek_above_s, max_pixels, seekable, report
            )
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError) as exc:
            _warn(report, f"Reading stopped early: {type(exc).__name__}: {exc}")


def _sample(
    container: av.container.InputContainer,
    every_s: float,
    max_frames: int,
    max_side: int,
    seek_above_s: float,
    max_pixels: int,
    seekable: bool,
    report: SamplingLog,
) -> Iterator[SampledFrame]:
    if not container.streams.video:
        _warn(report, "No video stream: no frame to sample.")
        return
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > max_pixels:
        _warn(report, f"Declared frame size {width}x{height} exceeds {max_pixels} pixels.")
        return
    report.duration_s = _duration(container, stream)
    interval = every_s
    if report.duration_s is not None and report.duration_s / every_s > max_frames:
        interval = report.duration_s / max_frames
    report.interval_s = interval
    report.seek_mode = bool(interval >= seek_above_s and seekable and report.duration_s)
    if report.seek_mode:
        frames = _keyframes_at(container, stream, interval, report)
    else:
        frames = _on_grid(_every_frame(container, stream, report), stream, interval)
    start = _start_seconds(stream)
    last_t = -1.0
    for frame in frames:
        t = _seconds(frame, stream, last_t + start) - start
        if t <= last_t:
            continue  # a repeated keyframe, or timestamps going backwards
        if frame.width * frame.height > max_pixels:
            _warn(report, f"Decoded frame size {frame.width}x{frame.height} exceeds {max_pixels}.")
            return
        yield SampledFrame(t, _to_rgb(frame, max_side, report))
        report.frames_yielded += 1
        last_t = t
        if report.frames_yielded >= max_frames:
            return


def _on_grid(
    frames: Iterator[av.VideoFrame], stream: av.video.stream.VideoStream, interval: float
) -> Iterator[av.VideoFrame]:
    """The first frame at or after each multiple of interval (by timestamp, so
    variable frame rates are sampled in time, not in frame counts)."""
    rate = stream.average_rate or stream.guessed_rate
    # a frame a little early (under half a frame) still stands for its target
    tolerance = min(interval / 4, 0.4 / float(rate)) if rate else interval / 4
    start = _start_seconds(stream)
    target = 0.0
    last = start - 1.0
    for frame in frames:
        t = _seconds(frame, stream, last) - start
        last = t + start
        if t < target - tolerance:
            continue
        while target <= t + tolerance:
            target += interval
        yield frame


def _every_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, report: SamplingLog
) -> Iterator[av.VideoFrame]:
    """All decodable frames in order; bad packets are skipped up to a limit."""
    import av

    errors = 0
    for packet in container.demux(stream):
        try:
            decoded = packet.decode()
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as exc:
            errors += 1
            if errors > _MAX_ERRORS:
                _warn(report, f"Decoding stopped after {errors} errors (truncated?): {exc}")
                return
            continue
        for frame in decoded:
            report.frames_decoded += 1
            if report.frames_decoded > _DECODE_BUDGET:
                _warn(report, f"Stopped after decoding {_DECODE_BUDGET} frames.")
                return
            yield frame
    if errors:
        _warn(report, f"{errors} packet(s) could not be decoded (truncated or damaged data).")


def _keyframes_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    interval: float,
    report: SamplingLog,
) -> Iterator[av.VideoFrame]:
    """For each target time, the keyframe at or before it (one seek each)."""
    import av

    assert report.duration_s is not None and stream.time_base is not None
    stream.codec_context.skip_frame = "NONKEY"
    start_pts = stream.start_time or 0
    target = 0.0
    errors = 0
    while target < report.duration_s:
        offset = start_pts + int(target / stream.time_base)
        try:
            container.seek(offset, stream=stream, backward=True)
            frame = _first_frame(container, stream)
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as exc:
            errors += 1
            if errors > _MAX_ERRORS:
                _warn(report, f"Seeking stopped after {errors} errors (truncated?): {exc}")
                return
            frame = None
        target += interval
        if frame is None:
            continue
        report.frames_decoded += 1
        yield frame
    if errors:
        _warn(report, f"{errors} seek(s) failed (truncated or damaged data).")


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> av.VideoFrame | None:
    for packet in container.demux(stream):
        for frame in packet.decode():
            return frame
    return None


def _to_rgb(frame: av.VideoFrame, max_side: int, report: SamplingLog) -> NDArray[np.uint8]:
    import numpy as np

    if report.source_size is None:
        report.source_size = (frame.width, frame.height)
    width, height = scaled_size(frame.width, frame.height, max_side)
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height)
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _seconds(frame: av.VideoFrame, stream: av.video.stream.VideoStream, last_t: float) -> float:
    if frame.time is not None:
        return float(frame.time)
    rate = stream.average_rate or stream.guessed_rate
    return last_t + (1.0 / float(rate) if rate else 0.04)


def _start_seconds(stream: av.video.stream.VideoStream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float | None:
    if stream.duration and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    return None


def _warn(report: SamplingLog, message: str) -> None:
    log.info("frame sampling: %s", message)
    report.warnings.append(message)
