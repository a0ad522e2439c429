"""speaker_verification and the embedding API (embed, similarity, threshold,
voice indicator)."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("av")

from vigil.detectors.audio.speaker import (  # noqa: E402
    EMBEDDING_KIND,
    SpeakerVerificationDetector,
    _FixedProfiles,
    embed,
    similarity,
    similarity_threshold,
    voice_indicator,
)
from vigil.detectors.audio.voice_spoof import _wav, synthetic_vowels  # noqa: E402
from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.domain.errors import UsageError  # noqa: E402
from vigil.domain.evidence import VoiceProfile  # noqa: E402
from vigil.domain.model import Locator, Status, Verdict  # noqa: E402
from vigil.runner.jobs import BlobEvidence  # noqa: E402


def _evidence(tmp_path: Path, data: bytes) -> BlobEvidence:
    path = tmp_path / hashlib.sha256(data).hexdigest()
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return BlobEvidence(digest, "", "", "audio/x-wav", "call.wav", len(data), Locator(), str(path))


def _voice(seed: int, f0: float = 180.0, formants: float = 1.3) -> bytes:
    return _wav(synthetic_vowels(seed=seed, seconds=6.0, f0=f0, formant_scale=formants))


def test_embedding_is_unit_length_and_deterministic() -> None:
    a = embed(io.BytesIO(_voice(25)))
    b = embed(io.BytesIO(_voice(25)))
    assert a.dtype == np.float32 and a.ndim == 1
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(a, b)


def test_embed_accepts_a_path(tmp_path: Path) -> None:
    path = tmp_path / "v.wav"
    path.write_bytes(_voice(25))
    assert similarity(embed(path), embed(str(path))) == pytest.approx(1.0, abs=1e-6)


def test_same_made_up_voice_is_closer_than_another() -> None:
    ref = embed(io.BytesIO(_voice(25)))
    same = embed(io.BytesIO(_voice(27)))
    other = embed(io.BytesIO(_voice(27, f0=100.0, formants=0.9)))
    assert similarity(ref, same) >= similarity_threshold() > similarity(ref, other)


def test_similarity_is_symmetric_and_safe() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.6, 0.8])
    assert similarity(a, b) == pytest.approx(similarity(b, a)) == pytest.approx(0.6)
    assert similarity(a, np.zeros(2)) == 0.0
    assert similarity(a, np.ones(3)) == 0.0


@pytest.mark.parametrize("data", [b"", _wav([0.0] * 32_000), b"not audio at all" * 10])
def test_embed_refuses_audio_without_speech(data: bytes) -> None:
    with pytest.raises(UsageError):
        embed(io.BytesIO(data))


def test_voice_indicator_carries_the_vector() -> None:
    vec = embed(io.BytesIO(_voice(25)))
    indicator = voice_indicator(vec)
    assert indicator.kind == EMBEDDING_KIND
    assert indicator.vector is not None and len(indicator.vector) == vec.size
    assert indicator.value.startswith("mfcc-stats-1:") and len(indicator.value.split(":")[1]) == 16
    assert voice_indicator(vec) == indicator


def test_without_enrolled_persons_the_embedding_is_still_reported(tmp_path: Path) -> None:
    detector = SpeakerVerificationDetector(DetectorServices())
    findings = list(detector.detect(_evidence(tmp_path, _voice(25)), detector.parse_options(None)))
    assert len(findings) == 1
    assert findings[0].status is Status.OK and findings[0].verdict is Verdict.INCONCLUSIVE
    assert findings[0].indicators[0].kind == EMBEDDING_KIND


def test_one_finding_per_enrolled_person(tmp_path: Path) -> None:
    ref = tuple(float(v) for v in embed(io.BytesIO(_voice(25))))
    other = tuple(float(v) for v in embed(io.BytesIO(_voice(27, f0=100.0, formants=0.9))))
    services = DetectorServices(
        voices=_FixedProfiles(
            (VoiceProfile("alice", ref, claimed=True), VoiceProfile("bob", other))
        )
    )
    detector = SpeakerVerificationDetector(services)
    findings = list(detector.detect(_evidence(tmp_path, _voice(27)), detector.parse_options(None)))
    by_person = {f.details["person"]: f for f in findings}
    assert by_person["alice"].verdict is Verdict.POSITIVE
    assert by_person["bob"].verdict is Verdict.NEGATIVE
    assert "claimed speaker" in by_person["alice"].explanation


def test_same_speaker_eer_on_shared_speakers(shared_data: Path) -> None:
    """Two VCTK speakers, three clips each: same-speaker pairs outscore
    different-speaker pairs on average (a floor, not the card's EER)."""
    with (shared_data / "audio" / "labels.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == "bonafide"]
    chosen = [r for r in rows if r["speaker"] == "vctk:p237"][:3]
    chosen += [r for r in rows if r["speaker"] == "vctk:p262"][:3]
    vectors = [(r["speaker"], embed(shared_data / "audio" / r["path"])) for r in chosen]
    same: list[float] = []
    diff: list[float] = []
    for (sa, va), (sb, vb) in itertools.combinations(vectors, 2):
        (same if sa == sb else diff).append(similarity(va, vb))
    assert np.mean(same) > np.mean(diff)
