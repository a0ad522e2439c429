"""A calibrated linear model over hashed character n-grams, stored without
pickle: the weights in a numpy ``.npz`` (loaded with ``allow_pickle=False``)
and everything else in a JSON header that names the vectoriser, the
calibration, the operating point and the SHA-256 of the weights file.

    score = sigmoid(a * (w . x + b) + c)

where x is `NgramHasher.transform(text)`, (w, b) the logistic-regression
weights and bias, and (a, c) the Platt calibration fitted on a split the
regression never saw.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vigil.text.hashing import HashedText, NgramHasher

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FORMAT", "LinearTextModel", "Phrase"]

FORMAT = "vigil-linear-text"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Phrase:
    """A stretch of the normalised text and how much it pushed the score up."""

    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    hasher: NgramHasher
    weights: npt.NDArray[np.float32]
    bias: float
    platt: tuple[float, float]
    threshold: float
    negative_below: float
    header: Mapping[str, Any]

    @classmethod
    def from_package(cls, package: str, weights: str, header: str) -> LinearTextModel:
        """A model shipped as package data (weights .npz and its JSON header)."""
        from importlib.resources import files

        root = files(package)
        return cls.from_bytes(
            root.joinpath(weights).read_bytes(), root.joinpath(header).read_bytes()
        )

    @classmethod
    def from_bytes(cls, weights_npz: bytes, header_json: bytes) -> LinearTextModel:
        """Load and check a model; ValueError when the files do not belong together."""
        import numpy as np

        header = json.loads(header_json.decode("utf-8"))
        if header.get("format") != FORMAT or header.get("format_version") != FORMAT_VERSION:
            raise ValueError("not a vigil linear text model (format or version differs)")
        digest = hashlib.sha256(weights_npz).hexdigest()
        if header.get("weights_sha256") != digest:
            raise ValueError("the weights file does not match its header (sha256 differs)")
        with np.load(io.BytesIO(weights_npz), allow_pickle=False) as arrays:
            weights = np.asarray(arrays["weights"], dtype=np.float32)
        hasher = NgramHasher.from_params(header["hasher"])
        if weights.shape != (hasher.n_features,):
            raise ValueError("weights do not fit the vectoriser")
        platt = header["calibration"]
        return cls(
            hasher=hasher,
            weights=weights,
            bias=float(header["bias"]),
            platt=(float(platt["a"]), float(platt["c"])),
            threshold=float(header["threshold"]),
            negative_below=float(header["negative_below"]),
            header=header,
        )

    @staticmethod
    def to_bytes(
        hasher: NgramHasher,
        weights: npt.NDArray[np.float32],
        bias: float,
        platt: tuple[float, float],
        threshold: float,
        negative_below: float,
        extra: Mapping[str, Any],
    ) -> tuple[bytes, bytes]:
        """(weights .npz, header .json) bytes; the npz is deterministic."""
        import numpy as np

        buffer = io.BytesIO()
        np.savez_compressed(buffer, weights=np.asarray(weights, dtype=np.float32))
        npz = _deterministic_npz(buffer.getvalue())
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "hasher": hasher.params(),
            "bias": float(bias),
            "calibration": {"kind": "platt", "a": float(platt[0]), "c": float(platt[1])},
            "threshold": float(threshold),
            "negative_below": float(negative_below),
            "weights_sha256": hashlib.sha256(npz).hexdigest(),
            **extra,
        }
        return npz, (json.dumps(header, indent=1, sort_keys=True) + "\n").encode("utf-8")

    def margin(self, features: HashedText) -> float:
        import numpy as np

        if features.columns.shape[0] == 0:
            return self.bias
        return float(np.dot(self.weights[features.columns], features.values)) + self.bias

    def calibrate(self, margin: float) -> float:
        a, c = self.platt
        z = a * margin + c
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def score(self, text: str) -> tuple[float, HashedText]:
        features = self.hasher.transform(text)
        return self.calibrate(self.margin(features)), features

    def phrases(self, features: HashedText, top: int = 5, sign: int = 1) -> list[Phrase]:
        """The stretches of text whose n-grams pushed the margin most towards
        (sign=1) or away from (sign=-1) the positive class: the strongest
        n-grams' spans, merged where they overlap."""
        import numpy as np

        if features.columns.shape[0] == 0:
            return []
        contributions = self.weights[features.columns] * features.values * sign
        order = np.argsort(-contributions)[:40]
        order = order[contributions[order] > 0]
        columns = features.columns[order].tolist()
        weights = contributions[order].tolist()
        spans = self.hasher.spans(features.text, columns)
        pieces = sorted(
            (spans[column], weight)
            for column, weight in zip(columns, weights, strict=True)
            if column in spans
        )
        merged: list[tuple[int, int, float]] = []
        for (start, end), weight in pieces:
            if merged and start <= merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], end), last[2] + weight)
            else:
                merged.append((start, end, weight))
        phrases: list[Phrase] = []
        seen: set[str] = set()
        for start, end, weight in sorted(merged, key=lambda m: -m[2]):
            text = _whole_words(features.text, start, end)
            letters = sum(1 for c in text if c.isalpha())
            if letters < 3 or text in seen:
                continue  # digits and punctuation alone say little to a reader
            seen.add(text)
            phrases.append(Phrase(text[:60], round(weight, 4)))
            if len(phrases) >= top:
                break
        return phrases


def _whole_words(text: str, start: int, end: int, reach: int = 12) -> str:
    """text[start:end] widened to the nearest spaces (at most `reach` characters
    each way), so that a reader sees words rather than n-gram fragments."""
    left = start
    while left > 0 and start - left < reach and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and right - end < reach and not text[right].isspace():
        right += 1
    return text[left:right].strip()


def _deterministic_npz(data: bytes) -> bytes:
    """Rewrite an npz (a ZIP) with fixed timestamps, so equal weights give equal bytes."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
