"""Face detection, alignment and descriptors on frames read at test time from
the shared video clips (no face image is kept in the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.imaging import faces

np = pytest.importorskip("numpy")
av = pytest.importorskip("av")
pytestmark = pytest.mark.skipif(not faces.faces_available(), reason="dlib models not installed")

CLIPS = "video/clips"


def _frames(path: Path, every: int = 30, count: int = 3) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % every == 0:
                out.append(frame.to_ndarray(format="rgb24"))
            if len(out) >= count:
                break
    return out


@pytest.fixture
def clips(shared_data: Path) -> Path:
    folder = shared_data / CLIPS
    if not folder.is_dir():
        pytest.skip("shared video clips not found")
    return folder


def test_no_face_in_flat_or_noise_images() -> None:
    rng = np.random.default_rng(0)
    assert faces.detect_faces(np.full((240, 320, 3), 128, np.uint8)) == []
    assert faces.detect_faces(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)) == []
    assert faces.detect_faces(np.zeros((4, 4, 3), np.uint8)) == []


def test_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="RGB"):
        faces.detect_faces(np.zeros((64, 64), np.uint8))


def test_one_face_per_frame_with_box_landmarks_chip_and_descriptor(clips: Path) -> None:
    frame = _frames(clips / "ffpp" / "ffpp_real_519_s0.mp4", count=1)[0]
    found = faces.detect_faces(frame)
    assert len(found) == 1
    face = found[0]
    x, y, w, h = face.box
    assert 0 <= x and 0 <= y and x + w <= frame.shape[1] and y + h <= frame.shape[0]
    assert 40 <= w <= 200 and 40 <= h <= 200
    assert len(face.landmarks) == 5
    # the landmarks (eyes, nose) lie inside the detected box, with a small margin
    for px, py in face.landmarks:
        assert x - 5 <= px <= x + w + 5 and y - 5 <= py <= y + h + 5
    assert face.detection_score > 0
    chip = faces.face_chip(frame, face)
    assert chip.shape == (150, 150, 3) and chip.dtype == np.uint8
    assert faces.face_chip(frame, face, size=96, padding=0.5).shape == (96, 96, 3)
    vector = faces.face_descriptor(frame, face)
    assert vector.shape == (faces.DESCRIPTOR_SIZE,) and vector.dtype == np.float32
    assert np.isfinite(vector).all() and np.linalg.norm(vector) > 0.1


def test_non_contiguous_frames_are_accepted(clips: Path) -> None:
    # PyAV hands back padded (non-contiguous) arrays for these widths; a view is too
    frame = _frames(clips / "deepfacelive" / "dfl_real_Albica_Johns_0.mp4", count=1)[0]
    view = frame[:, ::-1]
    assert not view.flags["C_CONTIGUOUS"]
    found = faces.detect_faces(view)
    assert len(found) == 1
    assert faces.face_descriptor(view, found[0]).shape == (128,)


def test_big_frames_are_analysed_downscaled_and_boxes_mapped_back(clips: Path) -> None:
    frame = _frames(clips / "ffpp" / "ffpp_real_519_s0.mp4", count=1)[0]
    small = faces.detect_faces(frame, min_size=60)
    big = faces.detect_faces(np.repeat(np.repeat(frame, 4, axis=0), 4, axis=1), min_size=60)
    assert len(small) == len(big) == 1
    sx, sy, sw, _ = small[0].box
    bx, by, bw, _ = big[0].box
    assert abs(bx / 4 - sx) < 0.15 * sw and abs(by / 4 - sy) < 0.15 * sw
    assert 0.75 < bw / 4 / sw < 1.33


def test_same_person_within_and_different_people_beyond_the_threshold(clips: Path) -> None:
    def descriptors(name: str) -> list[np.ndarray]:
        out = []
        for frame in _frames(clips / name):
            found = faces.detect_faces(frame)
            assert found, name
            out.append(faces.face_descriptor(frame, found[0]))
        return out

    first = descriptors("talking_head/lrs2_real_00001.mp4")
    second = descriptors("talking_head/hdtf_real_RD_Radio2_000.mp4")
    same = [faces.descriptor_distance(a, b) for a in first for b in first if a is not b]
    other = [faces.descriptor_distance(a, b) for a in first for b in second]
    assert max(same) < faces.SAME_FACE_DISTANCE < min(other)


def test_max_faces_limits_the_result(clips: Path) -> None:
    frame = _frames(clips / "ffpp" / "ffpp_real_519_s0.mp4", count=1)[0]
    # two copies side by side: two faces, best first
    pair = np.concatenate([frame, frame], axis=1)
    both = faces.detect_faces(pair)
    assert len(both) == 2
    assert both[0].detection_score >= both[1].detection_score
    assert len(faces.detect_faces(pair, max_faces=1)) == 1
