"""Demo video call, made by the project: a drawn face (no real person) whose
mouth moves with a synthetic espeak-ng voice.

`video_call_SYNTHETIC_drawn_face.mp4`: 384x288, 25 fps H.264 with AAC audio
when espeak-ng is installed (silent otherwise), about 5 s. Everything in it
is synthetic, the picture and the voice, so the deepfake and voice detectors
may rightly call it so. The face is drawn with numpy ellipses, shaded enough
for dlib's HOG detector to find it, so the face-track analysis has a track to
follow; it blinks twice and its mouth opens with the loudness of the speech.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import shutil
import subprocess
import wave
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DEMO_VIDEO_NAME", "render_face", "write_demo_video"]

log = logging.getLogger(__name__)

DEMO_VIDEO_NAME = "video_call_SYNTHETIC_drawn_face.mp4"
WIDTH, HEIGHT, FPS = 384, 288, 25
_SPEECH = (
    "Hello, this is your finance director on a video call. Please approve the urgent "
    "transfer today."
)
_SILENT_SECONDS = 4.0
_BLINKS = (1.2, 3.4)

_WALL = (95, 100, 110)
_HAIR = (60, 40, 30)
_SKIN = (225, 185, 160)
_SHIRT = (110, 70, 60)
_BROW = (70, 50, 40)
_LINE = (90, 70, 60)


def write_demo_video(folder: Path) -> Path | None:
    """Write the demo clip into `folder`; None when PyAV or numpy is missing."""
    try:
        import av  # noqa: F401
        import numpy as np  # noqa: F401
    except ImportError:
        log.info("PyAV or numpy not installed: no demo video")
        return None
    pcm, rate = _speech()
    path = folder / DEMO_VIDEO_NAME
    path.write_bytes(_encode(pcm, rate))
    return path


def _speech() -> tuple[NDArray[np.int16] | None, int]:
    """espeak-ng's voice as 16-bit mono PCM, or (None, 0) without it."""
    import numpy as np

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        log.info("espeak-ng not installed: the demo video is silent")
        return None, 0
    try:
        done = subprocess.run(
            [espeak, "-v", "en-gb+m3", "-s", "160", "--stdout", _SPEECH],
            capture_output=True,
            check=True,
            timeout=60,
        )
        with wave.open(io.BytesIO(done.stdout)) as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy()
    except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
        log.warning("espeak-ng failed for the demo video: %s", exc)
        return None, 0
    return pcm, rate


def _mouth_openings(pcm: NDArray[np.int16] | None, rate: int, frames: int) -> NDArray[np.float64]:
    """Per video frame, 0 (closed) to 1 (open) from the speech loudness."""
    import numpy as np

    if pcm is None or not rate:
        return np.zeros(frames)
    step = rate / FPS
    levels = np.array(
        [
            np.sqrt(np.mean(pcm[int(i * step) : int((i + 1) * step)].astype(np.float64) ** 2))
            if int(i * step) < pcm.size
            else 0.0
            for i in range(frames)
        ]
    )
    peak = float(np.percentile(levels, 95)) or 1.0
    return np.clip(levels / peak, 0.0, 1.0)


def _encode(pcm: NDArray[np.int16] | None, rate: int) -> bytes:
    import av

    seconds = pcm.size / rate + 0.3 if pcm is not None else _SILENT_SECONDS
    frames = round(seconds * FPS)
    openings = _mouth_openings(pcm, rate, frames)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        out.metadata["title"] = "Vigil demo: drawn face, synthetic voice (no real person)"
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "23", "g": "50"}
        sound = out.add_stream("aac", rate=rate) if pcm is not None else None
        for i in range(frames):
            t = i / FPS
            blink = any(0 <= t - b < 0.12 for b in _BLINKS)
            rgb = render_face(float(openings[i]), blink, sway=round(4 * math.sin(t)))
            for packet in video.encode(av.VideoFrame.from_ndarray(rgb, "rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None and pcm is not None:
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
            for converted in [*resampler.resample(frame), *resampler.resample(None)]:
                for packet in sound.encode(converted):
                    out.mux(packet)
            for packet in sound.encode(None):
                out.mux(packet)
    return buf.getvalue()


def render_face(mouth: float = 0.0, blink: bool = False, sway: int = 0) -> NDArray[np.uint8]:
    """One RGB frame of the drawn face: mouth 0 (closed) to 1 (open)."""
    img = _still_parts(sway).copy()
    cx, cy = WIDTH // 2 + sway, HEIGHT // 2
    for side in (-1, 1):
        _eye(img, cx + side * 24, cy - 9, blink)
    opening = 2 + 11 * mouth
    _paint(img, cx, cy + 41, 19, opening, (120, 50, 60))
    _paint(img, cx, cy + 41, 19, opening, (160, 90, 90), ring=1.5)
    return img


@functools.cache
def _still_parts(sway: int) -> NDArray[np.uint8]:
    """Everything that does not move within a frame: wall, body, hair, face."""
    import numpy as np

    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    img[:] = (np.array(_WALL)[None, None, :] * np.linspace(0.8, 1.15, WIDTH)[None, :, None]).clip(
        0, 255
    )
    cx, cy = WIDTH // 2 + sway, HEIGHT // 2
    _paint(img, cx, cy + 140, 105, 55, _SHIRT, rows=(cy + 95, HEIGHT))
    img[cy + 55 : cy + 101, cx - 21 : cx + 22] = _SKIN
    _paint(img, cx, cy - 12, 72, 86, _HAIR)
    # shading towards the sides gives the HOG detector the gradients of a real face
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    face = ((xx - cx) / 61) ** 2 + ((yy - cy - 3) / 79) ** 2 <= 1.0
    shade = 1 - 0.35 * np.clip(np.abs(xx - cx) / 61, 0, 1) ** 2
    img[face] = (np.array(_SKIN)[None, :] * shade[face][:, None]).astype(np.uint8)
    _paint(img, cx, cy - 52, 64, 34, _HAIR, rows=(0, cy - 52))
    for side in (-1, 1):
        _paint(img, cx + side * 24, cy - 24, 17, 6, _BROW, ring=2.5, rows=(0, cy - 24))
    nose = (np.abs(xx - (cx - (yy - cy) * 0.15)) <= 1) & (yy > cy - 6) & (yy < cy + 18)
    img[nose] = (180, 140, 120)
    _paint(img, cx, cy + 19, 9, 4, (170, 130, 110), ring=2, rows=(cy + 20, HEIGHT))
    return img


def _eye(img: NDArray[np.uint8], x: int, y: int, blink: bool) -> None:
    if blink:
        img[y - 1 : y + 2, x - 12 : x + 13] = _LINE
        return
    _paint(img, x, y, 12, 6, (240, 240, 240))
    _paint(img, x, y, 5, 5, (40, 60, 90))
    _paint(img, x, y, 2.5, 2.5, (10, 10, 10))
    _paint(img, x, y, 12, 6, _LINE, ring=1.5)


def _paint(
    img: NDArray[np.uint8],
    x: float,
    y: float,
    ax: float,
    ay: float,
    colour: tuple[int, int, int],
    *,
    ring: float | None = None,
    rows: tuple[int, int] = (0, HEIGHT),
) -> None:
    """Fill an ellipse (or its outer band `ring` px wide), computed on its bounding box only."""
    import numpy as np

    top, bottom = max(rows[0], int(y - ay) - 1), min(rows[1], int(y + ay) + 2, HEIGHT)
    left, right = max(0, int(x - ax) - 1), min(WIDTH, int(x + ax) + 2)
    if top >= bottom or left >= right:
        return
    yy, xx = np.mgrid[top:bottom, left:right]
    inside = ((xx - x) / ax) ** 2 + ((yy - y) / ay) ** 2 <= 1.0
    if ring is not None:
        inner = ((xx - x) / max(ax - ring, 0.5)) ** 2 + ((yy - y) / max(ay - ring, 0.5)) ** 2
        inside &= inner > 1.0
    img[top:bottom, left:right][inside] = colour
