"""Demo voice notes, synthesised offline with espeak-ng (Debian package).

Nothing is recorded from a real person. Two notes are written, both
synthetic and named so:

- `voice_note_grandchild_call_SYNTHETIC.ogg`: a "grandchild in trouble" scam
  call, the kind of cloned-voice fraud the voice detectors are for;
- `voice_note_genuine_STAND_IN_also_synthetic.ogg`: the stand-in for a genuine
  note. The project records no one, so it is a second espeak-ng voice, and
  the detector may well (rightly) call it synthetic too.

Both are Ogg/Opus like messenger voice notes when PyAV is installed, WAV
otherwise. Without espeak-ng nothing is written.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import wave
from pathlib import Path

__all__ = ["VOICE_NOTES", "write_demo_voice_notes"]

log = logging.getLogger(__name__)

VOICE_NOTES = {
    "voice_note_grandchild_call_SYNTHETIC": (
        "en-gb+m3",
        "Hi Grandma, it's me. I lost my phone and I am in a bit of trouble. "
        "Please send the money today to the new account I texted you, and don't tell Mum.",
    ),
    "voice_note_genuine_STAND_IN_also_synthetic": (
        "en-us+f2",
        "This is a stand-in for a genuine voice note. Vigil records no real person, "
        "so this sample is synthetic speech as well.",
    ),
}

README = """Demo voice notes (made by vigil demo with espeak-ng; no real person was recorded)

voice_note_grandchild_call_SYNTHETIC: a synthetic "grandchild in trouble" scam call.
voice_note_genuine_STAND_IN_also_synthetic: stands in for a genuine note. It is
  synthetic too (a second espeak-ng voice), because the project records no one;
  voice_spoof may flag it, correctly.
"""


def write_demo_voice_notes(folder: Path) -> list[Path]:
    """Write the demo notes into `folder`; [] when espeak-ng is not installed."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        log.info("espeak-ng not installed: no demo voice notes")
        return []
    written: list[Path] = []
    for stem, (voice, text) in VOICE_NOTES.items():
        try:
            done = subprocess.run(
                [espeak, "-v", voice, "-s", "150", "--stdout", text],
                capture_output=True,
                check=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("espeak-ng failed for %s: %s", stem, exc)
            continue
        written.append(_save(folder, stem, done.stdout))
    if written:
        (folder / "voice_notes_README.txt").write_text(README, encoding="utf-8")
    return written


def _save(folder: Path, stem: str, wav_bytes: bytes) -> Path:
    try:
        data = _to_ogg_opus(wav_bytes)
    except Exception as exc:  # PyAV missing or without libopus: keep the WAV
        log.info("keeping %s as WAV (%s)", stem, exc)
        path = folder / f"{stem}.wav"
        path.write_bytes(wav_bytes)
        return path
    path = folder / f"{stem}.ogg"
    path.write_bytes(data)
    return path


def _to_ogg_opus(wav_bytes: bytes) -> bytes:
    import av
    import numpy as np

    with wave.open(io.BytesIO(wav_bytes)) as src:
        rate = src.getframerate()
        pcm = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1).copy(), format="s16", layout="mono")
    frame.sample_rate = rate
    out_buf = io.BytesIO()
    with av.open(out_buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48_000)
        stream.bit_rate = 24_000
        stream.layout = "mono"
        fmt = stream.codec_context.format
        resampler = av.AudioResampler(
            format=fmt.name if fmt is not None else "flt", layout="mono", rate=48_000
        )
        for converted in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_buf.getvalue()
