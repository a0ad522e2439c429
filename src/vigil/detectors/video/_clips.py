"""Tiny synthetic clips made in memory with PyAV, for examples and tests."""

from __future__ import annotations

import io
from collections.abc import Mapping

__all__ = ["make_clip"]


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
