"""Every registered `vigil.detectors` entry point must honour the contract;
none can opt out, since the list comes from the installed entry points."""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from vigil.detectors.base import ENTRY_POINT_GROUP, Detector, DetectorOptions, load_registry
from vigil.domain.labels import is_known_label
from vigil.domain.model import Finding, Locator, Status, Verdict, decide_verdict
from vigil.formats import sniff_media_type
from vigil.runner.jobs import BlobEvidence

ENTRY_NAMES = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
REGISTRY = load_registry()


def _evidence(tmp_path: Path, data: bytes, name: str, media_type: str) -> BlobEvidence:
    path = tmp_path / hashlib.sha256(data + name.encode()).hexdigest()
    path.write_bytes(data)
    return BlobEvidence(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        media_type=media_type,
        name=name,
        size=len(data),
        locator=Locator().child("path", str(path)),
        blob_path=str(path),
    )


def _detector(name: str) -> type[Detector]:
    if name in REGISTRY.unavailable:
        pytest.skip(f"{name} unavailable here: {REGISTRY.unavailable[name].reason}")
    assert name not in REGISTRY.broken, REGISTRY.broken.get(name)
    return REGISTRY.available[name]


def _check_finding(finding: Finding) -> None:
    assert is_known_label(finding.label)
    assert finding.explanation.strip()
    if finding.status is Status.OK:
        assert finding.score is not None and 0.0 <= finding.score <= 1.0
        assert finding.threshold is not None
        expected = decide_verdict(finding.score, finding.threshold, finding.negative_below)
        assert finding.verdict in (expected, Verdict.INCONCLUSIVE)
    else:
        assert finding.score is None and finding.verdict is Verdict.INCONCLUSIVE


def test_entry_points_are_found() -> None:
    assert {"file_type_mismatch", "hashset_match"} <= set(ENTRY_NAMES)
    assert not REGISTRY.broken


@pytest.mark.parametrize("entry_name", ENTRY_NAMES)
def test_declares_the_contract(entry_name: str) -> None:
    cls = _detector(entry_name)
    assert cls.model_card_text().strip().startswith("# Model card")
    assert cls.examples(), "every detector ships examples"
    cls.parse_options(None)  # defaults are valid
    # a detector that needs configuring must say why, and its examples must run
    reason = cls.parse_options(None).not_ready()
    assert reason is None or reason.strip()
    assert cls.parse_options(cls.example_options()).not_ready() is None


def _example_options(cls: type[Detector]) -> DetectorOptions:
    return cls.parse_options(cls.example_options())


@pytest.mark.parametrize("entry_name", ENTRY_NAMES)
def test_examples_give_their_expected_verdicts_twice(entry_name: str, tmp_path: Path) -> None:
    cls = _detector(entry_name)
    detector = cls(cls.example_services())
    options = _example_options(cls)
    for example in cls.examples():
        view = _evidence(tmp_path, example.data, example.filename, example.media_type)
        first = list(detector.detect(view, options))
        second = list(detector.detect(view, options))
        assert first == second, f"{example.name}: two runs disagree"
        for finding in first:
            _check_finding(finding)
        matching = [f for f in first if f.label == example.expected_label]
        assert matching, f"{example.name}: no {example.expected_label} finding"
        assert any(f.verdict is example.expected_verdict for f in matching), (
            f"{example.name}: expected {example.expected_verdict}, got "
            f"{[f.verdict.value for f in matching]}"
        )


HOSTILE = {
    "empty": b"",
    "truncated_png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    "truncated_zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    "random": os.urandom(4096),
    "nul_text": b"hello\x00world" * 100,
}


@pytest.mark.parametrize("entry_name", ENTRY_NAMES)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_never_raises(entry_name: str, case: str, tmp_path: Path) -> None:
    cls = _detector(entry_name)
    detector = cls(cls.example_services())
    data = HOSTILE[case]
    declared = [m for m in cls.media_types if "*" not in m] or ["application/octet-stream"]
    for media_type in {sniff_media_type(data[:8192]), *declared}:
        view = _evidence(tmp_path, data, f"{case}.bin", media_type)
        for finding in detector.detect(view, _example_options(cls)):
            _check_finding(finding)


@pytest.mark.parametrize("entry_name", ENTRY_NAMES)
def test_oversized_input_is_streamed_without_raising(entry_name: str, tmp_path: Path) -> None:
    cls = _detector(entry_name)
    detector = cls(cls.example_services())
    path = tmp_path / "big.bin"
    with path.open("wb") as out:
        out.truncate(256 << 20)  # sparse 256 MiB of zeros
    view = BlobEvidence(
        "0" * 64,
        "0" * 32,
        "0" * 40,
        "application/octet-stream",
        "big.bin",
        256 << 20,
        Locator(),
        str(path),
    )
    for media_type in [m for m in cls.media_types if "*" not in m][:3] or [
        "application/octet-stream"
    ]:
        view = BlobEvidence(
            view.sha256,
            view.md5,
            view.sha1,
            media_type,
            view.name,
            view.size,
            view.locator,
            view.blob_path,
        )
        for finding in detector.detect(view, _example_options(cls)):
            _check_finding(finding)
