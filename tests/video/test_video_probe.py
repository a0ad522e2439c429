"""vigil.video.probe on clips the tests make with PyAV, and on hostile bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")

from vigil.detectors.video._clips import make_clip  # noqa: E402
from vigil.video import ProblemKind, VideoProbe, probe_video  # noqa: E402


def _probe(data: bytes, **kwargs: int) -> VideoProbe:
    return probe_video(io.BytesIO(data), **kwargs)


def test_reads_streams_tags_size_and_rate() -> None:
    data = make_clip(
        container_tags={"comment": "hello"},
        stream_tags={"encoder": "OBS Studio"},
        frames=6,
        size=48,
    )
    result = _probe(data)
    assert result.problem is None
    info = result.info
    assert info is not None and info.video is not None
    assert info.container.startswith("mov")
    assert (info.video.width, info.video.height) == (48, 48)
    assert info.video.codec == "mpeg4"
    assert info.video.average_fps == pytest.approx(10.0)
    assert info.duration_seconds == pytest.approx(0.6, abs=0.11)
    assert info.container_tags["comment"] == "hello"
    assert ("stream 0", "encoder", "OBS Studio") in info.all_tags()
    assert info.variable_frame_rate is False
    assert info.packets_seen == 6
    assert 1 <= info.frames_decoded <= 3
    assert result.warnings == []


def test_sampling_is_bounded() -> None:
    data = make_clip(frames=40, size=16)
    info = _probe(data, max_packets=10, sample_frames=2).info
    assert info is not None
    assert info.packets_seen == 10
    assert info.frames_decoded <= 2


def _vfr_clip() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = __import__("fractions").Fraction(1, 1000)
        pts = 0
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), i * 9, np.uint8), "rgb24")
            frame.pts = pts
            frame.time_base = stream.codec_context.time_base
            pts += 40 if i % 2 else 120
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_variable_frame_rate_is_a_warning() -> None:
    result = _probe(_vfr_clip())
    assert result.problem is None and result.info is not None
    assert result.info.variable_frame_rate is True
    assert any("variable" in w for w in result.warnings)


def test_audio_only_mp4_warns_no_video() -> None:
    result = _probe(make_clip(with_video=False, with_audio=True))
    assert result.problem is None and result.info is not None
    assert result.info.video is None
    assert [s.kind for s in result.info.streams] == ["audio"]
    assert any("No video stream" in w for w in result.warnings)


def test_absurd_declared_size_is_not_decoded() -> None:
    data = b"YUV4MPEG2 W16000 H8000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 1000
    result = _probe(data)
    assert result.problem is None and result.info is not None
    assert result.info.frames_decoded == 0
    assert any("exceeds" in w for w in result.warnings)


def test_size_cap_is_an_option() -> None:
    result = _probe(make_clip(size=32), max_pixels=100)
    assert result.info is not None and result.info.frames_decoded == 0
    assert any("exceeds 100 pixels" in w for w in result.warnings)


def test_truncated_mp4_gives_a_problem_or_warnings() -> None:
    data = make_clip(frames=20, size=64, bitexact=False)
    for cut in (len(data) // 3, len(data) // 2):
        result = _probe(data[:cut])
        assert result.problem is not None or result.warnings, cut


def test_truncated_faststart_mp4_keeps_the_header(tmp_path: Path) -> None:
    path = tmp_path / "fast.mp4"
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for i in range(20):
            noise = np.random.default_rng(i).integers(0, 255, (64, 64, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(noise, "rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = path.read_bytes()
    result = _probe(data[: len(data) // 2])
    assert result.problem is None and result.info is not None
    assert result.info.video is not None and result.info.video.width == 64
    assert result.info.packets_seen < 20


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 4096, b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8],
    ids=["empty", "zeros", "mp4_magic_random"],
)
def test_garbage_is_unreadable(data: bytes) -> None:
    result = _probe(data)
    assert result.info is None
    assert result.problem is not None and result.problem.kind is ProblemKind.UNREADABLE


def test_long_declared_file_is_probed_without_reading_it(tmp_path: Path) -> None:
    # a real header followed by a sparse 64 MiB tail: nothing past the sample is read
    path = tmp_path / "long.mkv"
    path.write_bytes(make_clip(fmt="matroska", frames=5))
    with path.open("r+b") as handle:
        handle.truncate(64 << 20)
    with path.open("rb") as handle:
        result = probe_video(handle)
    assert result.info is not None and result.info.packets_seen <= 300


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_never_raise(data: bytes) -> None:
    result = _probe(data)
    assert (result.info is None) == (result.problem is not None)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=64))
def test_corrupted_clip_never_raises(offset: int, junk: bytes) -> None:
    data = bytearray(make_clip(frames=3, size=16))
    offset %= len(data)
    data[offset : offset + len(junk)] = junk
    result = _probe(bytes(data))
    assert (result.info is None) == (result.problem is not None)
