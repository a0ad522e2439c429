"""What a video item yields at ingest: its audio track as 16 kHz mono FLAC and
a few still frames as PNG, each with the span of media time it covers.

Stills: for `count` target times spread over the declared duration the reader
seeks back to the keyframe before the target and keeps it (the keyframe is
the best-quality picture an encoder stores); when that keyframe was already
taken (long GOPs, screen recordings) it decodes on to the target, at most
`max_decode_per_still` frames. Where seeking fails (no index, a truncated or
streamed file), frames are taken in one forward pass, bounded the same way.
PNG, not JPEG: image forensics must see the decoder's output, not a second
lossy compression. Frames larger than `max_side` are shrunk to it (and say so).

Audio: the first `max_seconds` of the first audio track, decoded by
`vigil.audio.decode.AudioReader` (the one way audio is decoded), rounded to
16-bit and encoded to FLAC in a spooled temporary file, so memory stays
bounded whatever the length.

Problems are data: every function returns what it could do plus warnings,
and never raises for bad input.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import av

    from vigil.video.probe import VideoInfo

__all__ = ["AudioTrack", "Still", "StillSampler", "extract_audio_track"]

log = logging.getLogger(__name__)

_AV_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError, EOFError, MemoryError)
_SPOOL_BYTES = 4 << 20
_MAX_ERRORS = 20


def _av_errors() -> tuple[type[BaseException], ...]:
    import av

    return (av.FFmpegError, *_AV_ERRORS)


# -- stills ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Still:
    """One decoded frame as PNG, with the media time it covers."""

    start_s: float
    end_s: float
    png: bytes
    key_frame: bool
    source_size: tuple[int, int]
    scaled: bool

    @property
    def name(self) -> str:
        kind = "key" if self.key_frame else "frame"
        return f"{kind}-{self.start_s:010.3f}s.png"


@dataclass(slots=True)
class StillSampler:
    """Decodes at most `count` stills from a video stream; `warnings` says what
    went wrong on the way. Use `stills(stream, info)` once."""

    count: int = 8
    max_side: int = 3840
    max_decode_per_still: int = 300
    warnings: list[str] = field(default_factory=list)
    _origin: float = 0.0

    def stills(self, stream: BinaryIO, info: VideoInfo) -> Iterator[Still]:
        import av

        if self.count <= 0 or info.video is None:
            return
        try:
            container = av.open(stream, mode="r", metadata_errors="ignore")
        except _av_errors() as exc:
            self.warnings.append(f"The video could not be reopened for stills: {exc}")
            return
        try:
            with container:
                if not container.streams.video:
                    return
                video = container.streams.video[0]
                video.thread_type = "AUTO"
                yield from self._sample(container, video, info)
        except _av_errors() as exc:
            self.warnings.append(f"Still extraction stopped: {type(exc).__name__}: {exc}")

    def _sample(
        self,
        container: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        info: VideoInfo,
    ) -> Iterator[Still]:
        fps = info.video.average_fps if info.video and info.video.average_fps else None
        frame_s = 1.0 / (fps or 25.0)
        # times are from the start of the media, as a player shows them
        self._origin = (container.start_time or 0) / 1_000_000
        taken: set[float] = set()
        targets = _targets(info.duration_seconds, self.count)
        if targets is None or not _can_seek(container):
            yield from self._forward_pass(container, video, targets, frame_s)
            return
        for target in targets:
            frame = self._frame_at(container, video, target, taken)
            if frame is None:
                continue
            still = self._still(frame, frame_s)
            if still is not None:
                taken.add(round(still.start_s, 3))
                yield still

    def _frame_at(
        self,
        container: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        target: float,
        taken: set[float],
    ) -> av.VideoFrame | None:
        try:
            container.seek(int((target + self._origin) * 1_000_000), backward=True, any_frame=False)
        except _av_errors() as exc:
            self.warnings.append(f"Seeking to {target:.3f} s failed: {exc}")
            return None
        decoded = 0
        for frame in _frames(container, video, self):
            decoded += 1
            start = self._time(frame)
            if start is None:
                continue
            if round(start, 3) not in taken and (frame.key_frame or start >= target):
                return frame
            if decoded >= self.max_decode_per_still:
                return frame if round(start, 3) not in taken else None
        return None

    def _forward_pass(
        self,
        container: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        targets: list[float] | None,
        frame_s: float,
    ) -> Iterator[Still]:
        """Without seeking: the first frame at or past each target (or, with no
        known duration, the first `count` keyframes), within a decode budget."""
        budget = self.max_decode_per_still * max(self.count, 1)
        wanted = list(targets) if targets is not None else None
        emitted = 0
        for decoded, frame in enumerate(_frames(container, video, self), start=1):
            start = self._time(frame)
            due = (
                frame.key_frame
                if wanted is None
                else start is not None and bool(wanted) and start >= wanted[0]
            )
            if due:
                still = self._still(frame, frame_s)
                if still is not None:
                    emitted += 1
                    yield still
                if wanted:
                    while wanted and start is not None and start >= wanted[0]:
                        wanted.pop(0)
            if emitted >= self.count or wanted == []:
                return
            if decoded >= budget:
                self.warnings.append(
                    f"Stopped looking for stills after decoding {decoded} frames ({emitted} kept)."
                )
                return

    def _time(self, frame: av.VideoFrame) -> float | None:
        """Seconds from the start of the media; None without a timestamp."""
        if frame.pts is None or frame.time_base is None:
            return None
        value = float(frame.pts * frame.time_base) - self._origin
        return max(0.0, value) if math.isfinite(value) else None

    def _still(self, frame: av.VideoFrame, frame_s: float) -> Still | None:
        start = self._time(frame) or 0.0
        width, height = frame.width, frame.height
        scale = min(1.0, self.max_side / max(width, height, 1))
        out_w, out_h = max(2, int(width * scale) & ~1), max(2, int(height * scale) & ~1)
        try:
            rgb = frame.reformat(width=out_w, height=out_h, format="rgb24")
            png = _png(rgb)
        except _av_errors() as exc:
            self.warnings.append(f"The frame at {start:.3f} s could not be converted: {exc}")
            return None
        duration = frame_s
        if frame.duration and frame.time_base:
            duration = float(frame.duration * frame.time_base) or frame_s
        return Still(
            start_s=start,
            end_s=start + duration,
            png=png,
            key_frame=bool(frame.key_frame),
            source_size=(width, height),
            scaled=scale < 1.0,
        )


def _targets(duration: float | None, count: int) -> list[float] | None:
    """Times spread over the clip, the first at 0; None when the length is unknown."""
    if duration is None or not math.isfinite(duration) or duration <= 0:
        return None
    return [duration * i / count for i in range(count)]


def _can_seek(container: av.container.InputContainer) -> bool:
    try:
        container.seek(0, backward=True, any_frame=False)
    except _av_errors():
        return False
    return True


def _frames(
    container: av.container.InputContainer,
    video: av.video.stream.VideoStream,
    sampler: StillSampler,
) -> Iterator[av.VideoFrame]:
    """Decoded frames of the stream; decode errors are counted, not raised."""
    errors = 0
    packets = container.demux(video)
    while True:
        try:
            packet = next(packets)
            frames = packet.decode()
        except StopIteration:
            return
        except _av_errors() as exc:
            errors += 1
            if errors > _MAX_ERRORS:
                sampler.warnings.append(f"Decoding stopped after {errors} errors: {exc}")
                return
            continue
        yield from frames


def _png(frame: av.VideoFrame) -> bytes:
    import av

    codec = av.CodecContext.create("png", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = frame.width, frame.height, "rgb24"
    packets = [*codec.encode(frame), *codec.encode(None)]
    return b"".join(bytes(p) for p in packets)


# -- audio -------------------------------------------------------------------
@dataclass(slots=True)
class AudioTrack:
    """The decoded audio track as FLAC in a spooled file (rewound), or why not."""

    flac: IO[bytes] | None = None
    seconds: float = 0.0
    truncated: bool = False
    absent: bool = False
    """True when the container simply has no audio track (not a problem)."""
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        assert self.flac is not None
        self.flac.seek(0)
        while chunk := self.flac.read(size):
            yield chunk

    def close(self) -> None:
        if self.flac is not None:
            self.flac.close()


def extract_audio_track(stream: BinaryIO, max_seconds: float) -> AudioTrack:
    """Decode at most `max_seconds` of the first audio track to 16 kHz mono FLAC."""
    from vigil.audio.decode import TARGET_RATE, AudioReader, ProblemKind

    track = AudioTrack()
    reader = AudioReader(stream, max_seconds=max_seconds, block_seconds=4.0)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        samples = _encode_flac(reader.blocks(), spool, TARGET_RATE)
    except _av_errors() as exc:
        spool.close()
        track.problem = f"The audio track could not be encoded to FLAC: {exc}"
        return track
    track.warnings.extend(reader.warnings)
    track.truncated = reader.truncated
    if reader.problem is not None or samples == 0:
        spool.close()
        no_track = reader.problem is not None and reader.problem.kind is ProblemKind.UNSUPPORTED
        if no_track and "no audio track" in reader.problem.message:  # type: ignore[union-attr]
            track.absent = True
        else:
            track.problem = reader.problem.message if reader.problem else "No audio decoded."
        return track
    spool.seek(0)
    track.flac = spool
    track.seconds = samples / TARGET_RATE
    return track


def _encode_flac(blocks: Iterator[object], out: IO[bytes], rate: int) -> int:
    """Write 16-bit FLAC of the float blocks to `out`; the number of samples."""
    import av
    import numpy as np

    samples = 0
    container: av.container.OutputContainer | None = None
    stream: av.audio.stream.AudioStream | None = None
    for block in blocks:
        pcm = np.round(np.asarray(block, dtype=np.float32) * 32767.0).astype(np.int16)
        if pcm.size == 0:
            continue
        if container is None:
            container = av.open(out, mode="w", format="flac")
            added = container.add_stream("flac", rate=rate, layout="mono")
            assert isinstance(added, av.audio.stream.AudioStream)
            stream = added
            stream.format = "s16"
        assert stream is not None
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = samples
        samples += pcm.size
        for packet in stream.encode(frame):
            container.mux(packet)
    if container is not None and stream is not None:
        for packet in stream.encode(None):
            container.mux(packet)
        container.close()
    return samples
