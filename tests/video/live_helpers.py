"""Clips (plain and hostile) and a pipeline runner shared by the video tests."""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path

import av
import numpy as np

from vigil.video.live import Event, LivePipeline


def clip_file(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 25,
    codec: str = "libx264",
    fmt: str | None = None,
    gop: int = 10,
    pix_fmt: str = "yuv420p",
) -> Path:
    """A moving square over grey (drawn, no person), keyframe every `gop` frames."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = 96, 64, pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "g": str(gop), "keyint_min": str(gop)}
        for i in range(round(seconds * fps)):
            pixels = np.full((64, 96, 3), 100, np.uint8)
            pixels[20:40, (i * 2) % 70 : (i * 2) % 70 + 20] = (230, 40, 40)
            frame = av.VideoFrame.from_ndarray(pixels, "rgb24").reformat(format=pix_fmt)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def run(pipeline: LivePipeline, limit_s: float = 30.0) -> list[Event]:
    events: list[Event] = []
    pipeline.start()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        event = pipeline.next_event(0.1)
        if event is not None and event.kind == "done":
            break
        if event is not None:
            events.append(event)
    events.extend(e for e in pipeline.join() if e.kind != "done")
    return events


def mjpeg_mkv_declaring(width: int, height: int) -> bytes:
    """A Matroska MJPEG clip whose container and JPEG headers both claim width x height."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width = stream.height = 256
        stream.pix_fmt = "yuvj420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((256, 256, 3), i * 40, np.uint8), "rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = bytearray(buf.getvalue())
    for element in (b"\xb0", b"\xba"):  # PixelWidth, PixelHeight (2-byte values)
        at = data.find(element + b"\x82\x01\x00")
        value = width if element == b"\xb0" else height
        data[at + 2 : at + 4] = struct.pack(">H", value)
    at = data.find(b"\xff\xc0")  # every JPEG start-of-frame: height, width
    while at >= 0:
        data[at + 5 : at + 9] = struct.pack(">HH", height, width)
        at = data.find(b"\xff\xc0", at + 2)
    return bytes(data)
