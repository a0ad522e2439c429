"""Clips and a pipeline runner shared by the live-mode tests."""

from __future__ import annotations

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
