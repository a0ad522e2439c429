"""What a video item yields at ingest: its audio track as 16 kHz mono FLAC and
a few still frames as PNG, each with the span of media time it covers.

Stills: `count` frames spread over the clip, read by
`vigil.video.frames.iter_frames` (one sample a second for short clips;
for longer ones evenly spread samples, reached by seeking to keyframes, so
an hours-long file costs a few seeks). PNG, not JPEG: image forensics must
see the decoder's output, not a second lossy compression. Frames larger
than `max_side` are shrunk to it (and say so).

Audio: the first `max_seconds` of the first audio track, decoded by
`vigil.audio.decode.AudioReader` (the one way audio is decoded), rounded to
16-bit and encoded to FLAC in a spooled temporary file, so memory stays
bounded whatever the length.

Problems are data: nothing here raises for bad input; what went wrong is
in `warnings`.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vigil.video.probe import VideoInfo

__all__ = ["AudioTrack", "Still", "StillSampler", "extract_audio_track"]

log = logging.getLogger(__name__)

_SPOOL_BYTES = 4 << 20
_STILL_SPACING_S = 1.0


def _av_errors() -> tuple[type[BaseException], ...]:
    import av

    return (av.FFmpegError, ValueError, OSError, EOFError, MemoryError)


# -- stills ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Still:
    """One decoded frame as PNG, with the media time it covers."""

    start_s: float
    end_s: float
    png: bytes
    source_size: tuple[int, int]
    scaled: bool

    @property
    def name(self) -> str:
        return f"frame-{self.start_s:010.3f}s.png"


@dataclass(slots=True)
class StillSampler:
    """At most `count` stills of a video; `warnings` says what went wrong on
    the way. Use `stills(stream, info)` once."""

    count: int = 4
    max_side: int = 3840
    warnings: list[str] = field(default_factory=list)

    def stills(self, stream: BinaryIO, info: VideoInfo) -> Iterator[Still]:
        from vigil.video.frames import SamplingLog, iter_frames

        if self.count <= 0 or info.video is None:
            return
        fps = info.video.average_fps
        frame_s = 1.0 / fps if fps else 0.04
        log = SamplingLog()
        for t, rgb in iter_frames(
            stream,
            every_s=_STILL_SPACING_S,
            max_frames=self.count,
            max_side=self.max_side,
            sampling=log,
        ):
            source = log.source_size or (rgb.shape[1], rgb.shape[0])
            try:
                png = _png(rgb)
            except _av_errors() as exc:
                self.warnings.append(f"The frame at {t:.3f} s could not be encoded: {exc}")
                continue
            scaled = (rgb.shape[1], rgb.shape[0]) != source
            yield Still(t, t + frame_s, png, source, scaled)
        self.warnings.extend(log.warnings)


def _png(rgb: NDArray[np.uint8]) -> bytes:
    import av

    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
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
    from vigil.audio.decode import TARGET_RATE, AudioReader

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
        track.problem = reader.problem.message if reader.problem else "No audio was decoded."
        return track
    spool.seek(0)
    track.flac = spool
    track.seconds = samples / TARGET_RATE
    return track


def _encode_flac(blocks: Iterator[NDArray[np.float32]], out: IO[bytes], rate: int) -> int:
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
