"""vPDQ: our per-frame hashes against the published sample hashes, and matching."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.signals.helpers import flip_bits, random_codes, to_hex
from vigil.signals import load_index
from vigil.signals.base import Match, UnhashableInput
from vigil.signals.vpdq import (
    VpdqFrame,
    VpdqIndex,
    VpdqSignal,
    format_vpdq,
    parse_vpdq,
    vpdq_distance,
    vpdq_match,
)

pytest.importorskip("av")

SAMPLES = {
    # name: (frame size option, worst per-frame distance we accept on frames of quality >= 50)
    # measured: 6, 6, 22, 2, 12 and 16 bits
    "pattern-sd-grey-bar": (None, 8),
    "pattern-sd-with-small-logo-bar": (None, 8),
    "doorknob-hd-no-bar": (None, 24),
    "test-padded-dimensions": (None, 4),
    "pattern-sd-grey-bar-128x128": (128, 16),
    "doorknob-hd-no-bar-128x128": (128, 20),
}
SLOW_SAMPLES = {"pattern-sd-with-small-logo-bar", "doorknob-hd-no-bar", "test-padded-dimensions"}


def _reference(path: Path) -> list[VpdqFrame]:
    return parse_vpdq(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_SAMPLES else n for n in sorted(SAMPLES)],
)
def test_sample_videos_match_the_published_hashes(shared_data: Path, name: str) -> None:
    root = shared_data / "hashing" / "vpdq"
    video = root / "sample-videos" / (name.removesuffix("-128x128") + ".mp4")
    expected_file = root / "sample-hashes" / f"{name}.txt"
    if not video.is_file() or not expected_file.is_file():
        pytest.skip(f"{video} or {expected_file} not found")
    size, worst_allowed = SAMPLES[name]
    signal = VpdqSignal(frame_size=size)
    with video.open("rb") as fh:
        ours = signal.hash_frames(fh)
    expected = _reference(expected_file)
    assert [f.frame_number for f in ours] == [f.frame_number for f in expected]
    assert [f.timestamp for f in ours] == [f.timestamp for f in expected]
    good = [(a, b) for a, b in zip(ours, expected, strict=True) if b.quality >= 50]
    assert good
    worst = max(signal_distance(a.hash, b.hash) for a, b in good)
    assert worst <= worst_allowed
    q_share, t_share = vpdq_match(ours, expected)
    assert q_share >= 0.95 and t_share >= 0.95
    assert signal.distance(format_vpdq(ours), format_vpdq(expected)) <= 5


def signal_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_different_sample_videos_do_not_match(shared_data: Path) -> None:
    hashes = shared_data / "hashing" / "vpdq" / "sample-hashes"
    if not hashes.is_dir():
        pytest.skip(f"{hashes} not found")
    door = _reference(hashes / "doorknob-hd-no-bar.txt")
    pattern = _reference(hashes / "pattern-sd-grey-bar.txt")
    logo = _reference(hashes / "pattern-sd-with-small-logo-bar.txt")
    q, t = vpdq_match(door, pattern)
    assert q < 0.8 and t < 0.8
    assert vpdq_distance(door, pattern) > VpdqSignal.match_threshold
    q, t = vpdq_match(pattern, logo)  # the same clip with a small logo: a match
    assert q >= 0.8 and t >= 0.8


def _frames(hexes: list[str], quality: int = 100) -> list[VpdqFrame]:
    return [VpdqFrame(i, quality, h, i / 30) for i, h in enumerate(hexes)]


def test_shares_count_distinct_usable_frames_in_each_direction() -> None:
    rng = np.random.default_rng(0)
    codes = random_codes(rng, 10)
    target = _frames(to_hex(codes))
    # the query: 4 of the target's frames (slightly changed) and 1 unrelated frame
    near = [flip_bits(rng, codes[i], 10) for i in range(4)]
    query = _frames(to_hex(np.asarray([*near, *random_codes(rng, 1)])))
    assert vpdq_match(query, target) == (4 / 5, 4 / 10)
    assert vpdq_distance(query, target) == 60
    poor = _frames(to_hex(codes), quality=10)
    assert vpdq_match(poor, target) == (0.0, 0.0)
    assert vpdq_distance(poor, target) == 100
    doubled = target + target  # repeated frames count once
    assert vpdq_match(doubled, target) == (1.0, 1.0)


def test_parse_and_format_round_trip() -> None:
    text = "0,100," + "AB" * 32 + ",0.000\n1,40," + "cd" * 32 + ",0.033\n"
    frames = parse_vpdq(text)
    assert frames[0].hash == "ab" * 32 and frames[1].quality == 40
    canonical = format_vpdq(frames)
    assert ";" in canonical and "\n" not in canonical
    assert parse_vpdq(canonical) == frames
    assert VpdqSignal().validate(text) == canonical
    assert parse_vpdq("3,90," + "00" * 32)[0].timestamp is None
    for bad in ("", "1,2", "x,100," + "00" * 32, "0,101," + "00" * 32, "0,50,zz,0.1"):
        with pytest.raises(ValueError):
            parse_vpdq(bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0, 10, 20, 50, 99, 100]))
def test_frame_index_equals_brute_force(seed: int, threshold: int) -> None:
    rng = np.random.default_rng(seed)
    videos = []
    pool = random_codes(rng, 40)
    for _ in range(12):
        picks = rng.choice(40, size=int(rng.integers(1, 8)), replace=False)
        frames = [flip_bits(rng, pool[p], int(rng.integers(0, 40))) for p in picks]
        qualities = rng.integers(30, 101, size=len(frames))
        videos.append(
            format_vpdq(
                VpdqFrame(i, int(q), h)
                for i, (h, q) in enumerate(zip(to_hex(np.asarray(frames)), qualities, strict=True))
            )
        )
    ids = list(range(100, 100 + len(videos)))
    reference, fast = VpdqIndex(linear=True), VpdqIndex()
    reference.build(videos, ids)
    fast.build(videos[:6], ids[:6])
    fast.add(videos[6:], ids[6:])
    signal = VpdqSignal()
    for query in videos[:3]:
        want = reference.query(query, threshold)
        assert fast.query(query, threshold) == want
        pairs = [Match(i, signal.distance(query, v)) for i, v in zip(ids, videos, strict=True)]
        brute = [m for m in pairs if m.distance <= threshold]
        assert want == sorted(brute, key=lambda m: (m.distance, m.id))


def test_index_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    videos = [format_vpdq(_frames(to_hex(random_codes(rng, 5)))) for _ in range(4)]
    index = VpdqIndex()
    index.build(videos, [1, 2, 3, 4])
    index.save(tmp_path / "v")
    loaded = load_index(tmp_path / "v")
    assert isinstance(loaded, VpdqIndex) and len(loaded) == 4
    assert loaded.query(videos[2], 20) == index.query(videos[2], 20)
    assert loaded.query(videos[2], 20)[0].id == 3


def test_examples_and_hostile_input() -> None:
    signal = VpdqSignal()
    for example in signal.examples():
        got = signal.hash(io.BytesIO(example.data))
        assert got is not None and example.expected is not None
        assert signal.distance(got, example.expected) <= example.tolerance
    for data in (b"", b"not a video at all" * 100):
        with pytest.raises(UnhashableInput):
            signal.hash(io.BytesIO(data))
    example = signal.examples()[0].data  # MP4 with its index (moov) at the end
    with pytest.raises(UnhashableInput):
        signal.hash_frames(io.BytesIO(example[: len(example) * 2 // 3]))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_vpdq_hash_or_a_value_error(text: str) -> None:
    try:
        frames = parse_vpdq(text)
    except ValueError:
        return
    assert frames and parse_vpdq(format_vpdq(frames)) == frames
