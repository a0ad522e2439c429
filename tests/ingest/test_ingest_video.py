"""Video intake at ingest: audio track and stills as derived items with time
locators; hostile video gives stored warnings, never an exception."""

from __future__ import annotations

import io
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")

from tests.video.live_helpers import mjpeg_mkv_declaring  # noqa: E402
from vigil.domain.model import Item, parse_time_span  # noqa: E402
from vigil.ingest import IngestLimits  # noqa: E402
from vigil.ingest.members import Member, Problem  # noqa: E402
from vigil.ingest.video import expand_video  # noqa: E402

from .helpers import IngestEnv, write  # noqa: E402


def clip(
    *,
    seconds: float = 3.0,
    fps: float = 10,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    fmt: str = "mp4",
    codec: str = "mpeg4",
    faststart_via: Path | None = None,
) -> bytes:
    """A moving square over grey with a 220 Hz tone: drawn, no person.
    faststart_via: a scratch file, for an mp4 with its index first."""
    width, height = size
    buf = io.BytesIO()
    target: io.BytesIO | str = buf if faststart_via is None else str(faststart_via)
    options = {} if faststart_via is None else {"movflags": "+faststart"}
    with av.open(target, "w", format=fmt, options=options) as out:
        video = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=16000) if audio else None
        for i in range(max(1, round(seconds * fps))):
            pixels = np.full((height, width, 3), 90, np.uint8)
            x = (i * 3) % max(1, width - 8)
            pixels[8:16, x : x + 8] = (220, 60, 60)
            for packet in video.encode(av.VideoFrame.from_ndarray(pixels, "rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            t = np.arange(int(seconds * 16000)) / 16000
            tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32).reshape(1, -1)
            for start in range(0, tone.shape[1], 1024):
                chunk = np.ascontiguousarray(tone[:, start : start + 1024])
                frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                frame.sample_rate, frame.pts = 16000, start
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return buf.getvalue() if faststart_via is None else faststart_via.read_bytes()


def children(env: IngestEnv, parent: Item) -> list[Item]:
    return [i for i in env.items() if i.parent_id == parent.id]


def top(env: IngestEnv) -> Item:
    (item,) = [i for i in env.items() if i.parent_id is None]
    return item


def span(item: Item) -> tuple[float, float]:
    step = item.locator.steps[-1]
    assert step.kind == "time_span"
    parsed = parse_time_span(step.value)
    assert parsed is not None, step.value
    return parsed


def test_clip_yields_audio_track_and_stills_with_time_locators(env: IngestEnv) -> None:
    path = write(env.evidence / "call.mp4", clip(seconds=3.0))
    summary = env.add(path, limits=IngestLimits(max_video_stills=4))
    video = top(env)
    assert video.media_type == "video/mp4"
    derived = children(env, video)
    audio = [i for i in derived if i.media_type == "audio/x-flac"]
    stills = [i for i in derived if i.media_type == "image/png"]
    assert len(audio) == 1 and 1 <= len(stills) <= 4
    assert summary.derived == len(derived) == len(audio) + len(stills)
    start, end = span(audio[0])
    assert start == 0.0 and end == pytest.approx(3.0, abs=0.15)
    # the FLAC is what the voice detectors read: 16 kHz mono, the whole 3 s
    with av.open(io.BytesIO(env.blob(audio[0]))) as flac:
        stream = flac.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("flac", 16000, 1)
    times = sorted(span(s)[0] for s in stills)
    assert times[0] == 0.0 and times[-1] < 3.0
    assert len(set(times)) == len(times)
    for still in stills:
        first, last = span(still)
        assert last > first
        assert still.name.endswith(f"{first:010.3f}s.png")
        assert env.blob(still).startswith(b"\x89PNG")
    assert env.warnings() == []
    env.assert_consistent()


def test_audio_longer_than_the_cap_is_cut_with_a_warning(env: IngestEnv) -> None:
    path = write(env.evidence / "long_audio.mp4", clip(seconds=3.0))
    env.add(path, limits=IngestLimits(max_video_audio_seconds=1.0, max_video_stills=1))
    (audio,) = [i for i in children(env, top(env)) if i.media_type == "audio/x-flac"]
    assert span(audio) == pytest.approx((0.0, 1.0))
    (warning,) = env.warnings_with("video_audio_truncated")
    assert "1 s" in warning.message and warning.item_id == top(env).id
    env.assert_consistent()


def test_video_without_audio_has_no_audio_item_and_no_warning(env: IngestEnv) -> None:
    env.add(write(env.evidence / "mute.mkv", clip(audio=False, fmt="matroska")))
    derived = children(env, top(env))
    assert derived and all(i.media_type == "image/png" for i in derived)
    assert env.warnings() == []


def test_no_video_stream_keeps_the_audio_and_warns(env: IngestEnv) -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        sound = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), "flt", "mono")
        frame.sample_rate, frame.pts = 16000, 0
        for packet in [*sound.encode(frame), *sound.encode()]:
            out.mux(packet)
    env.add(write(env.evidence / "voice_only.mkv", buf.getvalue()))
    video = top(env)
    assert video.media_type.startswith("video/")
    assert [i.media_type for i in children(env, video)] == ["audio/x-flac"]
    assert any("No video stream" in w.message for w in env.warnings_with("video_probe"))
    env.assert_consistent()


@pytest.mark.parametrize(("width", "height"), [(9000, 8000), (65520, 65520)])
def test_absurd_dimensions_give_warnings_and_no_stills(
    env: IngestEnv, width: int, height: int
) -> None:
    env.add(write(env.evidence / "huge.mkv", mjpeg_mkv_declaring(width, height)))
    video = top(env)
    assert children(env, video) == []
    messages = " ".join(w.message for w in env.warnings())
    assert "exceeds" in messages or "no frame size" in messages
    env.assert_consistent()


def test_truncated_mp4_without_index_is_kept_unexpanded_with_a_warning(env: IngestEnv) -> None:
    data = clip(seconds=2.0, size=(64, 64))
    env.add(write(env.evidence / "cut.mp4", data[: len(data) // 2]))
    assert children(env, top(env)) == []
    assert env.warnings_with("video_unreadable")
    env.assert_consistent()


def test_truncated_faststart_mp4_keeps_what_decodes(env: IngestEnv, tmp_path: Path) -> None:
    data = clip(seconds=4.0, size=(64, 64), faststart_via=tmp_path / "fast.mp4")
    env.add(
        write(env.evidence / "cut_fast.mp4", data[: len(data) // 2]),
        limits=IngestLimits(max_video_stills=4),
    )
    video = top(env)
    assert video.media_type == "video/mp4"
    assert env.warnings(), "truncation must be recorded"
    for item in children(env, video):
        assert span(item)[0] < 4.0
    env.assert_consistent()


def test_variable_frame_rate_is_recorded_and_stills_carry_true_times(env: IngestEnv) -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 8, np.uint8), "rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += 40 if i % 2 else 160
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    env.add(
        write(env.evidence / "vfr.mkv", buf.getvalue()), limits=IngestLimits(max_video_stills=3)
    )
    assert any("variable" in w.message for w in env.warnings_with("video_probe"))
    stills = children(env, top(env))
    assert stills
    # every still starts on a real frame time of the pattern (0, 160, 200, 360, 400, ...)
    for still in stills:
        ms = round(span(still)[0] * 1000)
        assert ms % 200 in (0, 160), ms


def test_hours_long_clip_costs_a_few_seeks(env: IngestEnv, tmp_path: Path) -> None:
    # three hours at one frame a minute: a real long timeline, made in a moment
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=Fraction(1, 60))
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(180):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i, np.uint8), "rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    path = write(env.evidence / "three_hours.mkv", buf.getvalue())
    started = time.monotonic()
    env.add(path, limits=IngestLimits(max_video_stills=4))
    assert time.monotonic() - started < 20
    stills = children(env, top(env))
    assert len(stills) == 4
    starts = sorted(span(s)[0] for s in stills)
    assert starts[0] == 0.0 and starts[-1] > 2 * 3600  # spread over the whole clip


def test_video_inside_an_archive_is_expanded_below_its_member(env: IngestEnv) -> None:
    from .helpers import zip_bytes

    env.add(write(env.evidence / "export.zip", zip_bytes({"media/clip.mp4": clip(seconds=1.0)})))
    (video,) = [i for i in env.items() if i.media_type == "video/mp4"]
    kinds = [[s.kind for s in i.locator.steps] for i in children(env, video)]
    assert kinds and all(k == ["path", "archive_member", "time_span"] for k in kinds)
    env.assert_consistent()


SEED = clip(seconds=1.0, size=(32, 32))


def _expand(data: bytes) -> list[Member | Problem]:
    out: list[Member | Problem] = []
    for entry in expand_video(lambda: io.BytesIO(data), IngestLimits(max_video_stills=2)):
        if isinstance(entry, Member):
            b"".join(entry.open_chunks())
        out.append(entry)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SEED) - 1), st.binary(min_size=1, max_size=64))
def test_corrupted_clip_gives_members_or_problems_never_an_exception(
    offset: int, junk: bytes
) -> None:
    data = bytearray(SEED)
    data[offset : offset + len(junk)] = junk
    for entry in _expand(bytes(data)):
        assert isinstance(entry, Member | Problem)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_give_problems_never_an_exception(data: bytes) -> None:
    entries = _expand(data)
    assert all(isinstance(e, Problem) for e in entries) or any(
        isinstance(e, Member) for e in entries
    )
