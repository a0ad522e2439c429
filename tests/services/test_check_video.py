"""`vigil check clip.mp4`: the clip verdict, per-track timelines and the voice
verdict of the clip's audio track, gathered in one `video` summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("av")

from vigil.detectors.audio.voice_spoof import VoiceSpoofDetector  # noqa: E402
from vigil.detectors.base import (  # noqa: E402
    Detector,
    DetectorOptions,
    Example,
    Registry,
    load_registry,
)
from vigil.domain.evidence import EvidenceView  # noqa: E402
from vigil.domain.model import Finding  # noqa: E402
from vigil.services.check import check_paths  # noqa: E402
from vigil.services.config import load_settings  # noqa: E402
from vigil.video.samples import write_demo_video  # noqa: E402


class ScriptedDeepfake(Detector):
    """Gives findings shaped as video_deepfake's: one for the clip, one per track."""

    name = "video_deepfake"
    version = "0.0.1"
    media_types = ("video/*",)
    model_card = "vigil.detectors.video:video_metadata.md"

    @classmethod
    def examples(cls) -> list[Example]:
        return []

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        timeline = [
            {"second": s, "face_score_mean": 0.7, "face_score_max": 0.8, "frames": 4}
            for s in range(3)
        ]
        yield Finding.scored("video.deepfake", 0.8, 0.5, "clip", negative_below=0.3)
        yield Finding.scored(
            "video.deepfake",
            0.8,
            0.5,
            "track 1",
            negative_below=0.3,
            locator=item.locator.time_span(0.0, 2.75),
            details={"track": 1, "timeline": timeline},
        )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_demo_video(tmp_path_factory.mktemp("clip"))
    assert path is not None
    return path


def test_video_summary_gathers_clip_tracks_and_voice(clip: Path, tmp_path: Path) -> None:
    registry = Registry(kind="detector")
    registry.available.update(video_deepfake=ScriptedDeepfake, voice_spoof=VoiceSpoofDetector)
    (result,) = check_paths(load_settings(home=tmp_path / "home"), [clip], registry)
    video = result["video"]
    assert isinstance(video, dict)
    assert video["clip"]["verdict"] == "positive" and video["clip"]["locator"] == "(top)"
    (track,) = video["tracks"]
    assert track["locator"].endswith("time_span=0.000-2.750")
    assert [row["second"] for row in track["timeline"]] == [0, 1, 2]
    if video["voice"] is None:  # no espeak-ng: a silent clip has no audio track
        assert not any(d["media_type"].startswith("audio/") for d in result["derived"])
        return
    assert video["voice"]["audio_item"] == "audio_16k_mono.flac"
    assert video["voice"]["status"] == "ok" and video["voice"]["locator"] == "(top)"
    assert video["voice"]["verdict"] in ("positive", "negative", "inconclusive")


@pytest.mark.slow
def test_check_with_every_detector_answers_the_three_questions(clip: Path, tmp_path: Path) -> None:
    registry = load_registry()
    if "video_deepfake" not in registry.available:
        pytest.skip("the video_deepfake detector is not installed")
    (result,) = check_paths(load_settings(home=tmp_path / "home"), [clip], registry)
    video = result["video"]
    assert isinstance(video, dict) and video["clip"] is not None
    assert video["clip"]["status"] in ("ok", "unsupported")
    if video["clip"]["status"] == "ok":
        assert video["tracks"] and video["tracks"][0]["timeline"]
    assert video["voice"] is not None
