"""Live video: read a file, stream, capture device or screen region with PyAV,
keep up with it in real time, and record what came in.

Two threads share the work (`LivePipeline.start` starts them):

- the reader demuxes every packet, paces a file to real speed when asked,
  hands each packet to the `SegmentRecorder` (`vigil.video.segments`:
  remuxed, not re-encoded, into Matroska segments) and decodes the video;
  decoded frames due for analysis (at most one per `every_s` of media time)
  go to a one-frame mailbox, `FrameSlot`: a newer frame replaces one not yet
  taken, so when analysis falls behind frames are dropped, never queued, and
  the lag stays bounded;
- the analyser takes the newest frame, converts it to RGB and calls
  `analyse(t, rgb)`; lag is wall time minus media time when it is done.

The caller's thread receives events (closed segments, warnings, the end)
through `LivePipeline.next_event`, so everything that touches a database
stays on one thread. A source that ends, stalls past its I/O timeout or
breaks ends the run with a warning; nothing here raises for a bad source.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.domain.errors import UsageError
from vigil.video.probe import MAX_PIXELS
from vigil.video.segments import ClosedSegment, SegmentRecorder

if TYPE_CHECKING:
    import av
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "FrameSlot",
    "LivePipeline",
    "LiveSource",
    "LiveStats",
    "PipelineSettings",
    "SourceKind",
    "parse_source",
]

log = logging.getLogger(__name__)

_URL = re.compile(r"^(rtsps?|rtmps?|https?|udp|tcp|srt|rtp)://", re.IGNORECASE)
_SCREEN = re.compile(r"^screen:(\d{1,5})x(\d{1,5})(?:\+(\d{1,5})\+(\d{1,5}))?(?:@(.+))?$")
_DEVICE = re.compile(r"^/dev/video\d+$")
_LAG_SAMPLES = 20_000
_MAX_READ_ERRORS = 20


class SourceKind(StrEnum):
    FILE = "file"
    STREAM = "stream"
    DEVICE = "device"
    SCREEN = "screen"


@dataclass(frozen=True, slots=True)
class LiveSource:
    """What to open: `target` and `format`/`options` as PyAV takes them."""

    spec: str
    kind: SourceKind
    target: str
    format: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float | None = None
    """Give up opening or reading after this long without data (not for files)."""


def parse_source(spec: str, *, io_timeout_s: float = 10.0, screen_fps: int = 25) -> LiveSource:
    """A file path, a stream URL (rtsp, http, udp, srt...), a V4L2 device
    (/dev/videoN) or a screen region `screen:WxH[+X+Y][@DISPLAY]` (X11)."""
    text = spec.strip()
    if _URL.match(text):
        options = {"rtsp_transport": "tcp"} if text.lower().startswith("rtsp") else {}
        return LiveSource(text, SourceKind.STREAM, text, None, options, io_timeout_s)
    if _DEVICE.match(text):
        return LiveSource(text, SourceKind.DEVICE, text, "v4l2", {}, io_timeout_s)
    screen = _SCREEN.match(text)
    if screen:
        width, height, x, y, display = screen.groups()
        display = display or os.environ.get("DISPLAY", ":0")
        return LiveSource(
            text,
            SourceKind.SCREEN,
            f"{display}+{x or 0},{y or 0}",
            "x11grab",
            {"video_size": f"{width}x{height}", "framerate": str(screen_fps)},
            io_timeout_s,
        )
    path = Path(text)
    if path.is_file():
        return LiveSource(str(path.resolve()), SourceKind.FILE, str(path.resolve()))
    raise UsageError(
        f"{spec!r} is neither a file, a stream URL, a /dev/videoN device "
        "nor a screen region (screen:WIDTHxHEIGHT+X+Y)"
    )


def _start_seconds(video: av.video.stream.VideoStream, first_packet_s: float) -> float:
    if video.start_time is None or video.time_base is None:
        return first_packet_s
    return float(video.start_time * video.time_base)


def _av_errors() -> tuple[type[BaseException], ...]:
    import av

    return (av.FFmpegError, ValueError, OSError, EOFError, MemoryError, IndexError)


# -- statistics ----------------------------------------------------------------
@dataclass(slots=True)
class LiveStats:
    """Counters of one run; lag in seconds (wall time minus media time when an
    analysed frame's result was ready), kept for the last 20 000 frames."""

    started_monotonic: float = 0.0
    ended_monotonic: float = 0.0
    """When reading and analysis ended (0 while running)."""
    packets: int = 0
    bytes_read: int = 0
    frames_decoded: int = 0
    frames_offered: int = 0
    frames_dropped: int = 0
    frames_analysed: int = 0
    analysis_errors: int = 0
    decode_errors: int = 0
    analysis_seconds: float = 0.0
    media_seconds: float = 0.0
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=_LAG_SAMPLES))
    lag_sum: float = 0.0
    lag_count: int = 0
    lag_max: float = 0.0

    def add_lag(self, lag: float) -> None:
        self.lags.append(lag)
        self.lag_sum += lag
        self.lag_count += 1
        self.lag_max = max(self.lag_max, lag)

    @property
    def wall_seconds(self) -> float:
        if not self.started_monotonic:
            return 0.0
        return (self.ended_monotonic or time.monotonic()) - self.started_monotonic

    def to_json(self) -> dict[str, float | int | None]:
        wall = max(self.wall_seconds, 1e-9)
        ordered = sorted(self.lags)
        p95 = (
            ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] if ordered else None
        )
        return {
            "wall_seconds": round(wall, 3),
            "media_seconds": round(self.media_seconds, 3),
            "packets": self.packets,
            "bytes_read": self.bytes_read,
            "frames_decoded": self.frames_decoded,
            "frames_offered": self.frames_offered,
            "frames_dropped": self.frames_dropped,
            "frames_analysed": self.frames_analysed,
            "analysis_errors": self.analysis_errors,
            "decode_errors": self.decode_errors,
            "decoded_fps": round(self.frames_decoded / wall, 2),
            "analysed_fps": round(self.frames_analysed / wall, 2),
            "mean_analysis_seconds": (
                round(self.analysis_seconds / self.frames_analysed, 4)
                if self.frames_analysed
                else None
            ),
            "lag_mean_seconds": (
                round(self.lag_sum / self.lag_count, 3) if self.lag_count else None
            ),
            "lag_p95_seconds": round(p95, 3) if p95 is not None else None,
            "lag_max_seconds": round(self.lag_max, 3) if self.lag_count else None,
        }


# -- the newest-frame mailbox ---------------------------------------------------
@dataclass(slots=True)
class _Offer:
    t: float
    frame: Any  # av.VideoFrame (Any: PyAV is imported lazily)


class FrameSlot:
    """Holds at most one frame. `offer` replaces a frame not yet taken (a
    drop) or, with wait=True, blocks until it was taken (no drops)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: _Offer | None = None
        self._closed = False
        self.dropped = 0

    def offer(self, item: _Offer, wait: bool) -> None:
        with self._cond:
            while wait and self._item is not None and not self._closed:
                self._cond.wait(0.5)
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify_all()

    def take(self) -> _Offer | None:
        """The newest frame; None once closed and empty."""
        with self._cond:
            while self._item is None and not self._closed:
                self._cond.wait(0.5)
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# -- the pipeline -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PipelineSettings:
    realtime: bool = True
    """Pace a file to its own speed and drop frames analysis cannot keep up
    with; False reads a file as fast as analysis allows and drops nothing."""
    every_s: float = 0.2
    """At most one analysed frame per this much media time."""
    max_side: int = 640
    segment_s: float = 10.0
    max_seconds: float | None = None
    """Stop after this much media time."""


Analyse = Callable[[float, "NDArray[np.uint8]"], None]
"""Analyse one RGB frame taken at t seconds of media time."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    """segment, warning or done."""
    segment: ClosedSegment | None = None
    message: str = ""


class LivePipeline:
    """Reader, recorder and analyser threads over one source: `start()`, then
    `next_event()` on the calling thread until a "done" event (or `stop()`),
    then `join()` for the events left."""

    def __init__(
        self,
        source: LiveSource,
        analyse: Analyse | None,
        folder: Path,
        settings: PipelineSettings | None = None,
    ) -> None:
        self.source = source
        self.settings = settings or PipelineSettings()
        self.stats = LiveStats()
        self.source_info: dict[str, str | int | float | None] = {}
        self._analyse = analyse
        self._folder = folder
        self._events: queue.Queue[Event] = queue.Queue()
        self._slot = FrameSlot()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._early_s = self.settings.every_s / 4
        """How early a frame may be and still stand for its sampling slot."""
        self._origin: float | None = None
        self._wall_origin = 0.0
        self._next_due = 0.0

    def stop(self) -> None:
        self._stop.set()
        self._slot.close()

    @property
    def _drops(self) -> bool:
        """Live sources never wait for analysis; a file only in real-time mode."""
        return self.settings.realtime or self.source.kind is not SourceKind.FILE

    def start(self) -> None:
        self.stats.started_monotonic = time.monotonic()
        self._threads = [
            threading.Thread(target=self._read, name="vigil-watch-reader", daemon=True),
            threading.Thread(target=self._analyse_loop, name="vigil-watch-analyser", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def next_event(self, timeout: float) -> Event | None:
        """The next event, None after `timeout` seconds without one; an event
        of kind "done" once the source ended and analysis drained."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def join(self, timeout: float = 60.0) -> list[Event]:
        """Stop, wait for the threads, and return the events still queued
        (segments closed while stopping)."""
        self.stop()
        for thread in self._threads:
            thread.join(timeout=timeout)
        left: list[Event] = []
        while not self._events.empty():
            left.append(self._events.get_nowait())
        return left

    # -- reader thread --------------------------------------------------------------
    def _warn(self, message: str) -> None:
        log.warning("watch %s: %s", self.source.spec, message)
        self._events.put(Event("warning", message=message))

    def _read(self) -> None:
        try:
            self._read_source()
        except Exception as exc:  # a reader crash must still close the session
            log.exception("watch reader failed")
            self._warn(f"The reader stopped unexpectedly: {type(exc).__name__}: {exc}")
        finally:
            self._slot.close()  # the analyser drains it, then posts "done"

    def _read_source(self) -> None:
        import av

        try:
            container = av.open(
                self.source.target,
                mode="r",
                format=self.source.format,
                options=dict(self.source.options),
                metadata_errors="ignore",
                timeout=self.source.timeout_s,
            )
        except _av_errors() as exc:
            self._warn(f"The source could not be opened: {type(exc).__name__}: {exc}")
            return
        with container:
            if not container.streams.video:
                self._warn("The source has no video stream; nothing to watch.")
                return
            video = container.streams.video[0]
            ctx = video.codec_context
            if (ctx.width or 0) * (ctx.height or 0) > MAX_PIXELS:
                self._warn(f"Frames of {ctx.width}x{ctx.height} are too large to decode.")
                return
            video.thread_type = "AUTO"
            audio = container.streams.audio[0] if container.streams.audio else None
            self._describe(container, video, audio)
            recorder = SegmentRecorder(
                video,
                audio,
                self._folder,
                self.settings.segment_s,
                lambda s: self._events.put(Event("segment", segment=s)),
                self._warn,
            )
            try:
                self._pump(container, video, audio, recorder)
            finally:
                recorder.close()

    def _describe(
        self,
        container: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        audio: av.audio.stream.AudioStream | None,
    ) -> None:
        ctx = video.codec_context
        rate = video.average_rate or video.guessed_rate
        if rate:
            self._early_s = min(self._early_s, 0.4 / float(rate))
        self.source_info = {
            "container": str(container.format.name),
            "video_codec": str(ctx.name),
            "width": int(ctx.width or 0),
            "height": int(ctx.height or 0),
            "declared_fps": round(float(rate), 3) if rate else None,
            "audio_codec": str(audio.codec_context.name) if audio is not None else None,
            "declared_seconds": (
                round(container.duration / 1_000_000, 3) if container.duration else None
            ),
        }

    def _pump(
        self,
        container: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        audio: av.audio.stream.AudioStream | None,
        recorder: SegmentRecorder,
    ) -> None:
        import av

        pace = self.settings.realtime and self.source.kind is SourceKind.FILE
        errors = 0
        demuxer = container.demux(*(s for s in (video, audio) if s is not None))
        while not self._stop.is_set():
            try:
                packet = next(demuxer)
            except StopIteration:
                self._ended(container)
                return
            except _av_errors() as exc:
                errors += 1
                if errors <= _MAX_READ_ERRORS and isinstance(exc, av.error.InvalidDataError):
                    continue  # a damaged packet: skip it
                self._warn(
                    f"The source broke off at {self.stats.media_seconds:.1f} s "
                    f"({type(exc).__name__}: {exc}); the session is closed."
                )
                return
            t = self._media_time(packet, video)
            if t is None:  # e.g. the empty packet at the end that drains the decoder
                if packet.stream.index == video.index:
                    self._decode(video, packet, recorder)
                recorder.add_packet(packet, self.stats.media_seconds)
                continue
            if self.settings.max_seconds is not None and t > self.settings.max_seconds:
                return
            if pace and self._stop.wait(max(0.0, self._wall_origin + t - time.monotonic())):
                return
            self.stats.packets += 1
            self.stats.bytes_read += packet.size
            if packet.stream.index == video.index:
                self._decode(video, packet, recorder)
            recorder.add_packet(packet, t)  # after decoding: muxing rebases the packet
            self.stats.media_seconds = max(self.stats.media_seconds, t)

    def _media_time(
        self, packet: av.Packet[Any], video: av.video.stream.VideoStream
    ) -> float | None:
        """Seconds since the video stream's start (as a player counts); the
        first packet also fixes the wall-clock origin."""
        stamp = packet.dts if packet.dts is not None else packet.pts
        if stamp is None or packet.time_base is None:
            return None
        seconds = float(stamp * packet.time_base)
        if self._origin is None:
            self._origin = _start_seconds(video, seconds)
            self._wall_origin = time.monotonic() - max(0.0, seconds - self._origin)
            self.stats.started_monotonic = self._wall_origin
        return seconds - self._origin

    def _decode(
        self,
        video: av.video.stream.VideoStream,
        packet: av.Packet[Any],
        recorder: SegmentRecorder,
    ) -> None:
        try:
            frames = video.decode(packet)
        except _av_errors() as exc:
            self.stats.decode_errors += 1
            log.info("watch: a packet did not decode: %s", exc)
            return
        for frame in frames:
            self.stats.frames_decoded += 1
            if frame.time is None or not math.isfinite(frame.time) or self._origin is None:
                continue
            t = float(frame.time) - self._origin
            if recorder.re_encodes:
                recorder.add_frame(frame, t)
            # on a fixed grid of every_s; a frame a little early stands for its slot
            if self._analyse is None or t + self._early_s < self._next_due:
                continue
            while self._next_due <= t + self._early_s:
                self._next_due += self.settings.every_s
            self.stats.frames_offered += 1
            self._slot.offer(_Offer(t, frame), wait=not self._drops)

    def _ended(self, container: av.container.InputContainer) -> None:
        if self.source.kind is not SourceKind.FILE:
            self._warn(
                f"The source ended after {self.stats.media_seconds:.1f} s; the session is closed."
            )
            return
        declared = container.duration / 1_000_000 if container.duration else None
        if declared and self.stats.media_seconds < declared - 2.0:
            self._warn(
                f"The file ended at {self.stats.media_seconds:.1f} s of a declared "
                f"{declared:.1f} s (truncated?)."
            )

    # -- analyser thread --------------------------------------------------------------
    def _analyse_loop(self) -> None:
        try:
            while True:
                offer = self._slot.take()
                if offer is None:
                    break
                self._analyse_one(offer)
        finally:
            self.stats.frames_dropped = self._slot.dropped
            self.stats.ended_monotonic = time.monotonic()
            self._events.put(Event("done"))

    def _analyse_one(self, offer: _Offer) -> None:
        from vigil.video.frames import scaled_size

        if self._analyse is None:
            return
        started = time.monotonic()
        try:
            frame = offer.frame
            width, height = scaled_size(frame.width, frame.height, self.settings.max_side)
            rgb = frame.to_ndarray(format="rgb24", width=width, height=height)
            self._analyse(offer.t, rgb)
        except Exception as exc:  # one bad frame must not end a live session
            self.stats.analysis_errors += 1
            if self.stats.analysis_errors <= 3:
                self._warn(f"Analysis failed on the frame at {offer.t:.3f} s: {exc}")
            return
        done = time.monotonic()
        self.stats.frames_analysed += 1
        self.stats.analysis_seconds += done - started
        self.stats.frames_dropped = self._slot.dropped
        if self._drops:
            self.stats.add_lag(done - self.stats.started_monotonic - offer.t)
