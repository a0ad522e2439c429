"""Random 256-bit codes with planted near-duplicates, for index tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def random_codes(rng: np.random.Generator, n: int) -> npt.NDArray[np.uint8]:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip_bits(
    rng: np.random.Generator, code: npt.NDArray[np.uint8], k: int
) -> npt.NDArray[np.uint8]:
    """A copy of `code` with exactly k distinct bits flipped."""
    out = code.copy()
    for bit in rng.choice(256, size=k, replace=False):
        out[bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    return out


def to_hex(codes: npt.NDArray[np.uint8]) -> list[str]:
    return [bytes(row.tobytes()).hex() for row in codes]
