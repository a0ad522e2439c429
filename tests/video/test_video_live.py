"""vigil.video.live and .segments: sources, the newest-frame mailbox, pacing,
dropping, segment recording (remuxed, or re-encoded for raw video)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")

from tests.video.live_helpers import clip_file, mjpeg_mkv_declaring, run  # noqa: E402

from vigil.domain.errors import UsageError  # noqa: E402
from vigil.video.live import (  # noqa: E402
    FrameSlot,
    LivePipeline,
    PipelineSettings,
    SourceKind,
    _Offer,
    parse_source,
)


# -- sources -------------------------------------------------------------------------
def test_sources_are_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":1")
    rtsp = parse_source("rtsp://192.0.2.1/cam", io_timeout_s=3)
    assert rtsp.kind is SourceKind.STREAM and rtsp.options == {"rtsp_transport": "tcp"}
    assert rtsp.timeout_s == 3
    assert parse_source("https://example.org/live.m3u8").kind is SourceKind.STREAM
    device = parse_source("/dev/video2")
    assert (device.kind, device.format) == (SourceKind.DEVICE, "v4l2")
    screen = parse_source("screen:1280x720+10+20")
    assert (screen.kind, screen.format, screen.target) == (SourceKind.SCREEN, "x11grab", ":1+10,20")
    assert screen.options["video_size"] == "1280x720"
    assert parse_source("screen:640x480@:0.0").target == ":0.0+0,0"
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"x")
    local = parse_source(str(path))
    assert local.kind is SourceKind.FILE and local.timeout_s is None
    for bad in ("no/such/file.mp4", "ftp://example.org/x", "screen:axb"):
        with pytest.raises(UsageError):
            parse_source(str(tmp_path / bad) if "/" in bad and ":" not in bad else bad)


# -- the mailbox ---------------------------------------------------------------------
def test_slot_keeps_the_newest_frame_and_counts_drops() -> None:
    slot = FrameSlot()
    for t in (0.0, 0.25, 0.5):
        slot.offer(_Offer(t, None), wait=False)
    taken = slot.take()
    assert taken is not None and taken.t == 0.5 and slot.dropped == 2
    slot.close()
    assert slot.take() is None


def test_slot_with_wait_blocks_until_taken_and_drops_nothing() -> None:
    slot = FrameSlot()
    seen: list[float] = []

    def consume() -> None:
        while (offer := slot.take()) is not None:
            time.sleep(0.01)
            seen.append(offer.t)

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(20):
        slot.offer(_Offer(i / 4, None), wait=True)
    while len(seen) < 20 and consumer.is_alive():
        time.sleep(0.01)
    slot.close()
    consumer.join(5)
    assert seen == [i / 4 for i in range(20)] and slot.dropped == 0


# -- the pipeline --------------------------------------------------------------------
def test_fast_mode_analyses_every_sample_and_records_all_packets(tmp_path: Path) -> None:
    source = parse_source(str(clip_file(tmp_path / "c.mp4", seconds=2.0)))
    times: list[float] = []
    pipeline = LivePipeline(
        source,
        lambda t, rgb: times.append(t) or time.sleep(0.02),  # type: ignore[func-returns-value]
        tmp_path,
        PipelineSettings(realtime=False, every_s=0.25, max_side=48, segment_s=0.5),
    )
    started = time.monotonic()
    events = run(pipeline)
    assert time.monotonic() - started < 10
    assert times == pytest.approx([i * 0.25 for i in range(8)], abs=0.021)
    stats = pipeline.stats.to_json()
    assert stats["frames_dropped"] == 0 and stats["frames_decoded"] == 50
    segments = [e.segment for e in events if e.segment is not None]
    # keyframes every 0.4 s: a cut at the first one 0.5 s or more into a segment
    assert [s.media_start_s for s in segments] == pytest.approx([0.0, 0.8, 1.6])
    assert all(s.starts_with_keyframe and not s.re_encoded for s in segments)
    assert sum(s.packets for s in segments) == 50
    decoded = 0
    for segment in segments:  # each plays on its own, timestamps as received
        with av.open(str(segment.path)) as part:
            frames = [f.time for f in part.decode(video=0)]
        decoded += len(frames)
        assert frames[0] == pytest.approx(segment.media_start_s)
    assert decoded == 50


def test_real_time_mode_keeps_pace_and_drops_when_analysis_is_slow(tmp_path: Path) -> None:
    source = parse_source(str(clip_file(tmp_path / "c.mp4", seconds=2.0)))
    pipeline = LivePipeline(
        source,
        lambda t, rgb: time.sleep(0.3),
        tmp_path,
        PipelineSettings(realtime=True, every_s=0.04, max_side=48, segment_s=10),
    )
    started = time.monotonic()
    run(pipeline)
    elapsed = time.monotonic() - started
    stats = pipeline.stats.to_json()
    assert 1.8 < elapsed < 4.0  # played at its own speed, not queued behind analysis
    assert stats["frames_decoded"] == 50
    assert stats["frames_dropped"] > 30  # 25 offered a second, about 3 analysed
    assert 4 <= stats["frames_analysed"] <= 9
    assert stats["lag_p95_seconds"] is not None and stats["lag_p95_seconds"] < 0.9


def test_raw_video_is_re_encoded_into_segments(tmp_path: Path) -> None:
    path = clip_file(
        tmp_path / "screen.nut", seconds=1.0, fps=10, codec="rawvideo", fmt="nut", pix_fmt="bgr0"
    )
    pipeline = LivePipeline(
        parse_source(str(path)), lambda t, rgb: None, tmp_path, PipelineSettings(realtime=False)
    )
    segments = [e.segment for e in run(pipeline) if e.segment is not None]
    assert len(segments) == 1 and segments[0].re_encoded
    assert segments[0].codecs == ("libx264",)
    assert segments[0].path.stat().st_size < path.stat().st_size / 10
    with av.open(str(segments[0].path)) as part:
        assert sum(1 for _ in part.decode(video=0)) == 10


def test_file_cut_short_ends_with_a_warning_and_keeps_what_came(tmp_path: Path) -> None:
    whole = clip_file(tmp_path / "whole.mkv", seconds=3.0, fmt="matroska").read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole[: len(whole) // 3])
    pipeline = LivePipeline(
        parse_source(str(cut)),
        lambda t, rgb: None,
        tmp_path,
        PipelineSettings(realtime=False, segment_s=0.5),
    )
    events = run(pipeline)
    warnings = [e.message for e in events if e.kind == "warning"]
    assert warnings and any("ended at" in w or "broke off" in w for w in warnings)
    assert any(e.segment is not None for e in events)


def test_source_without_video_ends_at_once_with_a_warning(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        sound = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), "flt", "mono")
        frame.sample_rate, frame.pts = 16000, 0
        for packet in [*sound.encode(frame), *sound.encode()]:
            out.mux(packet)
    path = tmp_path / "voice.mkv"
    path.write_bytes(buf.getvalue())
    events = run(LivePipeline(parse_source(str(path)), lambda t, rgb: None, tmp_path))
    assert [e.kind for e in events] == ["warning"]
    assert "no video stream" in events[0].message


def test_unopenable_source_ends_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00" * 1000)
    events = run(LivePipeline(parse_source(str(path)), lambda t, rgb: None, tmp_path))
    assert [e.kind for e in events] == ["warning"]
    assert "could not be opened" in events[0].message


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_screen_region_is_grabbed_and_re_encoded(tmp_path: Path) -> None:
    display = f":{90 + os.getpid() % 500}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "320x240x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        source = parse_source(f"screen:160x120+8+8@{display}", screen_fps=10)
        pipeline = LivePipeline(
            source, lambda t, rgb: None, tmp_path, PipelineSettings(max_seconds=1.5)
        )
        events = run(pipeline)
    finally:
        server.terminate()
        server.wait(10)
    segments = [e.segment for e in events if e.segment is not None]
    assert segments and all(s.re_encoded and s.codecs == ("libx264",) for s in segments)
    assert pipeline.source_info["video_codec"] == "rawvideo"
    assert pipeline.stats.frames_decoded >= 10


def test_absurd_frame_size_is_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "huge.mkv"
    path.write_bytes(mjpeg_mkv_declaring(9000, 8000))
    events = run(LivePipeline(parse_source(str(path)), lambda t, rgb: None, tmp_path))
    assert [e.kind for e in events] == ["warning"] and "too large" in events[0].message
