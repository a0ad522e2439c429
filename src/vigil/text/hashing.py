"""Character n-gram feature hashing in numpy, the same code for training and
inference (nothing is learned by the vectoriser, so no vocabulary ships).

A text is normalised (NFKC, lower case, every decimal digit to ``0``,
whitespace runs to one space, cut at ``max_chars``), padded with a space at
each end, and every character n-gram for n in ``ngram_range`` is hashed with
a polynomial rolling hash over code points (arithmetic modulo 2**64); the top
``bits`` bits of that hash times an odd constant give the column.

Values are sublinear term frequencies (1 + ln count), L2-normalised per text.
There is no sign hashing: a column is shared by the n-grams that collide in it.
The hash is fixed here (it does not depend on ``PYTHONHASHSEED``); changing
any constant changes every shipped model, so the model header records the
vectoriser's ``scheme``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["HashedText", "NgramHasher", "SCHEME", "normalise_text"]

SCHEME = "vigil-char-ngram-v1"
"""Name of this hashing scheme; stored in model headers and checked on load."""

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_PRIME = 0x100000001B3  # FNV-64 prime: odd, spreads code points over the word
_MIX = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd: Fibonacci hashing
_SEED = 0x2545F4914F6CDD1D  # added to every code point before rolling


def normalise_text(text: str, max_chars: int) -> str:
    """NFKC, lower case, digits to 0, whitespace runs to one space, cut."""
    text = text[: max_chars * 2]  # bound the work before normalising
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGIT.sub("0", text)
    text = _SPACE.sub(" ", text).strip()
    return text[:max_chars]


@dataclass(frozen=True, slots=True)
class HashedText:
    """Sparse features of one text: sorted unique columns and their values."""

    text: str
    """The normalised text the n-grams were taken from."""
    columns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]


class NgramHasher:
    """Stateless hashing vectoriser; equal parameters give equal features."""

    def __init__(
        self, *, bits: int = 20, ngram_range: tuple[int, int] = (1, 5), max_chars: int = 4000
    ) -> None:
        if not 8 <= bits <= 30:
            raise ValueError("bits must be within 8..30")
        low, high = ngram_range
        if not 1 <= low <= high <= 12:
            raise ValueError("ngram_range must satisfy 1 <= low <= high <= 12")
        if max_chars < 1:
            raise ValueError("max_chars must be positive")
        self.bits = bits
        self.ngram_range = (low, high)
        self.max_chars = max_chars

    @property
    def n_features(self) -> int:
        return 1 << self.bits

    def params(self) -> dict[str, object]:
        return {
            "scheme": SCHEME,
            "bits": self.bits,
            "ngram_range": list(self.ngram_range),
            "max_chars": self.max_chars,
        }

    @classmethod
    def from_params(cls, params: dict[str, object]) -> NgramHasher:
        if params.get("scheme") != SCHEME:
            raise ValueError(f"unknown hashing scheme {params.get('scheme')!r}")
        bits, ngram_range, max_chars = params["bits"], params["ngram_range"], params["max_chars"]
        if not (
            isinstance(bits, int)
            and isinstance(max_chars, int)
            and isinstance(ngram_range, list)
            and len(ngram_range) == 2
            and all(isinstance(v, int) for v in ngram_range)
        ):
            raise ValueError("malformed hashing parameters")
        return cls(bits=bits, ngram_range=(ngram_range[0], ngram_range[1]), max_chars=max_chars)

    def column_sequence(self, normalised: str) -> npt.NDArray[np.int64]:
        """The column of every n-gram of a normalised text: all n-grams of the
        lowest n in text order, then those of the next n, and so on."""
        import numpy as np

        seed, prime, mix, shift = _constants(64 - self.bits)
        codes = np.frombuffer((" " + normalised + " ").encode("utf-32-le"), dtype=np.uint32)
        codes64 = codes.astype(np.uint64)
        low, high = self.ngram_range
        # the seed makes n-grams of different n hash apart: h_n = seed*P^(n-1) + poly
        rolling = codes64 + seed
        parts = [rolling] if low == 1 else []
        for n in range(2, min(high, codes64.shape[0]) + 1):
            rolling = rolling[:-1] * prime + codes64[n - 1 :]
            if n >= low:
                parts.append(rolling)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        hashed = np.concatenate(parts) if len(parts) > 1 else parts[0]
        # multiplicative (Fibonacci) hashing: the top bits depend on every bit
        return ((hashed * mix) >> shift).astype(np.int64)

    def transform(self, text: str) -> HashedText:
        """Features of one raw text."""
        import numpy as np

        normalised = normalise_text(text, self.max_chars)
        ordered = np.sort(self.column_sequence(normalised))
        if ordered.shape[0] == 0:
            return HashedText(normalised, ordered, np.zeros(0, dtype=np.float32))
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        counts = np.diff(np.append(starts, ordered.shape[0]))
        values = 1.0 + np.log(counts)
        values /= np.sqrt(np.dot(values, values))
        return HashedText(normalised, ordered[starts], values.astype(np.float32))

    def spans(self, normalised: str, columns: Iterable[int]) -> dict[int, tuple[int, int]]:
        """For each column, (start, end) in `normalised` of the first n-gram that
        fell in it (padding spaces excluded); columns not present are left out."""
        import numpy as np

        wanted = np.fromiter(columns, dtype=np.int64)
        if wanted.shape[0] == 0:
            return {}
        wanted = np.sort(wanted)
        sequence = self.column_sequence(normalised)
        slots = np.minimum(np.searchsorted(wanted, sequence), wanted.shape[0] - 1)
        positions = np.flatnonzero(wanted[slots] == sequence)
        first_seen: dict[int, int] = {}
        for position, column in zip(positions.tolist(), sequence[positions].tolist(), strict=True):
            first_seen.setdefault(column, position)
        found_columns = list(first_seen)
        padded_length = len(normalised) + 2
        low, high = self.ngram_range
        sizes = np.arange(low, high + 1)
        # where the n-grams of each n begin in the sequence
        offsets = np.concatenate(([0], np.cumsum(np.maximum(padded_length - sizes + 1, 0))))
        at = np.fromiter(first_seen.values(), dtype=np.int64, count=len(first_seen))
        block = np.searchsorted(offsets, at, side="right") - 1
        starts = at - offsets[block] - 1  # the padding space before the text
        ends = np.minimum(starts + sizes[block], len(normalised))
        starts = np.maximum(starts, 0)
        ends = np.maximum(ends, starts)
        return {
            column: (start, end)
            for column, start, end in zip(
                found_columns, starts.tolist(), ends.tolist(), strict=True
            )
        }


@lru_cache(maxsize=4)
def _constants(shift: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    import numpy as np

    return np.uint64(_SEED), np.uint64(_PRIME), np.uint64(_MIX), np.uint64(shift)
