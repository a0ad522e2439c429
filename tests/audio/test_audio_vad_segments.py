"""VAD (silero through onnxruntime, energy fallback), speech segments with
time spans, and the streamed spectrogram image."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from vigil.audio import (  # noqa: E402
    TARGET_RATE,
    EnergyVad,
    SegmentParams,
    load_vad,
    segment_all,
    silero_model_path,
)
from vigil.audio.spectrogram import ScoredSpan, SpectrogramImage  # noqa: E402
from vigil.domain.model import format_time_span  # noqa: E402


def _bursts(spans: list[tuple[float, float]], seconds: float, seed: int = 0) -> Any:
    """Quiet noise with loud, speech-band bursts at the given times."""
    rng = np.random.default_rng(seed)
    out = rng.standard_normal(int(seconds * TARGET_RATE)).astype(np.float32) * 1e-3
    for start, end in spans:
        a, b = int(start * TARGET_RATE), int(end * TARGET_RATE)
        t = np.arange(b - a) / TARGET_RATE
        burst = 0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t))
        out[a:b] += burst.astype(np.float32)
    return out


def _blocks(samples: Any, size: int = 7_001) -> list[Any]:
    return [samples[i : i + size] for i in range(0, samples.size, size)]


def test_energy_vad_segments_match_the_bursts() -> None:
    audio = _bursts([(1.0, 2.0), (3.0, 3.6)], 5.0)
    segments = list(segment_all(_blocks(audio), EnergyVad()))
    assert len(segments) == 2
    for seg, (start, end) in zip(segments, [(1.0, 2.0), (3.0, 3.6)], strict=True):
        assert abs(seg.start_s - start) < 0.2 and abs(seg.end_s - end) < 0.25
        assert seg.samples.size == pytest.approx(seg.duration_s * TARGET_RATE, abs=1)
        assert seg.span == format_time_span(seg.start_s, seg.end_s)


def test_block_size_does_not_change_segments() -> None:
    audio = _bursts([(0.5, 1.7), (2.2, 2.9)], 4.0, seed=3)
    a = [(s.start_s, s.end_s) for s in segment_all(_blocks(audio, 512), EnergyVad())]
    b = [(s.start_s, s.end_s) for s in segment_all(_blocks(audio, 48_000), EnergyVad())]
    assert a == b and a


def test_long_speech_is_cut_into_bounded_contiguous_pieces() -> None:
    audio = _bursts([(0.0, 10.0)], 10.0)
    params = SegmentParams(max_segment_s=4.0)
    segments = list(segment_all(_blocks(audio), EnergyVad(), params))
    assert len(segments) >= 3
    assert all(s.duration_s <= 4.0 + 0.05 for s in segments)
    for first, second in zip(segments, segments[1:], strict=False):
        assert second.start_s == pytest.approx(first.end_s, abs=0.04)


def test_silence_has_no_segments() -> None:
    audio = np.zeros(3 * TARGET_RATE, dtype=np.float32)
    assert list(segment_all(_blocks(audio), EnergyVad())) == []
    assert list(segment_all(_blocks(audio), load_vad())) == []


def test_time_span_format() -> None:
    assert format_time_span(1.5, 12.25) == "1.500-12.250"


@pytest.mark.skipif(silero_model_path() is None, reason="silero-vad wheel not installed")
def test_silero_model_is_loaded_without_torch_or_its_package() -> None:
    code = (
        "import sys; from vigil.audio import load_vad; v = load_vad(); "
        "import numpy as np; v.probabilities(np.zeros(1024, np.float32)); "
        "print(v.name, 'torch' in sys.modules, 'silero_vad' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name, torch_loaded, package_loaded = out.stdout.rsplit(" ", 2)
    assert name.startswith("silero-vad")
    assert torch_loaded == "False" and package_loaded.strip() == "False"


@pytest.mark.skipif(silero_model_path() is None, reason="silero-vad wheel not installed")
def test_silero_keeps_state_across_calls() -> None:
    vad = load_vad()
    audio = _bursts([(0.2, 1.0)], 1.024)
    whole = vad.probabilities(audio[: 32 * 512])
    vad.reset()
    parts = np.concatenate(
        [vad.probabilities(audio[i : i + 2048]) for i in range(0, 32 * 512, 2048)]
    )
    assert np.allclose(whole, parts, atol=1e-5)


def test_missing_silero_falls_back_to_energy(monkeypatch: pytest.MonkeyPatch) -> None:
    import vigil.audio.vad as vad_module

    monkeypatch.setattr(vad_module, "silero_model_path", lambda: None)
    assert isinstance(vad_module.load_vad(), EnergyVad)


def test_spectrogram_png_is_bounded_and_marks_spans() -> None:
    image = SpectrogramImage(max_columns=200)
    rng = np.random.default_rng(1)
    for _ in range(60):  # one minute in 1 s blocks
        image.push(rng.standard_normal(TARGET_RATE).astype(np.float32) * 0.1)
    png = image.render([ScoredSpan(10.0, 20.0, 0.9), ScoredSpan(30.0, 31.0, 0.1)], 0.5)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width <= 400 and height == 128 + 14


def test_spectrogram_of_nothing_is_still_a_png() -> None:
    assert SpectrogramImage().render([], 0.5).startswith(b"\x89PNG")
