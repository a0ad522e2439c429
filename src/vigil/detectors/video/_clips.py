"""Tiny synthetic clips made in memory with PyAV, for examples and tests."""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["make_clip", "make_moving_clip"]


def make_clip(
    *,
    container_tags: Mapping[str, str] | None = None,
    stream_tags: Mapping[str, str] | None = None,
    frames: int = 4,
    size: int = 32,
    fmt: str = "mp4",
    codec: str = "mpeg4",
    bitexact: bool = True,
    with_video: bool = True,
    with_audio: bool = False,
) -> bytes:
    """A few flat-grey frames (no person, nothing real), with the given tags.

    bitexact keeps the muxer from writing its own `encoder` tag (Lavf...).
    """
    import av
    import numpy as np

    buf = io.BytesIO()
    options = {"fflags": "+bitexact"} if bitexact else {}
    with av.open(buf, "w", format=fmt, options=options) as out:
        for key, value in (container_tags or {}).items():
            out.metadata[key] = value
        video: av.VideoStream | None = None
        if with_video:
            added = out.add_stream(codec, rate=10)
            if not isinstance(added, av.VideoStream):
                raise ValueError(f"{codec} is not a video codec")
            video = added
            video.width = size
            video.height = size
            video.pix_fmt = "yuv420p"
            for key, value in (stream_tags or {}).items():
                video.metadata[key] = value
        audio = out.add_stream("aac", rate=16000) if with_audio else None
        if video is not None:
            for i in range(frames):
                pixels = np.full((size, size, 3), (i * 37) % 256, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in video.encode(frame):
                    out.mux(packet)
            for packet in video.encode():
                out.mux(packet)
        if audio is not None:
            samples = np.zeros((1, 1024 * 4), dtype=np.float32)
            aframe = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            aframe.sample_rate = 16000
            for packet in audio.encode(aframe):
                out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return buf.getvalue()


def make_moving_clip(
    *,
    seconds: float = 2.0,
    fps: int = 10,
    width: int = 64,
    height: int = 48,
    frame_times: Sequence[float] | None = None,
    codec: str = "mpeg4",
    faststart: bool = False,
) -> bytes:
    """Drawn shapes (no person) moving over a gradient, in an mp4.

    `frame_times` (seconds, increasing) gives each frame its own timestamp,
    for a variable frame rate; otherwise frames are 1/fps apart. `faststart`
    puts the index first, so a truncated copy still opens."""
    import av

    times = (
        list(frame_times)
        if frame_times is not None
        else [i / fps for i in range(int(seconds * fps))]
    )
    options = {"fflags": "+bitexact", **({"movflags": "+faststart"} if faststart else {})}
    with tempfile.TemporaryDirectory() as folder:  # faststart rewrites the file: needs a path
        path = Path(folder) / "clip.mp4"
        with av.open(str(path), "w", format="mp4", options=options) as out:
            video = out.add_stream(codec, rate=fps)
            assert isinstance(video, av.VideoStream)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.time_base = video.codec_context.time_base = Fraction(1, 1000)
            for t in times:
                frame = av.VideoFrame.from_ndarray(_shapes_at(t, width, height), format="rgb24")
                frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
                for packet in video.encode(frame):
                    out.mux(packet)
            for packet in video.encode():
                out.mux(packet)
        return path.read_bytes()


def _shapes_at(t: float, width: int, height: int) -> NDArray[np.uint8]:
    """A red square gliding over a grey ramp."""
    import numpy as np

    ramp = np.linspace(40, 200, width, dtype=np.float64)[None, :, None]
    pixels = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)
    side = max(4, height // 4)
    x = int((width - side) * (0.5 + 0.4 * math.sin(t)))
    y = int((height - side) * (0.5 + 0.4 * math.cos(t * 0.7)))
    pixels[y : y + side, x : x + side] = (230, 60, 60)
    return pixels
