"""The demo video call: a drawn face (found by the face detector), lip movement
following a synthetic voice, no real person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")

from vigil.imaging.faces import detect_faces, faces_available  # noqa: E402
from vigil.video.samples import DEMO_VIDEO_NAME, HEIGHT, WIDTH, render_face, write_demo_video  # noqa: E402


def test_demo_clip_has_the_drawn_face_and_the_voice_when_espeak_is_there(tmp_path: Path) -> None:
    path = write_demo_video(tmp_path)
    assert path is not None and path.name == DEMO_VIDEO_NAME
    with av.open(str(path)) as clip:
        video = clip.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (WIDTH, HEIGHT)
        assert bool(clip.streams.audio) == (shutil.which("espeak-ng") is not None)
        frames = [f.to_ndarray(format="gray") for f in clip.decode(video=0)]
    assert len(frames) >= 4 * 25
    if clip.streams.audio:  # the mouth moves with the speech
        mouth = [
            float(f[HEIGHT // 2 + 30 : HEIGHT // 2 + 55, WIDTH // 2 - 25 : WIDTH // 2 + 25].mean())
            for f in frames
        ]
        assert max(mouth) - min(mouth) > 5


@pytest.mark.skipif(not faces_available(), reason="dlib or its face models are not installed")
@pytest.mark.parametrize(
    ("mouth", "blink", "sway"), [(0.0, False, 0), (1.0, False, 4), (0.5, True, -4)]
)
def test_the_face_detector_finds_the_drawn_face(mouth: float, blink: bool, sway: int) -> None:
    (face,) = detect_faces(render_face(mouth, blink, sway))
    x, y, w, h = face.box
    assert w >= 80 and abs(x + w / 2 - (WIDTH / 2 + sway)) < 20
