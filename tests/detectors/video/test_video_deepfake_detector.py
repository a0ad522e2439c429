"""video_deepfake: findings on one shared clip, and hostile video (truncated,
absurd dimensions, variable frame rate, no video stream, hours long)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any, cast

import pytest

pytest.importorskip("av")
pytest.importorskip("dlib")

from PIL import Image  # noqa: E402

from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.detectors.video._clips import make_clip, make_moving_clip  # noqa: E402
from vigil.detectors.video.deepfake import VideoDeepfakeDetector  # noqa: E402
from vigil.domain.model import Finding, Locator, Status, Verdict, decide_verdict  # noqa: E402
from vigil.runner.jobs import BlobEvidence  # noqa: E402

SHARED_CLIP = "video/clips/deepfacelive/dfl_fake_Albica_Johns_0.mp4"


def _run(
    tmp_path: Path, data: bytes, media_type: str = "video/mp4", **options: object
) -> list[Finding]:
    path = tmp_path / hashlib.sha256(data).hexdigest()
    path.write_bytes(data)
    view = BlobEvidence(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        media_type=media_type,
        name="clip",
        size=len(data),
        locator=Locator().child("path", str(path)),
        blob_path=str(path),
    )
    detector = VideoDeepfakeDetector(DetectorServices())
    return list(detector.detect(view, VideoDeepfakeDetector.parse_options(options)))


def _details(finding: Finding) -> dict[str, Any]:
    return cast(dict[str, Any], finding.details)


@pytest.fixture(scope="module")
def shared_clip_findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    from tests.conftest import SHARED_DATA

    clip = SHARED_DATA / SHARED_CLIP
    if not clip.is_file():
        pytest.skip(f"shared clip not found: {clip}")
    return _run(tmp_path_factory.mktemp("clip"), clip.read_bytes())


def test_shared_clip_gives_a_clip_finding_and_located_track_findings(
    shared_clip_findings: list[Finding],
) -> None:
    clip, *tracks = shared_clip_findings
    assert clip.status is Status.OK and tracks
    assert clip.score == max(t.score or 0.0 for t in tracks)  # the worst track decides
    details = _details(clip)
    assert details["frames_sampled"] == 20  # 5 s at 4 a second
    assert 0 < details["frames_with_faces"] <= 20
    assert all(0 <= row["second"] <= 5 for row in details["timeline"])
    for track in tracks:
        step = track.locator.steps[-1]
        assert step.kind == "time_span"
        start, end = (float(v) for v in step.value.split("-"))
        assert 0.0 <= start <= end <= 5.0
        assert track.indicators and track.indicators[0].kind == "face_embedding"
        assert _details(track)["timeline"] and track.score is not None
        assert track.verdict in (
            decide_verdict(track.score, track.threshold or 0.0, track.negative_below),
            Verdict.INCONCLUSIVE,
        )


def test_shared_clip_thumbnail_strip_shows_the_suspicious_chips(
    shared_clip_findings: list[Finding],
) -> None:
    clip = shared_clip_findings[0]
    (strip,) = clip.artefacts
    image = Image.open(io.BytesIO(strip.data))
    assert strip.media_type == "image/jpeg" and image.format == "JPEG"
    assert image.width == 112 * len(_details(clip)["suspicious_frames"])


def test_clip_without_faces_is_unsupported(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_moving_clip(seconds=2, fps=10, width=160, height=120))
    assert finding.status is Status.UNSUPPORTED and "nothing to judge" in finding.explanation
    assert _details(finding)["frames_sampled"] == 8


def test_variable_frame_rate_is_sampled_by_time(tmp_path: Path) -> None:
    stamps = [0.0, 0.04, 0.08, 1.0, 1.02, 2.5, 2.54, 4.0]
    (finding,) = _run(tmp_path, make_moving_clip(frame_times=stamps, width=160, height=120))
    assert finding.status is Status.UNSUPPORTED  # drawn shapes: no face
    assert _details(finding)["frames_sampled"] == 4  # 0, 1.0, 2.5, 4.0: none invented between


def test_hours_long_clip_is_sampled_within_the_frame_cap(tmp_path: Path) -> None:
    clip = make_moving_clip(seconds=3600, fps=1, width=32, height=32)
    (finding,) = _run(tmp_path, clip)
    details = _details(finding)
    assert details["frames_sampled"] <= 40
    assert details["duration_s"] == pytest.approx(3600, rel=0.01)
    assert details["burst_gap_s"] == pytest.approx(3600 / 5, rel=0.01)


def test_truncated_clip_never_gives_a_negative(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / SHARED_CLIP).read_bytes()
    for cut in (len(data) // 3, 4096):
        for finding in _run(tmp_path, data[:cut]):
            assert finding.status in (Status.OK, Status.UNREADABLE, Status.UNSUPPORTED)
            if finding.status is Status.OK and finding.locator == Locator():
                assert finding.verdict is not Verdict.NEGATIVE


def test_no_video_stream_is_unsupported(tmp_path: Path) -> None:
    (finding,) = _run(tmp_path, make_clip(with_video=False, with_audio=True))
    assert finding.status is Status.UNSUPPORTED and "no video stream" in finding.explanation


def test_absurd_declared_dimensions_are_not_decoded(tmp_path: Path) -> None:
    header = b"YUV4MPEG2 W9000 H9000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 1000
    (finding,) = _run(tmp_path, header, media_type="video/x-yuv4mpeg")
    assert finding.status in (Status.UNSUPPORTED, Status.UNREADABLE)
    assert finding.score is None
