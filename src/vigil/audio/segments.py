"""Speech segments with time locators, cut while the audio streams past.

A `Segmenter` takes 16 kHz blocks of any size, asks a VAD for a speech
probability per 32 ms frame and closes a segment after `min_silence_s` of
silence (hysteresis: on at `on`, off below `off`). Segments longer than
`max_segment_s` are cut, so memory is bounded by one segment whatever the
length of the recording.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.audio.decode import TARGET_RATE
from vigil.audio.vad import FRAME, Vad
from vigil.domain.model import format_time_span

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["SegmentParams", "Segmenter", "SpeechSegment", "segment_all"]

_FRAME_S = FRAME / TARGET_RATE


@dataclass(frozen=True, slots=True)
class SegmentParams:
    on: float = 0.5
    off: float = 0.35
    min_speech_s: float = 0.25
    min_silence_s: float = 0.3
    pad_s: float = 0.1
    max_segment_s: float = 4.0


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    start_s: float
    end_s: float
    samples: npt.NDArray[np.float32]
    speech_fraction: float
    """Share of the segment's frames the VAD called speech."""

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def span(self) -> str:
        return format_time_span(self.start_s, self.end_s)


class Segmenter:
    def __init__(self, vad: Vad, params: SegmentParams | None = None) -> None:
        import numpy as np

        self._np = np
        self.vad = vad
        self.p = params or SegmentParams()
        self._pad = max(0, round(self.p.pad_s / _FRAME_S))
        self._min_speech = max(1, round(self.p.min_speech_s / _FRAME_S))
        self._min_silence = max(1, round(self.p.min_silence_s / _FRAME_S))
        self._max_frames = max(2, round(self.p.max_segment_s / _FRAME_S))
        self._leftover = np.zeros(0, dtype=np.float32)
        self._frame_index = 0
        self._recent: list[npt.NDArray[np.float32]] = []  # pre-roll frames (pad)
        self._open: list[npt.NDArray[np.float32]] | None = None
        self._open_start = 0
        self._voiced = 0
        self._silence_run = 0
        self.frames_seen = 0
        self.speech_frames = 0

    def push(self, block: npt.NDArray[np.float32]) -> list[SpeechSegment]:
        np = self._np
        data = np.concatenate([self._leftover, block]) if self._leftover.size else block
        whole = data.size // FRAME * FRAME
        self._leftover = data[whole:].copy()
        if not whole:
            return []
        probs = self.vad.probabilities(data[:whole])
        out: list[SpeechSegment] = []
        for i, prob in enumerate(probs):
            frame = data[i * FRAME : (i + 1) * FRAME]
            self._step(frame, float(prob), out)
        return out

    def finish(self) -> list[SpeechSegment]:
        out: list[SpeechSegment] = []
        if self._leftover.size:
            np = self._np
            frame = np.zeros(FRAME, dtype=np.float32)
            frame[: self._leftover.size] = self._leftover
            self._leftover = np.zeros(0, dtype=np.float32)
            prob = float(self.vad.probabilities(frame)[0])
            self._step(frame, prob, out)
        if self._open is not None:
            self._close(out, trailing_silence=self._silence_run)
        return out

    def _step(self, frame: npt.NDArray[np.float32], prob: float, out: list[SpeechSegment]) -> None:
        index = self._frame_index
        self._frame_index += 1
        self.frames_seen += 1
        if self._open is None:
            if prob >= self.p.on:
                self._open = [*self._recent, frame]
                self._open_start = index - len(self._recent)
                self._voiced = 1
                self._silence_run = 0
                self._recent = []
            else:
                self._recent.append(frame)
                if len(self._recent) > self._pad:
                    self._recent.pop(0)
            return
        self._open.append(frame)
        speaking = prob >= self.p.off
        if speaking:
            self._voiced += 1
            self._silence_run = 0
        else:
            self._silence_run += 1
        if self._silence_run >= self._min_silence:
            self._close(out, trailing_silence=self._silence_run)
        elif len(self._open) >= self._max_frames:
            self._close(out, trailing_silence=0, continued=True)

    def _close(
        self, out: list[SpeechSegment], trailing_silence: int, continued: bool = False
    ) -> None:
        np = self._np
        frames = self._open or []
        keep_tail = max(0, trailing_silence - self._pad)
        kept = frames[: len(frames) - keep_tail] if keep_tail else frames
        dropped = frames[len(kept) :]
        if self._voiced >= self._min_speech and kept:
            samples = np.concatenate(kept)
            start = self._open_start * _FRAME_S
            end = start + samples.size / TARGET_RATE
            self.speech_frames += self._voiced
            out.append(SpeechSegment(start, end, samples, self._voiced / len(kept)))
        self._open = None
        self._voiced = 0
        self._silence_run = 0
        if continued:
            # the speech goes on: open the next piece right away
            self._open = []
            self._open_start = self._frame_index
            self._voiced = 0
            self._recent = []
        else:
            self._recent = list(dropped[-self._pad :]) if self._pad else []


def segment_all(
    blocks: Iterable[npt.NDArray[np.float32]], vad: Vad, params: SegmentParams | None = None
) -> Iterator[SpeechSegment]:
    """Every speech segment of a stream of blocks, in order."""
    vad.reset()
    segmenter = Segmenter(vad, params)
    for block in blocks:
        yield from segmenter.push(block)
    yield from segmenter.finish()
