"""The n-gram hasher against an independent pure-Python reference, and the
linear model file format."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.hashing import SCHEME, NgramHasher, normalise_text
from vigil.text.linear import LinearTextModel

MASK = (1 << 64) - 1
SEED, PRIME, MIX = 0x2545F4914F6CDD1D, 0x100000001B3, 0x9E3779B97F4A7C15


def reference_columns(text: str, bits: int, low: int, high: int) -> list[int]:
    """The documented scheme written with Python integers."""
    padded = " " + text + " "
    columns = []
    for n in range(low, high + 1):
        for start in range(len(padded) - n + 1):
            value = (ord(padded[start]) + SEED) & MASK
            for char in padded[start + 1 : start + n]:
                value = (value * PRIME + ord(char)) & MASK
            columns.append(((value * MIX) & MASK) >> (64 - bits))
    return columns


def reference_features(text: str, hasher: NgramHasher) -> dict[int, float]:
    normalised = normalise_text(text, hasher.max_chars)
    counts: dict[int, int] = {}
    for column in reference_columns(normalised, hasher.bits, *hasher.ngram_range):
        counts[column] = counts.get(column, 0) + 1
    values = {c: 1.0 + math.log(n) for c, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {c: v / norm for c, v in values.items()}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.sampled_from([(1, 5), (2, 4), (3, 3)]))
def test_hasher_matches_the_reference(text: str, ngram_range: tuple[int, int]) -> None:
    hasher = NgramHasher(bits=18, ngram_range=ngram_range, max_chars=60)
    features = hasher.transform(text)
    expected = reference_features(text, hasher)
    assert list(features.columns) == sorted(expected)
    assert np.allclose(features.values, [expected[c] for c in sorted(expected)], atol=1e-6)


def test_normalisation() -> None:
    assert normalise_text("  Call ０９０６１  NOW\n\t!! ", 100) == "call 00000 now !!"
    assert normalise_text("x" * 50, 10) == "x" * 10


def test_spans_point_at_the_ngram() -> None:
    hasher = NgramHasher(bits=20, ngram_range=(3, 3))
    features = hasher.transform("abcdef")
    spans = hasher.spans(features.text, [int(c) for c in features.columns])
    pieces = sorted(features.text[a:b] for a, b in spans.values())
    assert "abc" in pieces and "def" in pieces


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        NgramHasher(bits=40)
    with pytest.raises(ValueError):
        NgramHasher(ngram_range=(3, 2))
    with pytest.raises(ValueError):
        NgramHasher.from_params({"scheme": "other"})


def _model() -> tuple[bytes, bytes, NgramHasher]:
    hasher = NgramHasher(bits=12, ngram_range=(1, 3), max_chars=100)
    weights = np.zeros(hasher.n_features, dtype=np.float32)
    for column in hasher.transform("prize").columns:
        weights[column] = 3.0
    npz, header = LinearTextModel.to_bytes(hasher, weights, -1.0, (2.0, 0.0), 0.8, 0.2, {})
    return npz, header, hasher


def test_model_round_trip_and_scores() -> None:
    npz, header, hasher = _model()
    assert json.loads(header)["hasher"]["scheme"] == SCHEME
    model = LinearTextModel.from_bytes(npz, header)
    prize, _ = model.score("prize")
    other, features = model.score("meeting")
    assert prize > other
    assert 0.0 < other < prize < 1.0
    assert model.calibrate(model.margin(features)) == other
    assert LinearTextModel.to_bytes(hasher, model.weights, -1.0, (2.0, 0.0), 0.8, 0.2, {}) == (
        npz,
        header,
    )
    phrases = model.phrases(model.hasher.transform("you won a prize today"))
    assert any("priz" in p.text for p in phrases)


def test_model_files_must_belong_together() -> None:
    npz, header, _ = _model()
    other_npz, _, _ = _model()
    with pytest.raises(ValueError, match="sha256"):
        LinearTextModel.from_bytes(npz + b"x", header)
    broken = json.loads(header)
    broken["format_version"] = 99
    with pytest.raises(ValueError, match="format"):
        LinearTextModel.from_bytes(npz, json.dumps(broken).encode())
    assert other_npz == npz  # deterministic bytes
