"""A log-mel spectrogram image of a whole recording, built while it streams,
with a score strip under it: grey where no speech was found, green to red by
segment score, and suspicious segments boxed in red.

Memory is bounded: columns are averaged in pairs whenever there are more than
twice `max_columns`, so an hour costs the same as a minute. The PNG is written
with zlib; no imaging library is needed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from vigil.audio.decode import TARGET_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["ScoredSpan", "SpectrogramImage", "png_rgb"]

_N_FFT = 512
_BANDS = 64
_STRIP = 14
_ANCHORS = (  # a dark-to-bright palette (black, purple, orange, pale yellow)
    (0.0, (0, 0, 4)),
    (0.3, (84, 15, 109)),
    (0.6, (212, 72, 66)),
    (0.85, (252, 166, 54)),
    (1.0, (252, 253, 191)),
)


@dataclass(frozen=True, slots=True)
class ScoredSpan:
    start_s: float
    end_s: float
    score: float


class SpectrogramImage:
    def __init__(self, max_columns: int = 1000, base_hop: int = 160) -> None:
        import numpy as np

        self._np = np
        self.max_columns = max_columns
        self.hop = base_hop
        self._cols: list[npt.NDArray[np.float32]] = []
        self._pending = np.zeros(0, dtype=np.float32)
        self._bank = _mel_bank()
        self._window = np.hanning(_N_FFT).astype(np.float32)
        self.samples = 0

    def push(self, block: npt.NDArray[np.float32]) -> None:
        np = self._np
        self.samples += block.size
        data = np.concatenate([self._pending, block]) if self._pending.size else block
        count = 0 if data.size < _N_FFT else 1 + (data.size - _N_FFT) // self.hop
        if count:
            idx = np.arange(_N_FFT)[None, :] + self.hop * np.arange(count)[:, None]
            power = np.abs(np.fft.rfft(data[idx] * self._window, axis=1)) ** 2
            mel = (power @ self._bank.T).astype(np.float32)
            self._cols.extend(mel)
            data = data[count * self.hop :]
        self._pending = data.copy()
        if len(self._cols) >= 2 * self.max_columns:
            self._halve()

    def _halve(self) -> None:
        np = self._np
        stacked = np.vstack(self._cols[: len(self._cols) // 2 * 2])
        merged = stacked.reshape(-1, 2, stacked.shape[1]).mean(axis=1)
        rest = self._cols[len(self._cols) // 2 * 2 :]
        self._cols = [*merged, *rest]
        self.hop *= 2

    def render(self, spans: Sequence[ScoredSpan], threshold: float) -> bytes:
        """RGB PNG: spectrogram (low frequencies at the bottom) over the score strip."""
        np = self._np
        if not self._cols:
            return png_rgb(np.zeros((1, 1, 3), dtype=np.uint8))
        mel = np.vstack(self._cols).T  # bands x columns
        db = 10 * np.log10(mel + 1e-10)
        top = float(np.percentile(db, 99.5))
        norm = np.clip((db - (top - 80.0)) / 80.0, 0.0, 1.0)[::-1]
        image = _palette(norm)
        image = np.repeat(image, 2, axis=0)  # 128 px high
        width = image.shape[1]
        col_s = self.hop / TARGET_RATE
        strip = np.full((_STRIP, width, 3), 60, dtype=np.uint8)
        for span in spans:
            a = max(0, int(span.start_s / col_s))
            b = min(width, max(a + 1, int(np.ceil(span.end_s / col_s))))
            colour = _score_colour(span.score)
            strip[2:-2, a:b] = colour
            if span.score >= threshold:
                image[:2, a:b] = (255, 0, 0)
                image[-2:, a:b] = (255, 0, 0)
                image[:, a : a + 1] = (255, 0, 0)
                image[:, b - 1 : b] = (255, 0, 0)
        return png_rgb(np.concatenate([image, strip], axis=0))


@cache
def _mel_bank() -> npt.NDArray[np.float32]:
    import numpy as np

    bins = _N_FFT // 2 + 1
    freqs = np.linspace(0, TARGET_RATE / 2, bins)

    def mel(f: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return 2595 * np.log10(1 + f / 700)

    points = np.linspace(mel(np.array(30.0)), mel(np.array(TARGET_RATE / 2)), _BANDS + 2)
    edges = 700 * (10 ** (points / 2595) - 1)
    bank = np.zeros((_BANDS, bins), dtype=np.float32)
    for i in range(_BANDS):
        lo, mid, hi = edges[i : i + 3]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(up, down), 0, None)
    return bank


def _palette(norm: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    import numpy as np

    stops = np.array([a[0] for a in _ANCHORS])
    out = np.zeros((*norm.shape, 3), dtype=np.float64)
    for channel in range(3):
        values = np.array([a[1][channel] for a in _ANCHORS], dtype=np.float64)
        out[..., channel] = np.interp(norm, stops, values)
    return out.astype(np.uint8)


def _score_colour(score: float) -> tuple[int, int, int]:
    s = min(1.0, max(0.0, score))
    return (int(40 + 215 * s), int(200 - 170 * s), 40)


def png_rgb(pixels: npt.NDArray[np.uint8]) -> bytes:
    """An 8-bit RGB PNG from an (height, width, 3) array."""
    import numpy as np

    height, width, _ = pixels.shape
    rows = np.concatenate(
        [np.zeros((height, 1), dtype=np.uint8), pixels.reshape(height, width * 3)], axis=1
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )
