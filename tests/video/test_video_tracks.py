"""Track linking: overlap first, then identity descriptors for faces that return."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.video.tracks import TrackLinker, iou

ALICE = np.zeros(128, dtype=np.float32)
BOB = np.full(128, 0.1, dtype=np.float32)  # distance 1.13 from ALICE


def _linker() -> TrackLinker:
    return TrackLinker(same_face_distance=0.6, max_gap_s=2.0, reid_gap_s=30.0)


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_overlapping_faces_keep_their_tracks_without_descriptors() -> None:
    linker = _linker()
    calls: list[int] = []

    def describe(i: int) -> np.ndarray:
        calls.append(i)
        return ALICE if i == 0 else BOB

    first = linker.link(0.0, [(10, 10, 50, 50), (200, 10, 50, 50)], describe)
    second = linker.link(0.25, [(204, 12, 50, 50), (12, 11, 50, 50)], describe)
    assert first == [0, 1] and second == [1, 0]
    assert calls == [0, 1]  # descriptors only for the new faces of the first frame


def test_a_returning_face_is_reidentified_and_a_stranger_is_not() -> None:
    linker = _linker()
    ids = {"a": ALICE, "b": BOB}
    linker.link(0.0, [(10, 10, 50, 50)], lambda i: ids["a"])
    # gone for 5 s (beyond max_gap_s), back at another place: same track by identity
    assert linker.link(5.0, [(300, 100, 60, 60)], lambda i: ids["a"]) == [0]
    # someone else at the old place after the gap: a new track
    assert linker.link(10.0, [(10, 10, 50, 50)], lambda i: ids["b"]) == [1]
    assert linker.track_count == 2


def test_two_faces_never_share_a_track() -> None:
    linker = _linker()
    linker.link(0.0, [(10, 10, 50, 50)], lambda i: ALICE)
    # two faces overlap the old box; only the better one inherits it
    ids = linker.link(0.25, [(12, 10, 50, 50), (30, 10, 50, 50)], lambda i: BOB)
    assert ids[0] == 0 and ids[1] != 0


def test_without_descriptors_an_unmatched_face_starts_a_track() -> None:
    linker = _linker()
    linker.link(0.0, [(10, 10, 50, 50)], lambda i: None)
    assert linker.link(5.0, [(10, 10, 50, 50)], lambda i: None) == [1]
