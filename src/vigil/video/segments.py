"""Recording a live source: its packets remuxed, not re-encoded, into
Matroska segments of about `segment_s` seconds, each cut at a video keyframe
so it plays on its own. Timestamps are kept as received.

Raw sources (`rawvideo`: X11 screen grabs, many V4L2 webcams) would fill
about 90 MB per second at 720p; their frames are encoded with libx264
(ultrafast, CRF 18) instead, and the segment says so (`re_encoded`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import av

__all__ = ["ClosedSegment", "SegmentRecorder"]

_MS = Fraction(1, 1000)


def _av_errors() -> tuple[type[BaseException], ...]:
    import av

    return (av.FFmpegError, ValueError, OSError, EOFError, MemoryError)


@dataclass(frozen=True, slots=True)
class ClosedSegment:
    index: int
    path: Path
    media_start_s: float
    media_end_s: float
    wall_start: datetime
    wall_end: datetime
    packets: int
    starts_with_keyframe: bool
    re_encoded: bool
    codecs: tuple[str, ...]


class SegmentRecorder:
    """Writes the incoming packets into Matroska files of about `segment_s`
    seconds each, cut at a video keyframe (so each plays on its own) or, when
    keyframes are rarer, at 3 x segment_s. Timestamps are kept as received."""

    def __init__(
        self,
        video: av.video.stream.VideoStream,
        audio: av.audio.stream.AudioStream | None,
        folder: Path,
        segment_s: float,
        on_closed: Callable[[ClosedSegment], None],
        on_warning: Callable[[str], None],
    ) -> None:
        self._video = video
        self._audio = audio
        self._folder = folder
        self._segment_s = segment_s
        self._on_closed = on_closed
        self._on_warning = on_warning
        self.re_encodes = video.codec_context.name == "rawvideo"
        self._index = 0
        self._out: av.container.OutputContainer | None = None
        self._streams: dict[int, av.stream.Stream] = {}
        self._start_t = 0.0
        self._end_t = 0.0
        self._wall_start = datetime.now(UTC)
        self._packets = 0
        self._keyframe_start: bool | None = None
        """Whether the segment's first video packet is a keyframe (None: none yet)."""
        self._path: Path | None = None
        self._broken = False
        self._encoder: av.video.stream.VideoStream | None = None

    def add_packet(self, packet: av.Packet[Any], t: float) -> None:
        """A demuxed packet at media time t (after it was decoded)."""
        if self._broken or packet.size == 0:
            return
        is_video = packet.stream.index == self._video.index
        if self.re_encodes and is_video:
            return  # raw frames arrive through add_frame
        if is_video or self._out is None:
            self._maybe_cut(t, bool(packet.is_keyframe) if is_video else False)
        if is_video and self._keyframe_start is None:
            self._keyframe_start = bool(packet.is_keyframe)
        if self._out is None:
            return
        target = self._streams.get(packet.stream.index)
        if target is None:
            return
        try:
            packet.stream = target
            self._out.mux(packet)
            self._packets += 1
            self._end_t = max(self._end_t, t)
        except _av_errors() as exc:
            self._on_warning(f"A packet at {t:.3f} s could not be recorded: {exc}")

    def add_frame(self, frame: av.VideoFrame, t: float) -> None:
        """A decoded raw frame (re-encoding sources only)."""
        if self._broken or not self.re_encodes:
            return
        self._maybe_cut(t, keyframe=True)
        self._keyframe_start = True
        if self._out is None:
            return
        encoder = self._encoder
        if encoder is None:
            return
        try:
            converted = frame.reformat(format="yuv420p")
            converted.pts = round(t * 1000)
            converted.time_base = _MS
            for packet in encoder.encode(converted):
                self._out.mux(packet)
                self._packets += 1
            self._end_t = max(self._end_t, t)
        except _av_errors() as exc:
            self._on_warning(f"The frame at {t:.3f} s could not be encoded: {exc}")

    def close(self) -> None:
        self._finish()

    def _maybe_cut(self, t: float, keyframe: bool) -> None:
        if self._out is None:
            self._open(t)
            return
        elapsed = t - self._start_t
        if (keyframe and elapsed >= self._segment_s) or elapsed >= 3 * self._segment_s:
            self._finish()
            self._open(t)

    def _open(self, t: float) -> None:
        import av

        self._index += 1
        path = self._folder / f"segment-{self._index:05d}.mkv"
        try:
            out = av.open(str(path), mode="w", format="matroska")
            self._streams = {self._video.index: self._video_stream(out)}
            if self._audio is not None:
                self._streams[self._audio.index] = out.add_stream_from_template(self._audio)
        except _av_errors() as exc:
            self._broken = True
            self._on_warning(f"Recording stopped: segment {self._index} could not be opened: {exc}")
            return
        self._out, self._path = out, path
        self._start_t = self._end_t = t
        self._wall_start = datetime.now(UTC)
        self._packets = 0
        self._keyframe_start = None

    def _video_stream(self, out: av.container.OutputContainer) -> av.stream.Stream:
        self._encoder = None
        if not self.re_encodes:
            return out.add_stream_from_template(self._video)
        ctx = self._video.codec_context
        stream = out.add_stream("libx264", rate=self._video.average_rate or 25)
        stream.width, stream.height = ctx.width // 2 * 2, ctx.height // 2 * 2
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = _MS
        stream.options = {"preset": "ultrafast", "crf": "18"}
        self._encoder = stream
        return stream

    def _finish(self) -> None:
        out, path = self._out, self._path
        self._out = None
        if out is None or path is None:
            return
        try:
            if self._encoder is not None:
                for packet in self._encoder.encode(None):
                    out.mux(packet)
                    self._packets += 1
            out.close()
        except _av_errors() as exc:
            self._on_warning(f"Segment {self._index} could not be finished cleanly: {exc}")
            try:
                out.close()
            except _av_errors():
                pass
        if self._packets == 0:
            path.unlink(missing_ok=True)
            return
        codecs = tuple(
            s.codec_context.name if s.codec_context is not None else "unknown"
            for s in self._streams.values()
        )
        self._on_closed(
            ClosedSegment(
                index=self._index,
                path=path,
                media_start_s=self._start_t,
                media_end_s=self._end_t,
                wall_start=self._wall_start,
                wall_end=datetime.now(UTC),
                packets=self._packets,
                starts_with_keyframe=bool(self._keyframe_start),
                re_encoded=self.re_encodes,
                codecs=codecs,
            )
        )
