"""Decode any audio (or the first audio track of a video) to 16 kHz mono float32,
in bounded blocks.

PyAV (ffmpeg, bundled in its wheel) demuxes, decodes, downmixes and resamples
(libswresample, ffmpeg's default resampler, the one the shared training set
was made with). Nothing is read whole: packets are pulled from the stream as
the caller consumes blocks, so an hours-long file costs the same memory as a
short one. Problems are data, never exceptions: a reader that cannot go on
records a `problem` (unreadable or unsupported) and stops yielding; a decode
error part-way records a warning and keeps what was decoded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import av
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "MAX_SOURCE_RATE",
    "MIN_SOURCE_RATE",
    "TARGET_RATE",
    "AudioInfo",
    "AudioProblem",
    "AudioReader",
    "ProblemKind",
    "quantise_16bit",
]

log = logging.getLogger(__name__)

TARGET_RATE = 16_000
"""Every detector sees 16 kHz mono float32 in [-1, 1]."""
MIN_SOURCE_RATE = 4_000
"""Below this there is no speech band left to analyse."""
MAX_SOURCE_RATE = 768_000
_PROBE_BYTES = 5_000_000
_ANALYZE_US = 5_000_000
_MAX_CHANNELS = 64
_MAX_DECODE_ERRORS = 20


class ProblemKind(StrEnum):
    UNREADABLE = "unreadable"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class AudioProblem:
    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the container says about the audio track that is decoded."""

    container: str
    codec: str
    source_rate: int
    channels: int
    layout: str
    declared_seconds: float | None
    has_video: bool

    def to_json(self) -> dict[str, str | int | float | bool | None]:
        return {
            "container": self.container,
            "codec": self.codec,
            "source_rate": self.source_rate,
            "channels": self.channels,
            "layout": self.layout,
            "declared_seconds": self.declared_seconds,
            "has_video": self.has_video,
        }


@dataclass(slots=True)
class AudioReader:
    """Streams 16 kHz mono float32 blocks from a binary stream.

    Use as::

        reader = AudioReader(stream, max_seconds=3600)
        for block in reader.blocks():
            ...
        reader.problem, reader.warnings, reader.seconds_read, reader.truncated

    `blocks()` can be consumed once. Blocks are at most `block_seconds` long.
    """

    stream: BinaryIO
    max_seconds: float | None = None
    block_seconds: float = 1.0
    info: AudioInfo | None = None
    problem: AudioProblem | None = None
    warnings: list[str] = field(default_factory=list)
    samples_read: int = 0
    truncated: bool = False

    @property
    def seconds_read(self) -> float:
        return self.samples_read / TARGET_RATE

    def blocks(self) -> Iterator[npt.NDArray[np.float32]]:
        try:
            import av
        except ImportError:
            self.problem = AudioProblem(
                ProblemKind.UNSUPPORTED, "PyAV is not installed, so audio cannot be decoded."
            )
            return
        try:
            container = av.open(
                self.stream,
                mode="r",
                metadata_errors="ignore",
                options={"probesize": str(_PROBE_BYTES), "analyzeduration": str(_ANALYZE_US)},
            )
        except (av.FFmpegError, ValueError, OSError, EOFError, MemoryError) as exc:
            self.problem = _open_problem(exc)
            return
        with container:
            yield from self._decode(container)

    def _decode(self, container: av.container.InputContainer) -> Iterator[npt.NDArray[np.float32]]:
        import av

        if not container.streams.audio:
            kinds = sorted({s.type for s in container.streams})
            self.problem = AudioProblem(
                ProblemKind.UNSUPPORTED,
                f"The {container.format.name} content has no audio track "
                f"(streams: {', '.join(kinds) or 'none'}).",
            )
            return
        track = container.streams.audio[0]
        info = _info(container, track)
        self.info = info
        if len(container.streams.audio) > 1:
            self.warnings.append(
                f"{len(container.streams.audio)} audio tracks; only the first was analysed."
            )
        if info.channels > _MAX_CHANNELS:
            self.problem = AudioProblem(
                ProblemKind.UNSUPPORTED, f"{info.channels} channels is more than {_MAX_CHANNELS}."
            )
            return
        if info.source_rate and not MIN_SOURCE_RATE <= info.source_rate <= MAX_SOURCE_RATE:
            self.problem = AudioProblem(
                ProblemKind.UNSUPPORTED,
                f"Sample rate {info.source_rate} Hz is outside "
                f"{MIN_SOURCE_RATE}-{MAX_SOURCE_RATE} Hz.",
            )
            return
        resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_RATE)
        limit = None if self.max_seconds is None else int(self.max_seconds * TARGET_RATE)
        buffer = _BlockBuffer(max(1, int(self.block_seconds * TARGET_RATE)))
        errors = 0
        packets = container.demux(track)
        while True:
            try:
                packet = next(packets)
                frames = packet.decode()
            except StopIteration:
                break
            except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
                errors += 1
                if errors > _MAX_DECODE_ERRORS:
                    self.warnings.append(f"Decoding stopped after {errors} errors: {exc}")
                    break
                continue
            for frame in frames:
                if (
                    frame.sample_rate
                    and not MIN_SOURCE_RATE <= frame.sample_rate <= MAX_SOURCE_RATE
                ):
                    errors += 1
                    continue
                try:
                    converted = resampler.resample(frame)
                except (av.FFmpegError, ValueError) as exc:
                    errors += 1
                    self.warnings.append(f"A frame could not be resampled: {exc}")
                    continue
                for out in converted:
                    yield from self._emit(buffer, out.to_ndarray()[0], limit)
                    if self.truncated:
                        return
        if errors:
            self.warnings.append(
                f"{errors} packet(s) or frame(s) could not be decoded and were skipped."
            )
        try:
            tail = resampler.resample(None)
        except (av.FFmpegError, ValueError):
            tail = []
        for out in tail:
            yield from self._emit(buffer, out.to_ndarray()[0], limit)
            if self.truncated:
                return
        rest = buffer.flush()
        if rest is not None:
            yield rest
        if self.samples_read == 0 and self.problem is None:
            self.problem = AudioProblem(
                ProblemKind.UNREADABLE,
                f"The {info.codec} audio track decoded to no samples (empty or corrupt).",
            )

    def _emit(
        self,
        buffer: _BlockBuffer,
        samples: npt.NDArray[np.float32],
        limit: int | None,
    ) -> Iterator[npt.NDArray[np.float32]]:
        import numpy as np

        if limit is not None and self.samples_read + samples.size > limit:
            samples = samples[: max(0, limit - self.samples_read)]
            self.truncated = True
        if not np.isfinite(samples).all():
            samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
        samples = np.clip(samples, -1.0, 1.0)
        self.samples_read += samples.size
        yield from buffer.push(samples)
        if self.truncated:
            rest = buffer.flush()
            if rest is not None:
                yield rest
            self.warnings.append(
                f"Only the first {self.max_seconds:g} s were analysed (max_seconds)."
            )


class _BlockBuffer:
    """Regroups the resampler's small frames into blocks of a fixed size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: list[npt.NDArray[np.float32]] = []
        self.count = 0

    def push(self, samples: npt.NDArray[np.float32]) -> Iterator[npt.NDArray[np.float32]]:
        import numpy as np

        if samples.size:
            self.parts.append(np.ascontiguousarray(samples, dtype=np.float32))
            self.count += samples.size
        while self.count >= self.size:
            joined = np.concatenate(self.parts)
            yield joined[: self.size]
            rest = joined[self.size :]
            self.parts = [rest] if rest.size else []
            self.count = rest.size

    def flush(self) -> npt.NDArray[np.float32] | None:
        import numpy as np

        if not self.count:
            return None
        joined = np.concatenate(self.parts)
        self.parts, self.count = [], 0
        return joined


def _info(container: av.container.InputContainer, track: av.audio.stream.AudioStream) -> AudioInfo:
    declared: float | None = None
    if track.duration is not None and track.time_base is not None:
        declared = float(track.duration * track.time_base)
    elif container.duration is not None:
        declared = container.duration / 1_000_000
    codec = track.codec_context
    return AudioInfo(
        container=container.format.name,
        codec=codec.name if codec is not None else "unknown",
        source_rate=int(track.rate or 0),
        channels=int(track.channels or 0),
        layout=str(track.layout.name) if track.layout is not None else "unknown",
        declared_seconds=declared,
        has_video=bool(container.streams.video),
    )


def _open_problem(exc: BaseException) -> AudioProblem:
    text = str(exc) or type(exc).__name__
    if "Invalid data" in text or "End of file" in text or isinstance(exc, EOFError):
        return AudioProblem(
            ProblemKind.UNSUPPORTED,
            "The content is not a media format ffmpeg recognises (or its header is corrupt).",
        )
    return AudioProblem(ProblemKind.UNREADABLE, f"The media could not be opened: {text[:200]}")


def quantise_16bit(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Round to the 16-bit PCM grid, so every input has the bit depth of the training set."""
    import numpy as np

    return (np.round(samples * 32767.0) / 32767.0).astype(np.float32)
