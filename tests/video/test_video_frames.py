"""Sampled frames: spacing by timestamp, scaling, and hostile input ending quietly."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("av")

from vigil.detectors.video._clips import make_clip, make_moving_clip  # noqa: E402
from vigil.video.frames import SamplingLog, iter_frames, scaled_size  # noqa: E402


def _sample(data: bytes, **kwargs: object) -> tuple[list[float], list[np.ndarray], SamplingLog]:
    log = SamplingLog()
    frames = list(iter_frames(io.BytesIO(data), sampling=log, **kwargs))  # type: ignore[arg-type]
    return [f.t for f in frames], [f.rgb for f in frames], log


def test_constant_rate_is_sampled_on_a_time_grid() -> None:
    times, images, log = _sample(make_moving_clip(seconds=3, fps=10), every_s=0.5)
    assert times == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert all(im.shape == (48, 64, 3) and im.flags["C_CONTIGUOUS"] for im in images)
    assert images[0].dtype == np.uint8
    assert not np.array_equal(images[0], images[1])  # the shape moved
    assert log.frames_decoded == 30 and log.frames_yielded == 6 and not log.warnings


def test_variable_frame_rate_keeps_true_times() -> None:
    stamps = [0.0, 0.05, 0.1, 0.5, 0.55, 1.5, 1.52, 1.54, 2.5, 3.0]
    times, _, _ = _sample(make_moving_clip(frame_times=stamps), every_s=0.25)
    # a sample per 0.25 s step where frames exist, never one invented between them
    assert times == pytest.approx([0.0, 0.5, 1.5, 2.5, 3.0])


def test_frames_shrink_to_max_side() -> None:
    _, images, log = _sample(make_moving_clip(seconds=1, width=64, height=48), max_side=32)
    assert images[0].shape == (24, 32, 3)
    assert log.source_size == (64, 48)
    assert scaled_size(1921, 1081, 640) == (640, 360)


def test_long_clip_is_spread_over_max_frames_by_seeking() -> None:
    clip = make_moving_clip(seconds=600, fps=1, width=32, height=32)
    times, _, log = _sample(clip, every_s=0.25, max_frames=12)
    assert log.seek_mode and log.burst_gap_s == pytest.approx(50.0)
    assert len(times) <= 12 and times[-1] > 400  # covers the clip, not just its start
    assert log.frames_decoded <= 12  # one keyframe per target, not 600 frames


def test_long_clip_is_sampled_in_bursts_of_neighbouring_frames() -> None:
    clip = make_moving_clip(seconds=120, fps=10, width=32, height=32)
    times, _, log = _sample(clip, every_s=0.5, max_frames=12, burst=4)
    assert log.seek_mode and log.burst_gap_s == pytest.approx(40.0)
    assert len(times) == 12
    bursts = [times[i : i + 4] for i in range(0, 12, 4)]
    for burst in bursts:  # each burst: four samples 0.5 s apart, from a keyframe
        assert np.diff(burst) == pytest.approx([0.5, 0.5, 0.5])
    assert [round(b[0] / 40) for b in bursts] == [0, 1, 2]  # keyframe at or before
    assert log.frames_decoded < 120  # a few frames per burst, not 1200


def test_bursts_without_seeking_stay_on_the_grid() -> None:
    clip = make_moving_clip(seconds=6, fps=10)
    times, _, log = _sample(clip, every_s=0.25, max_frames=8, burst=4, seek_above_s=100)
    assert not log.seek_mode
    assert times == pytest.approx([0.0, 0.3, 0.5, 0.8, 3.0, 3.3, 3.5, 3.8])


def test_max_frames_caps_a_sequential_read() -> None:
    times, _, _ = _sample(make_moving_clip(seconds=3, fps=10), every_s=0.1, max_frames=5)
    assert len(times) == 5


def test_truncated_clip_ends_with_a_warning() -> None:
    clip = make_moving_clip(seconds=4, fps=10, width=160, height=120, faststart=True)
    times, _, log = _sample(clip[: len(clip) // 2])
    assert times and times[-1] < 3.0  # the first part still reads
    assert any("truncated" in w for w in log.warnings)
    times, _, _ = _sample(clip[:-200])  # only the last frame lost: no need to warn
    assert times
    times, _, log = _sample(clip[:40])
    assert times == [] and log.warnings


def test_no_video_stream_gives_a_warning() -> None:
    times, _, log = _sample(make_clip(with_video=False, with_audio=True, fmt="mp4"))
    assert times == [] and "No video stream" in log.warnings[0]


def test_absurd_declared_dimensions_are_not_decoded() -> None:
    header = b"YUV4MPEG2 W9000 H9000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 1000
    times, _, log = _sample(header)
    assert times == [] and "exceeds" in log.warnings[0]
    times, _, log = _sample(make_moving_clip(seconds=1), max_pixels=100)
    assert times == [] and "exceeds" in log.warnings[0]


def test_garbage_gives_a_warning() -> None:
    times, _, log = _sample(b"\x00\x01garbage" * 50)
    assert times == [] and log.warnings


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        list(iter_frames(io.BytesIO(b""), every_s=0))
