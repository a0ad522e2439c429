"""video_metadata: tool tags in synthetic clips, hostile bytes, shared clips."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("av")

from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.detectors.video._clips import make_clip  # noqa: E402
from vigil.detectors.video.metadata import VideoMetadataDetector, match_tools  # noqa: E402
from vigil.domain.model import Finding, Locator, Status, Verdict  # noqa: E402
from vigil.runner.jobs import BlobEvidence  # noqa: E402


def _view(path: Path, media_type: str = "video/mp4") -> BlobEvidence:
    data = path.read_bytes()
    return BlobEvidence(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        media_type=media_type,
        name=path.name,
        size=len(data),
        locator=Locator().child("path", str(path)),
        blob_path=str(path),
    )


def _detail(finding: Finding, key: str) -> Any:
    return cast(Any, finding.details[key])


def _run(tmp_path: Path, data: bytes, name: str = "clip.mp4") -> list[Finding]:
    path = tmp_path / name
    path.write_bytes(data)
    detector = VideoMetadataDetector(DetectorServices())
    return list(detector.detect(_view(path), VideoMetadataDetector.parse_options(None)))


@pytest.mark.parametrize(
    ("tags", "tool", "score"),
    [
        ({"stream_tags": {"encoder": "OBS Studio 30.1"}}, "OBS Studio", 0.8),
        ({"stream_tags": {"handler_name": "OBS Virtual Camera"}}, "OBS Virtual Camera", 0.8),
        ({"container_tags": {"comment": "DeepFaceLab SAEHD"}}, "DeepFaceLab", 0.95),
        ({"container_tags": {"comment": "roop-unleashed"}}, "Roop", 0.95),
        ({"stream_tags": {"encoder": "ManyCam 9"}}, "ManyCam", 0.8),
    ],
)
def test_tool_tag_is_positive(
    tmp_path: Path, tags: dict[str, Any], tool: str, score: float
) -> None:
    (finding,) = _run(tmp_path, make_clip(**tags))
    assert finding.verdict is Verdict.POSITIVE
    assert finding.score == score
    assert tool in finding.explanation
    assert tool in {m["tool"] for m in _detail(finding, "matches")}


def test_untagged_clip_is_negative(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_clip())
    assert finding.status is Status.OK
    assert finding.verdict is Verdict.NEGATIVE
    assert finding.score == 0.0


def test_ffmpeg_encoder_is_only_a_weak_hint(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_clip(bitexact=False))
    assert finding.verdict is Verdict.NEGATIVE
    assert finding.score == 0.2
    assert "weak" in finding.explanation
    assert all(m["weak"] for m in _detail(finding, "matches"))


def test_title_is_not_read_as_a_tool(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_clip(container_tags={"title": "DeepFaceLab tutorial"}))
    assert finding.verdict is Verdict.NEGATIVE


def test_matching_rules() -> None:
    found = match_tools(
        [
            ("container", "encoder", "Lavf60.3.100"),
            ("stream 0", "handler_name", "FaceFusion 2.6"),
            ("container", "title", "xsplit"),
        ]
    )
    assert [m.tool for m in found] == ["FaceFusion", "FFmpeg (Lavf/Lavc)"]
    assert not match_tools([("container", "comment", "a groovy oboe loop")])


def test_audio_only_mp4_is_judged_with_a_warning(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_clip(with_video=False, with_audio=True))
    assert finding.status is Status.OK
    assert any("No video stream" in w for w in _detail(finding, "warnings"))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8, b"\x00" * 10000],
    ids=["zero_byte", "mp4_magic_random", "zeros"],
)
def test_unreadable_input_is_a_problem(tmp_path: Path, data: bytes) -> None:
    (finding,) = _run(tmp_path, data)
    assert finding.status is Status.UNREADABLE
    assert finding.verdict is Verdict.INCONCLUSIVE


def test_truncated_clip_never_raises(tmp_path: Path) -> None:
    data = make_clip(frames=10, size=32, bitexact=False)
    for cut in range(0, len(data), max(1, len(data) // 12)):
        findings = _run(tmp_path, data[:cut], f"cut{cut}.mp4")
        assert len(findings) == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2048))
def test_any_bytes_give_one_finding(tmp_path: Path, data: bytes) -> None:
    findings = _run(tmp_path, data, "h.mp4")
    assert len(findings) == 1
    assert findings[0].label == "video.tool_signature"


def test_shared_clips_firing_rate(shared_data: Path, tmp_path: Path) -> None:
    """Measured, not tuned: the shared clips were re-encoded with FFmpeg and
    stripped of metadata, so none names a tool (see the model card)."""
    folder = shared_data / "video"
    if not (folder / "labels.csv").is_file():
        pytest.skip("no shared video clips")
    detector = VideoMetadataDetector(DetectorServices())
    options = VideoMetadataDetector.parse_options(None)
    verdicts: dict[str, int] = {}
    with (folder / "labels.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        (finding,) = detector.detect(_view(folder / row["path"]), options)
        assert finding.status is Status.OK, row["path"]
        verdicts[finding.verdict.value] = verdicts.get(finding.verdict.value, 0) + 1
    assert sum(verdicts.values()) == len(rows)
    assert verdicts.get("positive", 0) == 0
