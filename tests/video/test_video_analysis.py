"""ClipAnalyser on scripted faces: tracks, timelines, verdicts, bounds.

The face backend is a script (boxes, identities and swap scores per frame),
so these tests check the bookkeeping, not dlib or the chip model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from vigil.domain.model import Verdict
from vigil.imaging.faces import Face
from vigil.video.analysis import (
    TRACK_FEATURES,
    AnalyserSettings,
    ClipAnalyser,
    TrackModel,
    track_features,
)

Scripted = tuple[tuple[int, int, int, int], int, float]
"""(box, identity, swap score) of one face in one frame."""


@dataclass
class ScriptedFaces:
    frames: list[list[Scripted]]
    jitter: float = 0.0
    same_face_distance: float = 0.6

    def __post_init__(self) -> None:
        self._current: list[Scripted] = []
        self._rng = np.random.default_rng(0)

    def detect(self, rgb: np.ndarray) -> Sequence[Face]:
        self._current = self.frames.pop(0)
        faces = []
        for (x, y, w, h), _, _ in self._current:
            base = [(0.3, 0.4), (0.4, 0.4), (0.7, 0.4), (0.6, 0.4), (0.5, 0.65)]
            noise = self._rng.normal(0, self.jitter, (5, 2))
            points = tuple(
                (x + w * (px + dx), y + h * (py + dy))
                for (px, py), (dx, dy) in zip(base, noise, strict=True)
            )
            faces.append(Face((x, y, w, h), points, 1.0))
        return faces

    def _entry(self, face: Face) -> Scripted:
        return next(e for e in self._current if e[0] == face.box)

    def chip(self, rgb: np.ndarray, face: Face, size: int, padding: float) -> np.ndarray:
        # the swap score rides in the chip's pixels for the scorer to read back
        return np.full((size, size, 3), round(self._entry(face)[2] * 255), dtype=np.uint8)

    def descriptor(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        return np.full(128, self._entry(face)[1], dtype=np.float32)


class PixelScorer:
    chip_size = 32
    chip_padding = 0.25

    def score(self, chip: np.ndarray) -> float:
        return float(chip[0, 0, 0]) / 255


MEAN_LOGIT = TrackModel(["chip_logit_mean"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.3)
"""Score = sigmoid(mean chip logit): a geometric-mean-like aggregate."""


def _run(frames: list[list[Scripted]], step: float = 0.25, **settings: int) -> ClipAnalyser:
    analyser = ClipAnalyser(
        ScriptedFaces(list(frames)), PixelScorer(), MEAN_LOGIT, AnalyserSettings(**settings)
    )
    rgb = np.zeros((240, 320, 3), dtype=np.uint8)
    for i in range(len(frames)):
        analyser.add_frame(i * step, rgb)
    return analyser


def _two_people(n: int) -> list[list[Scripted]]:
    """A fake face (score 0.9) drifting right and a real one (0.1) standing still."""
    return [[((10 + 2 * i, 20, 60, 60), 0, 0.9), ((200, 30, 60, 60), 1, 0.1)] for i in range(n)]


def test_two_faces_give_two_tracks_with_their_own_verdicts() -> None:
    summary = _run(_two_people(12)).summary()
    assert summary.frames == 12 and summary.frames_with_faces == 12
    fake, real = sorted(summary.tracks, key=lambda t: -(t.score or 0))
    assert fake.frames == real.frames == 12
    assert fake.score == pytest.approx(0.9, abs=0.01) and fake.verdict is Verdict.POSITIVE
    assert real.score == pytest.approx(0.1, abs=0.01) and real.verdict is Verdict.NEGATIVE
    assert summary.score == fake.score and summary.verdict is Verdict.POSITIVE
    assert (fake.start_s, fake.end_s) == (0.0, 2.75)
    assert fake.descriptor is not None and float(fake.descriptor[0]) == 0.0  # identity 0
    assert real.descriptor is not None and float(real.descriptor[0]) == 1.0


def test_timeline_has_one_entry_per_second() -> None:
    summary = _run(_two_people(12)).summary()
    fake = max(summary.tracks, key=lambda t: t.score or 0)
    assert [s.second for s in fake.timeline] == [0, 1, 2]
    assert all(s.frames == 4 and s.mean == pytest.approx(0.9, abs=0.01) for s in fake.timeline)


def test_suspicious_frames_are_the_highest_scores_in_time_order() -> None:
    frames = [[((10, 20, 60, 60), 0, s)] for s in (0.2, 0.95, 0.3, 0.8, 0.99, 0.1)]
    summary = _run(frames, suspicious_per_track=2, strip_frames=8).summary()
    assert [round(f.swap_score, 2) for f in summary.suspicious] == [0.95, 0.99]
    assert [f.t for f in summary.suspicious] == [0.25, 1.0]
    assert summary.suspicious[0].chip.shape == (32, 32, 3)


def test_short_tracks_and_faceless_clips_are_inconclusive() -> None:
    summary = _run([[((10, 20, 60, 60), 0, 0.99)], [((10, 20, 60, 60), 0, 0.99)]]).summary()
    assert summary.tracks[0].score is None and summary.tracks[0].verdict is Verdict.INCONCLUSIVE
    assert summary.score is None and summary.verdict is Verdict.INCONCLUSIVE
    empty = _run([[], [], []]).summary()
    assert empty.tracks == () and empty.frames_with_faces == 0
    assert empty.verdict is Verdict.INCONCLUSIVE


def test_rolling_verdict_looks_only_at_the_window() -> None:
    # real for 5 s, then the face is swapped
    frames = [[((10, 20, 60, 60), 0, 0.05 if i < 20 else 0.95)] for i in range(32)]
    analyser = _run(frames)
    assert analyser.rolling_verdict(window_s=2.0).verdict is Verdict.POSITIVE
    whole = analyser.rolling_verdict(window_s=100.0)
    assert whole.score is not None and whole.score < 0.5 and whole.start_s == 0.0


def test_frames_out_of_order_are_refused() -> None:
    analyser = _run([[], []])
    with pytest.raises(ValueError):
        analyser.add_frame(0.0, np.zeros((8, 8, 3), dtype=np.uint8))


def test_track_count_is_bounded() -> None:
    crowd = [[((i * 70, 0, 60, 60), i, 0.5) for i in range(5)] for _ in range(3)]
    summary = _run(crowd, max_tracks=2).summary()
    assert len(summary.tracks) == 2 and "face tracks" in summary.warnings[0]


def test_landmark_jitter_grows_with_landmark_noise() -> None:
    def jitter(noise: float) -> float:
        frames = [[((10 + 3 * i, 20, 60, 60), 0, 0.5)] for i in range(16)]
        analyser = ClipAnalyser(ScriptedFaces(frames, jitter=noise), PixelScorer(), MEAN_LOGIT)
        for i in range(16):
            analyser.add_frame(i * 0.25, np.zeros((120, 160, 3), dtype=np.uint8))
        value = analyser.summary().tracks[0].features["landmark_jitter"]
        assert value is not None
        return value

    assert jitter(0.0) < 1e-6 < jitter(0.02)


def test_track_features_need_consecutive_samples() -> None:
    assert set(track_features([])) == set(TRACK_FEATURES)
    assert all(v is None for v in track_features([]).values())


def test_track_model_round_trips_and_imputes_missing_features() -> None:
    model = TrackModel(
        ["chip_logit_mean", "landmark_jitter"], [0.0, 0.1], [1.0, 0.05], [1.5, 0.7], -0.2, 0.6, 0.4
    )
    loaded = TrackModel.from_npz(model.to_npz())
    values = {"chip_logit_mean": 1.0, "landmark_jitter": None}
    assert loaded.score(values) == pytest.approx(model.score(values))
    # a missing feature takes the training mean, so only the chip term counts
    assert model.score(values) == pytest.approx(1 / (1 + math.exp(-(1.5 - 0.2))))
    with pytest.raises(ValueError):
        TrackModel(["no_such_feature"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.5)
