"""Synthetic or voice-converted speech: a score per speech segment (a
timeline of `time_span` findings), an item score, and a spectrogram with the
suspicious segments marked.

Each speech segment (VAD, at most 4 s) is normalised (16-bit grid, loudness)
and described by spectral, modulation and phase statistics; a logistic
regression trained by `python -m vigil.detectors.audio.train_spoof` turns them
into a probability. The item score is the duration-weighted mean of the
segment scores. See voice_spoof.md for what it was trained and tested on.
"""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Iterator
from functools import cache

from pydantic import Field

from vigil.detectors.audio._common import MEDIA_TYPES, VadChoice, problem, run_pass
from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, JsonValue, Status, Verdict

__all__ = ["VoiceSpoofDetector", "VoiceSpoofOptions", "spoof_model"]

LABEL = "audio.synthetic_speech"
_PACKAGE = "vigil.detectors.audio"
_STEM = "voice_spoof"
_TIMELINE_CAP = 2000


class VoiceSpoofOptions(DetectorOptions):
    max_seconds: float = Field(default=7200.0, gt=0, le=86_400)
    """Analyse at most this much audio from the start (default two hours)."""
    vad: VadChoice = "energy"
    """energy (default, as in training) or silero (silero-vad ONNX when installed)."""
    min_speech_seconds: float = Field(default=1.0, ge=0, le=60)
    """Less speech than this makes the item verdict inconclusive."""
    max_segment_findings: int = Field(default=50, ge=0, le=5000)
    """Segment findings beyond this keep the highest scores (all are in details)."""
    spectrogram: bool = True


@cache
def spoof_model() -> object:
    from vigil.detectors.audio._linear import load_packaged

    return load_packaged(_PACKAGE, _STEM)


class VoiceSpoofDetector(Detector):
    name = "voice_spoof"
    version = "1.0.0"
    media_types = MEDIA_TYPES
    model_card = f"{_PACKAGE}:voice_spoof.md"
    model_files = (f"{_PACKAGE}:voice_spoof.npz", f"{_PACKAGE}:voice_spoof.json")
    requires = ("numpy", "av")
    install_hint = "pip install 'vigil-forensics[audio]'"
    Options = VoiceSpoofOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, VoiceSpoofOptions)
        from vigil.audio.spectrogram import ScoredSpan, SpectrogramImage
        from vigil.detectors.audio._features import MIN_UNIT_S, spoof_features
        from vigil.detectors.audio._linear import LinearModel

        model = spoof_model()
        assert isinstance(model, LinearModel)
        threshold = float(model.meta["threshold"])  # type: ignore[arg-type]
        negative_below = float(model.meta["negative_below"])  # type: ignore[arg-type]
        image = SpectrogramImage() if opts.spectrogram else None
        record, segments = run_pass(
            item, opts.vad, opts.max_seconds, image.push if image is not None else None
        )
        spans: list[ScoredSpan] = []
        for seg in segments:
            if seg.duration_s < MIN_UNIT_S:
                continue
            score = float(model.probability(spoof_features(seg.samples))[0])
            spans.append(ScoredSpan(seg.start_s, seg.end_s, score))
        failed = problem(LABEL, record)
        if failed is not None:
            yield failed
            return
        summary = record.summary()
        if not spans:
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                f"No speech segment of at least {MIN_UNIT_S} s was found in "
                f"{record.reader.seconds_read:.1f} s of audio, so there is nothing to judge.",
                details=summary,
            )
            return
        weights = [s.end_s - s.start_s for s in spans]
        item_score = sum(w * s.score for w, s in zip(weights, spans, strict=True)) / sum(weights)
        item_score = min(1.0, max(0.0, item_score))
        flagged = [s for s in spans if s.score >= threshold]
        details: dict[str, JsonValue] = {
            **summary,
            "segments_scored": len(spans),
            "segments_flagged": len(flagged),
            "max_segment_score": round(max(s.score for s in spans), 4),
            "timeline": [
                [round(s.start_s, 3), round(s.end_s, 3), round(s.score, 4)]
                for s in spans[:_TIMELINE_CAP]
            ],
            "model_threshold": threshold,
        }
        artefacts: tuple[Artefact, ...] = ()
        if image is not None:
            png = image.render(spans, threshold)
            artefacts = (Artefact("spectrogram.png", "image/png", png),)
        speech = sum(weights)
        finding = Finding.scored(
            LABEL,
            item_score,
            threshold,
            _explain(item_score, threshold, negative_below, len(flagged), len(spans), speech),
            negative_below=negative_below,
            artefacts=artefacts,
            details=details,
        )
        if speech < opts.min_speech_seconds and finding.verdict is not Verdict.INCONCLUSIVE:
            finding = Finding(
                label=LABEL,
                score=item_score,
                threshold=threshold,
                verdict=Verdict.INCONCLUSIVE,
                explanation=f"Only {speech:.1f} s of speech: too little to judge "
                f"(score {item_score:.2f}, threshold {threshold:.2f}).",
                negative_below=negative_below,
                artefacts=artefacts,
                details=details,
            )
        yield finding
        chosen = spans
        if len(spans) > opts.max_segment_findings:
            top = sorted(spans, key=lambda s: -s.score)[: opts.max_segment_findings]
            chosen = sorted(top, key=lambda s: s.start_s)
        for span in chosen:
            yield Finding.scored(
                LABEL,
                min(1.0, max(0.0, span.score)),
                threshold,
                f"Speech from {span.start_s:.2f} s to {span.end_s:.2f} s scores "
                f"{span.score:.2f} for synthetic speech (threshold {threshold:.2f}).",
                negative_below=negative_below,
                locator=item.locator.child("time_span", f"{span.start_s:.3f}-{span.end_s:.3f}"),
                details={"segment_seconds": round(span.end_s - span.start_s, 3)},
            )

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example(
                "buzz-vowel synthesiser",
                _wav(synthetic_vowels(seed=25)),
                "voice_note.wav",
                "audio/x-wav",
                LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "silence only",
                _wav([0.0] * 16_000),
                "silence.wav",
                "audio/x-wav",
                LABEL,
                Verdict.INCONCLUSIVE,
            ),
        ]


def _explain(
    score: float, threshold: float, negative_below: float, flagged: int, total: int, speech: float
) -> str:
    base = f"{flagged} of {total} speech segment(s) ({speech:.1f} s of speech) score as synthetic"
    if score >= threshold:
        return (
            f"{base}; the recording scores {score:.2f}, at or above the threshold {threshold:.2f}."
        )
    if score < negative_below:
        return (
            f"{base}; the recording scores {score:.2f}, below {negative_below:.2f}: "
            "no sign of synthesis."
        )
    return (
        f"{base}; the recording scores {score:.2f}, between {negative_below:.2f} and "
        f"{threshold:.2f}: inconclusive."
    )


def synthetic_vowels(
    seed: int,
    seconds: float = 3.0,
    f0: float = 180.0,
    formant_scale: float = 1.3,
    noise: float = 1e-4,
) -> list[float]:
    """A crude formant synthesiser made here (no recording): a glottal-pulse
    source with falling pitch, vowel targets every 0.22 s with smooth formant
    transitions, syllable and word envelopes, a little aspiration noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rate = 16_000
    n = int(seconds * rate)
    t = np.arange(n) / rate
    vowels = (
        np.array(
            [
                (730, 1090, 2440),
                (270, 2290, 3010),
                (300, 870, 2240),
                (530, 1840, 2480),
                (660, 1720, 2410),
                (440, 1020, 2240),
            ],
            dtype=np.float64,
        )
        * formant_scale
    )
    syllable = 0.22
    count = int(seconds / syllable) + 2
    targets = vowels[rng.integers(len(vowels), size=count)]
    position = t / syllable
    index = np.minimum(position.astype(int), count - 2)
    frac = np.clip(position - index, 0.0, 1.0)
    glide = np.clip((frac - 0.6) / 0.4, 0.0, 1.0)[:, None]
    formants = targets[index] * (1 - glide) + targets[index + 1] * glide
    drift = 1 + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    vibrato = 1 + 0.04 * np.sin(2 * np.pi * 3 * t + rng.uniform(0, 6))
    pitch = f0 * (1.1 - 0.2 * t / seconds) * vibrato * drift
    phase = np.cumsum(pitch / rate) % 1.0
    pulse = np.where(
        phase < 0.6, 0.5 * (1 - np.cos(np.pi * phase / 0.6)), np.cos(np.pi * (phase - 0.6) / 0.8)
    )
    source = np.diff(pulse, prepend=0.0)
    envelope = np.clip(np.sin(np.pi * frac), 0.0, 1.0) ** 0.7
    words = (np.sin(2 * np.pi * t / 1.1) > -0.7).astype(np.float64)
    signal = source * envelope * words + rng.standard_normal(n) * 0.02 * (frac < 0.15) * words
    for k in range(3):
        signal = _resonator(signal, formants[:, k], 60.0 + 40.0 * k, rate)
    signal = signal + rng.standard_normal(n) * 1e-3 * np.abs(signal).max()
    signal = signal / (np.abs(signal).max() + 1e-12) * 0.5
    signal = signal + np.random.default_rng(seed).standard_normal(n) * noise
    return [float(v) for v in signal]


def _resonator(x: object, freq: object, bandwidth: float, rate: int) -> object:
    """Two-pole resonator with a per-sample centre frequency."""
    import numpy as np

    signal = np.asarray(x, dtype=np.float64)
    centre = np.broadcast_to(np.asarray(freq, dtype=np.float64), signal.shape)
    r = math.exp(-math.pi * bandwidth / rate)
    c1 = (2 * r * np.cos(2 * np.pi * centre / rate)).tolist()
    c2 = -r * r
    out = [0.0] * signal.size
    y1 = y2 = 0.0
    for i, v in enumerate(signal.tolist()):
        y = v + c1[i] * y1 + c2 * y2
        out[i] = y
        y2, y1 = y1, y
    return np.asarray(out)


def _wav(samples: list[float], rate: int = 16_000) -> bytes:
    """16-bit mono WAV with the standard library."""
    frames = bytearray()
    for v in samples:
        q = int(max(-1.0, min(1.0, v)) * 32767)
        frames += q.to_bytes(2, "little", signed=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buf.getvalue()
