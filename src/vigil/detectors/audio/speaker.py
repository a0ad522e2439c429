"""Speaker embeddings for verification against enrolled or claimed persons and
for linking the same (possibly cloned) voice across items and cases.

The embedding is made here, from our own features, with no neural model: the
mean and spread of 19 MFCCs (40 mel bands, 60-3800 Hz, so narrow-band calls
and wide-band recordings are described alike) over the speech frames the VAD
keeps, standardised with statistics of the shared bona fide set and
L2-normalised. It is much weaker than a neural speaker encoder (see
speaker_verification.md) and must be read as a lead, not an identification.

Library API (for `vigil voice enroll` and the store):

    vec = embed(path_or_stream)          # np.ndarray, float32, unit length
    s = similarity(vec_a, vec_b)         # cosine, in [-1, 1]
    s >= similarity_threshold()          # "same speaker" at the measured EER point
    voice_indicator(vec)                 # Indicator(kind="voice_embedding", ...)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pydantic import Field

from vigil.detectors.audio._common import MEDIA_TYPES, VadChoice, problem, run_pass
from vigil.detectors.base import Detector, DetectorOptions, DetectorServices, Example
from vigil.domain.errors import UsageError
from vigil.domain.evidence import EvidenceView, VoiceProfile
from vigil.domain.model import Finding, Indicator, Locator, Status, Verdict

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "EMBEDDING_KIND",
    "SpeakerVerificationDetector",
    "SpeakerVerificationOptions",
    "embed",
    "embed_stream",
    "similarity",
    "similarity_threshold",
    "voice_indicator",
]

LABEL = "audio.speaker_match"
EMBEDDING_KIND = "voice_embedding"
_PACKAGE = "vigil.detectors.audio"
_STEM = "speaker_embedding"
MIN_SPEECH_S = 0.5


@cache
def _model() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float, str]:
    import json
    from importlib.resources import files

    import numpy as np

    root = files(_PACKAGE)
    header = json.loads(root.joinpath(f"{_STEM}.json").read_text("utf-8"))
    arrays = root.joinpath(f"{_STEM}.npz").read_bytes()
    if hashlib.sha256(arrays).hexdigest() != header["arrays_sha256"]:
        raise ValueError("speaker embedding statistics do not match their header")
    import io

    with np.load(io.BytesIO(arrays), allow_pickle=False) as data:
        return (
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            float(header["threshold"]),
            str(header["version"]),
        )


def similarity_threshold() -> float:
    """Cosine at or above which two embeddings are called the same speaker
    (the pooled equal-error point measured on the shared set)."""
    return _model()[2]


class _Pool:
    """Running sums of frame features over a whole recording (bounded memory)."""

    def __init__(self) -> None:
        self.count = 0
        self.total: npt.NDArray[np.float64] | None = None
        self.squares: npt.NDArray[np.float64] | None = None

    def add(self, frames: npt.NDArray[np.float64]) -> None:
        if not frames.shape[0]:
            return
        part = frames[:, :19]
        if self.total is None or self.squares is None:
            self.total = part.sum(axis=0)
            self.squares = (part**2).sum(axis=0)
        else:
            self.total = self.total + part.sum(axis=0)
            self.squares = self.squares + (part**2).sum(axis=0)
        self.count += part.shape[0]

    def raw(self) -> npt.NDArray[np.float64]:
        import numpy as np

        assert self.total is not None and self.squares is not None
        mean = self.total / self.count
        std = np.sqrt(np.maximum(self.squares / self.count - mean**2, 1e-12))
        return np.concatenate([mean, std])


def raw_statistics(segments: Iterator[npt.NDArray[np.float32]]) -> npt.NDArray[np.float64] | None:
    """Unnormalised pooled MFCC statistics of speech units; None without speech."""
    from vigil.detectors.audio._features import speaker_frames

    pool = _Pool()
    for samples in segments:
        pool.add(speaker_frames(samples))
    if pool.count < 10:
        return None
    return pool.raw()


def normalise(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    import numpy as np

    mean, scale, _, _ = _model()
    z = (raw - mean) / scale
    norm = float(np.linalg.norm(z))
    return (z / norm if norm > 0 else z).astype(np.float32)


def embed_stream(
    stream: BinaryIO, *, max_seconds: float = 600.0, vad: VadChoice = "energy"
) -> npt.NDArray[np.float32]:
    """Embedding of the speech in a binary stream of any audio/video format.

    Raises UsageError when the stream cannot be decoded or holds too little speech."""
    from vigil.audio import AudioReader, segment_all
    from vigil.detectors.audio._common import choose_vad

    reader = AudioReader(stream, max_seconds=max_seconds)
    speech = 0.0

    def units() -> Iterator[npt.NDArray[np.float32]]:
        nonlocal speech
        for seg in segment_all(reader.blocks(), choose_vad(vad)):
            speech += seg.duration_s
            yield seg.samples

    raw = raw_statistics(units())
    if reader.problem is not None:
        raise UsageError(f"cannot embed this audio: {reader.problem.message}")
    if raw is None or speech < MIN_SPEECH_S:
        raise UsageError(f"too little speech to embed ({speech:.2f} s)")
    return normalise(raw)


def embed(
    source: str | Path | BinaryIO, *, max_seconds: float = 600.0, vad: VadChoice = "energy"
) -> npt.NDArray[np.float32]:
    """`embed_stream` for a path or an open binary stream."""
    if isinstance(source, str | Path):
        with Path(source).open("rb") as stream:
            return embed_stream(stream, max_seconds=max_seconds, vad=vad)
    return embed_stream(source, max_seconds=max_seconds, vad=vad)


def similarity(
    a: Sequence[float] | npt.NDArray[np.float32], b: Sequence[float] | npt.NDArray[np.float32]
) -> float:
    """Cosine similarity in [-1, 1]; 0 for a zero or mismatched vector."""
    import numpy as np

    va = np.asarray(a, dtype=np.float64).ravel()
    vb = np.asarray(b, dtype=np.float64).ravel()
    if va.shape != vb.shape:
        return 0.0
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb / denom) if denom > 0 else 0.0


def voice_indicator(vector: Sequence[float] | npt.NDArray[np.float32]) -> Indicator:
    """The embedding as an indicator: value = short hash of the rounded vector
    (equal for byte-identical speech, a handle only; linking uses `vector`)."""
    values = tuple(round(float(v), 5) for v in vector)
    digest = hashlib.sha256(",".join(f"{v:.5f}" for v in values).encode()).hexdigest()[:16]
    return Indicator(EMBEDDING_KIND, f"{_model()[3]}:{digest}", vector=values)


@dataclass(frozen=True, slots=True)
class _FixedProfiles:
    profiles: tuple[VoiceProfile, ...]

    def voice_profiles(self, item_sha256: str) -> Sequence[VoiceProfile]:
        return self.profiles


class SpeakerVerificationOptions(DetectorOptions):
    max_seconds: float = Field(default=1800.0, gt=0, le=86_400)
    vad: VadChoice = "energy"
    min_speech_seconds: float = Field(default=2.0, ge=0, le=120)
    """Less speech than this makes every match verdict inconclusive."""


class SpeakerVerificationDetector(Detector):
    name = "speaker_verification"
    version = "1.0.0"
    media_types = MEDIA_TYPES
    reference_data = ("voices",)
    model_card = f"{_PACKAGE}:speaker_verification.md"
    model_files = (f"{_PACKAGE}:{_STEM}.npz", f"{_PACKAGE}:{_STEM}.json")
    requires = ("numpy", "av")
    install_hint = "pip install 'vigil-forensics[audio]'"
    Options = SpeakerVerificationOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, SpeakerVerificationOptions)
        record, segments = run_pass(item, opts.vad, opts.max_seconds)
        raw = raw_statistics(seg.samples for seg in segments)
        failed = problem(LABEL, record)
        if failed is not None:
            yield failed
            return
        summary = record.summary()
        if raw is None or record.speech_seconds < MIN_SPEECH_S:
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                f"Only {record.speech_seconds:.2f} s of speech: too little for a voice embedding.",
                details=summary,
            )
            return
        vector = normalise(raw)
        indicator = voice_indicator(vector)
        threshold = similarity_threshold()
        voices = self.services.voices
        profiles = list(voices.voice_profiles(item.sha256)) if voices is not None else []
        if not profiles:
            yield Finding(
                label=LABEL,
                score=0.0,
                threshold=threshold,
                verdict=Verdict.INCONCLUSIVE,
                explanation="A voice embedding was computed; no enrolled or claimed speaker "
                "was available to compare it with.",
                details={**summary, "compared_with": 0},
                indicators=(indicator,),
            )
            return
        short = record.speech_seconds < opts.min_speech_seconds
        for profile in profiles:
            sim = similarity(vector, profile.vector)
            score = min(1.0, max(0.0, sim))
            role = "the claimed speaker" if profile.claimed else "enrolled person"
            finding = Finding.scored(
                LABEL,
                score,
                threshold,
                f"Voice similarity to {role} {profile.person!r} is {sim:.2f} "
                f"(same-speaker threshold {threshold:.2f}).",
                locator=Locator(),
                details={
                    **summary,
                    "person": profile.person,
                    "claimed": profile.claimed,
                    "cosine": round(sim, 4),
                },
                indicators=(indicator,),
            )
            if short and finding.verdict is not Verdict.INCONCLUSIVE:
                finding = Finding(
                    label=LABEL,
                    score=score,
                    threshold=threshold,
                    verdict=Verdict.INCONCLUSIVE,
                    explanation=f"Only {record.speech_seconds:.1f} s of speech; similarity to "
                    f"{profile.person!r} is {sim:.2f}, too little to decide.",
                    details=finding.details,
                    indicators=(indicator,),
                )
            yield finding

    @classmethod
    def examples(cls) -> list[Example]:
        from vigil.detectors.audio.voice_spoof import _wav, synthetic_vowels

        return [
            Example(
                "same synthetic voice as enrolled",
                _wav(synthetic_vowels(seed=27, seconds=6.0)),
                "call_a.wav",
                "audio/x-wav",
                LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "different synthetic voice",
                _wav(_shifted_voice(seed=27)),
                "call_b.wav",
                "audio/x-wav",
                LABEL,
                Verdict.NEGATIVE,
            ),
        ]

    @classmethod
    def example_services(cls) -> DetectorServices:
        import io

        from vigil.detectors.audio.voice_spoof import _wav, synthetic_vowels

        reference = embed_stream(io.BytesIO(_wav(synthetic_vowels(seed=25, seconds=6.0))))
        profile = VoiceProfile("demo synthetic voice", tuple(float(v) for v in reference), True)
        return DetectorServices(voices=_FixedProfiles((profile,)))


def _shifted_voice(seed: int) -> list[float]:
    """A second made-up voice: lower pitch, formants scaled down (a longer vocal tract)."""
    from vigil.detectors.audio.voice_spoof import synthetic_vowels

    return synthetic_vowels(seed=seed, seconds=6.0, f0=100.0, formant_scale=0.9)
