"""voice_spoof: timeline findings with time spans, spectrogram artefact,
problem statuses, the model files, and (with shared data) real clips."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
sf = pytest.importorskip("soundfile")
pytest.importorskip("av")

from vigil.detectors.audio._linear import LinearModel, fit_logistic, load_packaged  # noqa: E402
from vigil.detectors.audio.train_spoof import eer  # noqa: E402
from vigil.detectors.audio.voice_spoof import (  # noqa: E402
    VoiceSpoofDetector,
    _wav,
    synthetic_vowels,
)
from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.domain.model import Finding, Locator, Status, Verdict  # noqa: E402
from vigil.runner.jobs import BlobEvidence  # noqa: E402

LABEL = "audio.synthetic_speech"


def _evidence(tmp_path: Path, data: bytes, name: str = "note.wav") -> BlobEvidence:
    path = tmp_path / hashlib.sha256(data).hexdigest()
    path.write_bytes(data)
    return BlobEvidence(
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        "audio/x-wav",
        name,
        len(data),
        Locator().child("path", name),
        str(path),
    )


def _run(tmp_path: Path, data: bytes, **options: object) -> list[Finding]:
    detector = VoiceSpoofDetector(DetectorServices())
    return list(
        detector.detect(_evidence(tmp_path, data), VoiceSpoofDetector.parse_options(options))
    )


def test_timeline_has_time_span_locators_and_a_spectrogram(tmp_path: Path) -> None:
    speech = np.array(synthetic_vowels(seed=25, seconds=3.0))
    gap = np.zeros(16_000)
    audio = np.concatenate([speech, gap, speech])
    findings = _run(tmp_path, _wav(list(audio)), vad="energy")
    item, segments = findings[0], findings[1:]
    assert item.status is Status.OK and item.locator == Locator()
    assert item.artefacts and item.artefacts[0].data.startswith(b"\x89PNG")
    assert item.details["segments_scored"] == len(segments) >= 2
    timeline = item.details["timeline"]
    assert isinstance(timeline, list) and len(timeline) == len(segments)
    for finding, row in zip(segments, timeline, strict=True):
        step = finding.locator.steps[-1]
        assert step.kind == "time_span"
        start, end = (float(v) for v in step.value.split("-"))
        assert 0.0 <= start < end <= 7.1
        assert [round(start, 3), round(end, 3)] == row[:2]
        assert finding.score == pytest.approx(row[2], abs=1e-4)
    # the item score is the duration-weighted mean of the segment scores
    weights = [r[1] - r[0] for r in timeline]
    mean = sum(w * r[2] for w, r in zip(weights, timeline, strict=True)) / sum(weights)
    assert item.score == pytest.approx(mean, abs=1e-3)


def test_segment_findings_are_capped_to_the_highest_scores(tmp_path: Path) -> None:
    speech = np.array(synthetic_vowels(seed=25, seconds=3.0))
    audio = np.concatenate([speech, np.zeros(8_000)] * 3)
    findings = _run(tmp_path, _wav(list(audio)), vad="energy", max_segment_findings=1)
    segment_scores = [f.score for f in findings[1:]]
    timeline = findings[0].details["timeline"]
    assert isinstance(timeline, list) and len(timeline) >= 3
    assert segment_scores == [pytest.approx(max(r[2] for r in timeline), abs=1e-4)]


def test_stereo_48k_float_is_handled(tmp_path: Path) -> None:
    mono = np.array(synthetic_vowels(seed=25, seconds=3.0), dtype=np.float32)
    t48 = np.interp(np.arange(144_000) / 3.0, np.arange(mono.size), mono).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, np.stack([t48, t48 * 0.5], axis=1), 48_000, format="WAV", subtype="FLOAT")
    findings = _run(tmp_path, buf.getvalue())
    assert findings[0].status is Status.OK
    audio = findings[0].details["audio"]
    assert isinstance(audio, dict) and audio["channels"] == 2


def test_too_little_speech_is_inconclusive(tmp_path: Path) -> None:
    speech = synthetic_vowels(seed=25, seconds=0.8)
    findings = _run(tmp_path, _wav(speech), vad="energy", min_speech_seconds=5.0)
    assert findings[0].status is Status.OK
    assert findings[0].verdict is Verdict.INCONCLUSIVE
    assert "too little" in findings[0].explanation


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", Status.UNSUPPORTED),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16), Status.UNSUPPORTED),
        (_wav([0.0] * 8000), Status.UNSUPPORTED),
    ],
    ids=["empty", "header-only", "silence"],
)
def test_problem_inputs_give_a_status(tmp_path: Path, data: bytes, status: Status) -> None:
    findings = _run(tmp_path, data)
    assert len(findings) == 1
    assert findings[0].status is status and findings[0].score is None


def test_spectrogram_can_be_switched_off(tmp_path: Path) -> None:
    findings = _run(tmp_path, _wav(synthetic_vowels(seed=25)), spectrogram=False)
    assert findings[0].status is Status.OK and not findings[0].artefacts


def test_packaged_model_loads_without_pickle_and_checks_its_hash() -> None:
    model = load_packaged("vigil.detectors.audio", "voice_spoof")
    assert model.weights.size == len(model.meta["feature_names"])  # type: ignore[arg-type]
    threshold = float(model.meta["threshold"])  # type: ignore[arg-type]
    assert 0.0 < float(model.meta["negative_below"]) <= threshold < 1.0  # type: ignore[arg-type]
    arrays = model.arrays_bytes()
    header = model.header(arrays)
    header["arrays_sha256"] = "0" * 64
    with pytest.raises(ValueError, match="checksum"):
        LinearModel.from_bytes(arrays, header)
    assert VoiceSpoofDetector.model_sha256() is not None


def test_logistic_regression_separates_a_simple_problem() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (200, 3)), rng.normal(2, 1, (200, 3))])
    y = np.array([0] * 200 + [1] * 200)
    model = fit_logistic(x, y, l2=1.0)
    accuracy = np.mean((model.probability(x) >= 0.5) == y)
    assert accuracy > 0.9
    restored = LinearModel.from_bytes(model.arrays_bytes(), model.header(model.arrays_bytes()))
    assert np.allclose(restored.probability(x), model.probability(x))


def test_eer_on_known_scores() -> None:
    bona = np.array([0.1, 0.2, 0.3, 0.4])
    spoof = np.array([0.35, 0.6, 0.7, 0.8])
    rate, threshold = eer(bona, spoof)
    assert rate == pytest.approx(0.25)
    assert 0.3 < threshold <= 0.4
    assert eer(bona, bona + 10)[0] == 0.0


def test_model_card_reports_every_spoof_system() -> None:
    from importlib.resources import files

    card = VoiceSpoofDetector.model_card_text()
    report = json.loads(
        files("vigil.detectors.audio").joinpath("voice_spoof_eval.json").read_text("utf-8")
    )
    for system in report["metrics"]["clean"]["systems"]:
        assert f"| {system} |" in card


def _clips(shared: Path, system: str, count: int) -> list[Path]:
    with (shared / "audio" / "labels.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["system"] == system]
    return [shared / "audio" / r["path"] for r in rows[:count]]


def test_real_clips_are_scored_in_the_trained_direction(shared_data: Path, tmp_path: Path) -> None:
    """In-sample sanity check (these clips were in training): espeak-ng and
    Tacotron 2 + Griffin-Lim score higher on average than VCTK bona fide."""
    detector = VoiceSpoofDetector(DetectorServices())
    options = VoiceSpoofDetector.parse_options(None)

    def mean_score(paths: list[Path]) -> float:
        scores = []
        for path in paths:
            item = list(
                detector.detect(_evidence(tmp_path, path.read_bytes(), path.name), options)
            )[0]
            assert item.status is Status.OK
            scores.append(item.score)
        return float(np.mean(scores))

    with (shared_data / "audio" / "labels.csv").open(newline="") as fh:
        vctk = [
            shared_data / "audio" / r["path"]
            for r in csv.DictReader(fh)
            if r["label"] == "bonafide" and r["speaker"].startswith("vctk:")
        ][:6]
    bona = mean_score(vctk)
    assert mean_score(_clips(shared_data, "espeak-ng", 6)) > bona
    assert mean_score(_clips(shared_data, "tacotron2+griffinlim", 6)) > bona


_GOOD_WAV = _wav(synthetic_vowels(seed=25, seconds=1.5))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=2048), st.integers(min_value=0, max_value=len(_GOOD_WAV)))
def test_any_bytes_or_damaged_audio_give_valid_findings(junk: bytes, cut: int) -> None:
    import tempfile

    detector = VoiceSpoofDetector(DetectorServices())
    options = VoiceSpoofDetector.parse_options({"vad": "energy"})
    with tempfile.TemporaryDirectory() as tmp:
        for data in (junk, _GOOD_WAV[:cut] + junk):
            findings = list(detector.detect(_evidence(Path(tmp), data), options))
            assert findings
            for finding in findings:
                assert finding.label == LABEL
                if finding.status is Status.OK:
                    assert finding.score is not None and 0.0 <= finding.score <= 1.0
                else:
                    assert finding.score is None and finding.verdict is Verdict.INCONCLUSIVE
