"""Sampled RGB frames from a video, in bounded memory and time.

`iter_frames` yields `SampledFrame(t, rgb)`: `t` in seconds from the start of
the video stream, taken from each frame's presentation timestamp (so variable
frame rates give true times), `rgb` a C-contiguous uint8 (h, w, 3) array no
larger than `max_side` on its longer side.

Two ways of reaching the sample times, chosen from their spacing:
- bursts under `seek_above_s` apart (or no spreading): every packet is
  decoded (inter-coded video needs it) but only the frames at or just after
  each target time are converted to RGB, which is most of the per-frame cost;
- bursts further apart (long clips spread over `max_frames`): one seek per
  burst, which then begins at the keyframe at or before its start; with
  single-frame bursts only keyframes are decoded, so an hours-long file costs
  about `max_frames` decoded frames.

Problems never raise: they end the iteration early and are written to the
optional `SamplingLog` (truncated data, absurd dimensions, no video stream,
decode budget spent). Classifying the file (unreadable, unsupported) is
`probe.probe_video`'s job; this module only reads frames.
"""

from __future__ import annotations

import itertools
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
_END_SLACK_S = 1.0
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
    burst_gap_s: float | None = None
    """Time between burst starts when a long clip is spread; None when not."""
    seek_mode: bool = False
    duration_s: float | None = None
    source_size: tuple[int, int] | None = None
    """(width, height) as decoded, before scaling."""
    frames_decoded: int = 0
    frames_yielded: int = 0
    stream_end_s: float | None = None
    """Time of the last decoded frame, when the stream was read to its end."""
    empty_bursts: int = 0


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
    burst: int = 1,
    seek_above_s: float = 4.0,
    max_pixels: int = MAX_PIXELS,
    sampling: SamplingLog | None = None,
) -> Iterator[SampledFrame]:
    """Frames about every `every_s` seconds, at most `max_frames` of them.

    When the declared duration holds more than `max_frames` such steps, the
    samples are spread over the whole clip instead: `max_frames // burst`
    evenly spaced bursts of `burst` samples `every_s` apart (bursts keep
    neighbouring samples `every_s` apart, so frame-to-frame measures keep
    their meaning in long clips)."""
    import av

    report = sampling if sampling is not None else SamplingLog()
    if every_s <= 0 or max_frames <= 0 or burst <= 0 or max_side < 2:
        raise ValueError("every_s, max_frames and burst must be positive, max_side at least 2")
    plan = _Plan(every_s, max_frames, max_side, burst, seek_above_s)
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
            yield from _sample(container, plan, max_pixels, seekable, report)
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError) as exc:
            _warn(report, f"Reading stopped early: {type(exc).__name__}: {exc}")


def _sample(
    container: av.container.InputContainer,
    plan: _Plan,
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
    starts = _burst_starts(report.duration_s, plan)
    frames: Iterator[av.VideoFrame]
    if starts is None:
        grid = (j * plan.every_s for j in itertools.count())
        frames = _on_grid(_every_frame(container, stream, report), stream, grid, plan.every_s)
    else:
        gap = starts[1] - starts[0] if len(starts) > 1 else float("inf")
        report.burst_gap_s = gap if len(starts) > 1 else None
        report.seek_mode = seekable and gap >= plan.seek_above_s
        if report.seek_mode:
            frames = _bursts_by_seeking(container, stream, starts, plan, report)
        else:
            grid = (s + j * plan.every_s for s in starts for j in range(plan.burst))
            frames = _on_grid(_every_frame(container, stream, report), stream, grid, plan.every_s)
    start = _start_seconds(stream)
    last_t = -1.0
    for frame in frames:
        t = _seconds(frame, stream, last_t + start) - start
        if t <= last_t:
            continue  # a repeated keyframe, or timestamps going backwards
        if frame.width * frame.height > max_pixels:
            _warn(report, f"Decoded frame size {frame.width}x{frame.height} exceeds {max_pixels}.")
            return
        yield SampledFrame(t, _to_rgb(frame, plan.max_side, report))
        report.frames_yielded += 1
        last_t = t
        if report.frames_yielded >= plan.max_frames:
            return
    _check_complete(report, _start_seconds(stream))


def _check_complete(report: SamplingLog, start: float) -> None:
    """Warn when the frames stop well before the declared duration (truncated)."""
    end = None if report.stream_end_s is None else report.stream_end_s - start
    if end is not None and report.duration_s is not None and end < report.duration_s - _END_SLACK_S:
        _warn(
            report,
            f"Frames end at {end:.1f} s of a declared {report.duration_s:.1f} s "
            "(truncated or damaged?).",
        )
    if report.empty_bursts:
        _warn(report, f"{report.empty_bursts} sampling point(s) gave no frame (truncated?).")


@dataclass(frozen=True, slots=True)
class _Plan:
    every_s: float
    max_frames: int
    max_side: int
    burst: int
    seek_above_s: float


def _burst_starts(duration: float | None, plan: _Plan) -> list[float] | None:
    """Start times of evenly spread bursts, or None when every step fits in max_frames."""
    if duration is None or duration / plan.every_s <= plan.max_frames:
        return None
    count = max(1, plan.max_frames // plan.burst)
    return [k * duration / count for k in range(count)]


def _on_grid(
    frames: Iterator[av.VideoFrame],
    stream: av.video.stream.VideoStream,
    targets: Iterator[float],
    every_s: float,
) -> Iterator[av.VideoFrame]:
    """The first frame at or after each target time (increasing, seconds from
    the stream start), by timestamp, so variable frame rates are sampled in
    time, not in frame counts. Ends when the targets do."""
    rate = stream.average_rate or stream.guessed_rate
    # a frame a little early (under half a frame) still stands for its target
    tolerance = min(every_s / 4, 0.4 / float(rate)) if rate else every_s / 4
    start = _start_seconds(stream)
    target = next(targets, None)
    last = start - 1.0
    for frame in frames:
        if target is None:
            return
        t = _seconds(frame, stream, last) - start
        last = t + start
        if t < target - tolerance:
            continue
        while target is not None and target <= t + tolerance:
            target = next(targets, None)
        yield frame
        if target is None:
            return  # without decoding one more frame


def _every_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, report: SamplingLog
) -> Iterator[av.VideoFrame]:
    """All decodable frames from the current position; bad packets are skipped
    up to a limit, and the whole run stops at the decode budget."""
    import av

    errors = 0
    last: float | None = None
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
            last = frame.time if frame.time is not None else last
            yield frame
    report.stream_end_s = last
    if errors:
        _warn(report, f"{errors} packet(s) could not be decoded (truncated or damaged data).")


def _bursts_by_seeking(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    starts: list[float],
    plan: _Plan,
    report: SamplingLog,
) -> Iterator[av.VideoFrame]:
    """One seek per burst; a burst begins at the keyframe at or before its start.
    Single-frame bursts decode keyframes only."""
    import av

    assert stream.time_base is not None
    if plan.burst == 1:
        stream.codec_context.skip_frame = "NONKEY"
    start_pts = stream.start_time or 0
    errors = 0
    for begin in starts:
        try:
            container.seek(start_pts + int(begin / stream.time_base), stream=stream, backward=True)
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as exc:
            errors += 1
            if errors > _MAX_ERRORS:
                _warn(report, f"Seeking stopped after {errors} errors (truncated?): {exc}")
                return
            continue
        frames = _every_frame(container, stream, report)
        first = next(frames, None)
        if first is None:
            report.empty_bursts += 1
            continue
        t0 = _seconds(first, stream, 0.0) - _start_seconds(stream)
        grid = (t0 + j * plan.every_s for j in range(plan.burst))
        yield from _on_grid(itertools.chain([first], frames), stream, grid, plan.every_s)
    if errors:
        _warn(report, f"{errors} seek(s) failed (truncated or damaged data).")


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
