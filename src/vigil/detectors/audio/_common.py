"""What both audio detectors share: one streaming pass over an item (decode,
VAD, speech segments, optional spectrogram) and the findings for problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from vigil.audio import AudioReader, ProblemKind, Segmenter, SpeechSegment, Vad, load_vad
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["AudioPass", "VadChoice", "choose_vad", "problem", "run_pass"]

VadChoice = Literal["energy", "silero"]
"""energy: fast, deterministic, always there (the default; the models were trained
with it). silero: silero-vad's ONNX model when installed (better in noise, about
half the detector's time), else the energy VAD; the VAD used is in the details."""
MEDIA_TYPES = ("audio/*", "application/ogg")
"""Not video/*: ingest extracts a video's audio track as its own FLAC item."""


def choose_vad(choice: VadChoice) -> Vad:
    return load_vad(choice)


@dataclass
class AudioPass:
    reader: AudioReader
    vad_name: str
    segments_seen: int = 0
    speech_seconds: float = 0.0
    details: dict[str, JsonValue] = field(default_factory=dict)

    def summary(self) -> dict[str, JsonValue]:
        info = self.reader.info
        return {
            "audio": info.to_json() if info is not None else None,
            "seconds_analysed": round(self.reader.seconds_read, 3),
            "truncated": self.reader.truncated,
            "speech_seconds": round(self.speech_seconds, 3),
            "vad": self.vad_name,
            "warnings": list(self.reader.warnings[:20]),
        }


def run_pass(
    item: EvidenceView,
    vad_choice: VadChoice,
    max_seconds: float,
    on_block: Callable[[npt.NDArray[np.float32]], None] | None = None,
) -> tuple[AudioPass, Iterator[SpeechSegment]]:
    """Open the item and return the pass record and a generator of segments.

    The generator must be consumed to the end before `AudioPass` is complete."""
    vad = choose_vad(vad_choice)
    stream = item.open()
    reader = AudioReader(stream, max_seconds=max_seconds)
    record = AudioPass(reader, vad.name)

    def segments() -> Iterator[SpeechSegment]:
        with stream:
            segmenter = Segmenter(vad)
            for block in reader.blocks():
                if on_block is not None:
                    on_block(block)
                for seg in segmenter.push(block):
                    record.segments_seen += 1
                    record.speech_seconds += seg.duration_s
                    yield seg
            for seg in segmenter.finish():
                record.segments_seen += 1
                record.speech_seconds += seg.duration_s
                yield seg

    return record, segments()


def problem(label: str, record: AudioPass) -> Finding | None:
    """The finding for a reader that could not decode the item, if any."""
    found = record.reader.problem
    if found is None:
        return None
    status = Status.UNSUPPORTED if found.kind is ProblemKind.UNSUPPORTED else Status.UNREADABLE
    return Finding.problem(label, status, found.message, details=record.summary())
