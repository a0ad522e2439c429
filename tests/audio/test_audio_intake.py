"""Audio intake: decoding, downmix, resampling, hostile files, bounded memory.

Every file is made here (numpy, soundfile, PyAV); nothing is downloaded."""

from __future__ import annotations

import io
import struct
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
sf = pytest.importorskip("soundfile")
av = pytest.importorskip("av")

from vigil.audio import TARGET_RATE, AudioReader, ProblemKind  # noqa: E402


def _tone(seconds: float, rate: int, freq: float = 440.0, channels: int = 1) -> Any:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * freq * t)
    if channels == 1:
        return mono.astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


def _encode(data: Any, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, data, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def _decode(data: bytes, **kwargs: object) -> tuple[AudioReader, Any]:
    reader = AudioReader(io.BytesIO(data), **kwargs)  # type: ignore[arg-type,unused-ignore]
    blocks = list(reader.blocks())
    joined = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    return reader, joined


def _peak_hz(samples: Any) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * TARGET_RATE / samples.size)


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 44_100, 48_000, 96_000])
def test_odd_sample_rates_are_resampled_to_16k(rate: int) -> None:
    reader, out = _decode(_encode(_tone(1.0, rate), rate))
    assert reader.problem is None
    assert reader.info is not None and reader.info.source_rate == rate
    assert abs(out.size - TARGET_RATE) <= TARGET_RATE * 0.01
    assert out.dtype == np.float32
    assert abs(_peak_hz(out) - 440.0) < 5.0


@pytest.mark.parametrize("channels", [2, 6])
def test_stereo_and_5_1_are_downmixed_to_mono(channels: int) -> None:
    data = _tone(0.5, 48_000, channels=channels)
    reader, out = _decode(_encode(data, 48_000, subtype="PCM_24"))
    assert reader.problem is None
    assert reader.info is not None and reader.info.channels == channels
    assert out.ndim == 1 and abs(out.size - 8_000) <= 80
    assert np.sqrt(np.mean(out**2)) > 0.05  # the tone survives the downmix


def test_signal_in_one_channel_only_survives_downmix() -> None:
    data = np.zeros((16_000, 2), dtype=np.float32)
    data[:, 1] = _tone(1.0, 16_000)
    reader, out = _decode(_encode(data, 16_000))
    assert reader.problem is None
    assert np.sqrt(np.mean(out**2)) > 0.05


@pytest.mark.parametrize(("fmt", "subtype"), [("FLAC", None), ("OGG", "VORBIS"), ("WAV", "FLOAT")])
def test_other_codecs_decode(fmt: str, subtype: str | None) -> None:
    reader, out = _decode(_encode(_tone(1.0, 22_050), 22_050, fmt, subtype))
    assert reader.problem is None
    assert abs(out.size - TARGET_RATE) <= 400
    assert abs(_peak_hz(out) - 440.0) < 5.0


def test_audio_track_of_a_video_is_decoded() -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = out.add_stream("pcm_s16le", rate=16_000)
        audio.layout = "mono"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), "rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        samples = (_tone(0.5, 16_000) * 32767).astype(np.int16)[None, :]
        aframe = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        aframe.sample_rate = 16_000
        for packet in audio.encode(aframe):
            out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    reader, out_samples = _decode(buf.getvalue())
    assert reader.problem is None
    assert reader.info is not None and reader.info.has_video
    assert abs(out_samples.size - 8_000) <= 200


def test_video_without_audio_is_unsupported() -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), "rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
    reader, out_samples = _decode(buf.getvalue())
    assert reader.problem is not None and reader.problem.kind is ProblemKind.UNSUPPORTED
    assert "no audio track" in reader.problem.message
    assert out_samples.size == 0


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"RIFF\xff\xff\xff\xffWAVEfmt " + bytes(40),
        b"fLaC" + bytes(100),
        b"OggS" + bytes(200),
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(300),
    ],
    ids=["zero-length", "corrupt-wav-header", "corrupt-flac", "corrupt-ogg", "empty-mp3"],
)
def test_hostile_headers_give_a_problem_not_an_exception(data: bytes) -> None:
    reader, out = _decode(data)
    assert reader.problem is not None
    assert reader.problem.kind in (ProblemKind.UNREADABLE, ProblemKind.UNSUPPORTED)
    assert out.size == 0


def test_truncated_wav_keeps_what_was_there() -> None:
    data = _encode(_tone(1.0, 16_000), 16_000, subtype="PCM_16")
    reader, out = _decode(data[: len(data) // 2])
    assert reader.problem is None
    assert 0.4 * TARGET_RATE <= out.size <= 0.6 * TARGET_RATE


def test_zero_sample_wav_is_unreadable() -> None:
    reader, out = _decode(_encode(np.zeros(0, dtype=np.float32), 16_000))
    assert reader.problem is not None
    assert out.size == 0


def test_sample_rate_below_speech_band_is_unsupported() -> None:
    reader, _ = _decode(_encode(_tone(1.0, 2_000, freq=200.0), 2_000))
    assert reader.problem is not None and reader.problem.kind is ProblemKind.UNSUPPORTED
    assert "Sample rate" in reader.problem.message


def test_nan_and_overrange_floats_are_cleaned() -> None:
    data = _tone(0.5, 16_000) * 10.0
    data[100:200] = np.nan
    reader, out = _decode(_encode(data, 16_000, subtype="FLOAT"))
    assert reader.problem is None
    assert np.isfinite(out).all() and np.abs(out).max() <= 1.0


def test_max_seconds_truncates_and_says_so() -> None:
    reader, out = _decode(_encode(_tone(5.0, 16_000), 16_000), max_seconds=2.0)
    assert reader.truncated
    assert out.size == 2 * TARGET_RATE
    assert any("max_seconds" in w for w in reader.warnings)


def _long_wav(path: Path, seconds: int, rate: int = 8_000) -> None:
    """A long 16-bit WAV written in chunks (never whole in memory)."""
    chunk = (_tone(10.0, rate, freq=300.0) * 0.5).astype(np.float32)
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, subtype="PCM_16") as out:
        for _ in range(seconds // 10):
            out.write(chunk)


@pytest.mark.parametrize("minutes", [6, pytest.param(120, marks=pytest.mark.slow, id="two-hours")])
def test_long_file_is_streamed_with_bounded_memory(tmp_path: Path, minutes: int) -> None:
    path = tmp_path / "long.wav"
    _long_wav(path, minutes * 60)  # 6 min: 5.8 MB on disk, 23 MB as 16 kHz float32
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            reader = AudioReader(stream)
            total = 0
            largest = 0
            for block in reader.blocks():
                total += block.size
                largest = max(largest, block.size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.problem is None
    assert abs(total - minutes * 60 * TARGET_RATE) <= TARGET_RATE
    assert largest <= TARGET_RATE  # blocks of at most one second
    assert peak < 8 * 1024 * 1024, f"peak Python/numpy allocation {peak} bytes"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_give_samples_or_a_problem(data: bytes) -> None:
    reader = AudioReader(io.BytesIO(data))
    blocks = list(reader.blocks())
    assert reader.problem is not None or blocks
    for block in blocks:
        assert block.dtype == np.float32 and np.isfinite(block).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=64))
def test_damaged_wav_never_raises(cut: int, junk: bytes) -> None:
    good = _encode(_tone(0.2, 16_000), 16_000, subtype="PCM_16")
    damaged = good[:44] + junk + good[44 + cut :]
    damaged = damaged[:4] + struct.pack("<I", len(junk) * 977) + damaged[8:]
    reader = AudioReader(io.BytesIO(damaged))
    blocks = list(reader.blocks())
    assert reader.problem is not None or blocks
    assert all(b.dtype == np.float32 and np.isfinite(b).all() for b in blocks)


def test_importing_the_package_stays_light() -> None:
    import subprocess

    code = (
        "import sys, vigil.audio; "
        "print(sorted(m for m in ('numpy', 'av', 'onnxruntime', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
