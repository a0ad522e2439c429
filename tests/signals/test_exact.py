"""MD5 / SHA-256 signals and the exact index."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from vigil.signals import IndexFileError, load_index
from vigil.signals.base import Match
from vigil.signals.exact import Md5Signal, Sha256Signal
from vigil.signals.exact_index import ExactIndex


@pytest.mark.parametrize("signal", [Md5Signal(), Sha256Signal()])
def test_hash_validate_distance(signal: Md5Signal | Sha256Signal) -> None:
    data = b"x" * (3 << 20)  # several read chunks
    expected = hashlib.new(signal.algorithm, data).hexdigest()
    assert signal.hash(io.BytesIO(data)) == expected
    assert signal.validate(expected.upper() + " ") == expected
    assert signal.distance(expected, expected.upper()) == 0
    other = signal.hash(io.BytesIO(b"y"))
    assert other is not None
    assert signal.distance(expected, other) == 1
    assert signal.score(0) == 1.0 and signal.score_threshold() == 1.0
    with pytest.raises(ValueError):
        signal.validate(expected[:-1])
    with pytest.raises(ValueError):
        signal.validate("g" * len(expected))
    for example in signal.examples():
        assert signal.hash(io.BytesIO(example.data)) == example.expected
    assert signal.accepts("application/x-anything")


def test_exact_index_finds_every_copy(tmp_path: Path) -> None:
    signal = Md5Signal()
    values = [hashlib.md5(str(i).encode()).hexdigest() for i in range(1000)]
    index = signal.reference_index()
    index.build(values[:500], list(range(500)))
    index.add([*values[500:], values[7]], [*range(500, 1000), 5000])
    assert index.query(values[7], 0) == [Match(7, 0), Match(5000, 0)]
    assert index.query(values[999].upper(), 0) == [Match(999, 0)]
    assert index.query(hashlib.md5(b"absent").hexdigest(), 0) == []
    # same leading 64 bits, different digest
    twin = values[3][:16] + ("0" * 16 if values[3][16:] != "0" * 16 else "1" * 16)
    assert index.query(twin, 0) == []
    index.save(tmp_path / "x")
    loaded = load_index(tmp_path / "x")
    assert isinstance(loaded, ExactIndex) and len(loaded) == 1001
    assert loaded.query(values[7], 0) == [Match(7, 0), Match(5000, 0)]
    with pytest.raises(ValueError):
        index.query("zz", 0)
    with pytest.raises(ValueError):
        index.query(values[0], -1)
    (tmp_path / "x" / "ids.npy").write_bytes(b"tampered")
    with pytest.raises(IndexFileError):
        ExactIndex.load(tmp_path / "x")
