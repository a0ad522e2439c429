"""Reading the shared audio set (labels.csv + FLAC clips) into speech units,
through exactly the intake the detectors use at run time, with optional
label-neutral augmentations (narrow band, Opus) applied to both classes."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

import vigil
from vigil.audio import AudioReader, Vad, segment_all
from vigil.detectors.audio._features import MIN_UNIT_S

__all__ = [
    "Clip",
    "default_data_dir",
    "narrowband",
    "opus_roundtrip",
    "read_clips",
    "read_samples",
    "units",
]

log = logging.getLogger(__name__)
Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Clip:
    path: Path
    label: str
    system: str
    kind: str
    speaker: str
    origin: str

    @property
    def is_spoof(self) -> bool:
        return self.label == "spoof"

    @property
    def source_repo(self) -> str:
        return self.origin.split(":", 1)[0] if ":" in self.origin else self.origin

    @property
    def corpus(self) -> str:
        return self.speaker.split(":", 1)[0]


def default_data_dir() -> Path:
    """../shared/data/audio beside the repository (as the tests' fixture)."""
    return Path(vigil.__file__).resolve().parents[3] / "shared" / "data" / "audio"


def read_clips(data_dir: Path) -> list[Clip]:
    with (data_dir / "labels.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Clip(
            data_dir / r["path"],
            r["label"],
            r["system"],
            r["kind"],
            r["speaker"],
            r["origin"],
        )
        for r in rows
    ]


def read_samples(path: Path | io.BytesIO) -> Samples:
    stream = path.open("rb") if isinstance(path, Path) else path
    with stream:
        reader = AudioReader(stream)
        blocks = list(reader.blocks())
    if reader.problem is not None or not blocks:
        raise ValueError(f"{path}: {reader.problem}")
    return np.concatenate(blocks)


def units(samples: Samples, vad: Vad, block: int = 16_000) -> Iterator[Samples]:
    """Speech segments of at least MIN_UNIT_S, as the detector cuts them."""
    blocks = (samples[i : i + block] for i in range(0, samples.size, block))
    for segment in segment_all(blocks, vad):
        if segment.duration_s >= MIN_UNIT_S:
            yield segment.samples


def _resample(samples: Samples, src: int, dst: int) -> Samples:
    import av

    frame = av.AudioFrame.from_ndarray(
        samples[None, :].astype(np.float32), format="flt", layout="mono"
    )
    frame.sample_rate = src
    resampler = av.AudioResampler(format="flt", layout="mono", rate=dst)
    out = [f.to_ndarray()[0] for f in resampler.resample(frame)]
    out += [f.to_ndarray()[0] for f in resampler.resample(None)]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def narrowband(samples: Samples) -> Samples:
    """Down to 8 kHz and back (ffmpeg's resampler), as the FSDD recordings were."""
    return _resample(_resample(samples, 16_000, 8_000), 8_000, 16_000)[: samples.size]


def opus_roundtrip(samples: Samples, bitrate: int = 24_000) -> Samples:
    """Encode to Opus in Ogg (as messenger voice notes are) and decode again."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48_000)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            samples[None, :].astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = 16_000
        fmt = stream.codec_context.format
        resampler = av.AudioResampler(
            format=fmt.name if fmt is not None else "flt", layout="mono", rate=48_000
        )
        for converted in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    return read_samples(buf)[: samples.size]


AUGMENTATIONS: dict[str, Callable[[Samples], Samples]] = {
    "narrowband": narrowband,
    "opus24k": opus_roundtrip,
}
