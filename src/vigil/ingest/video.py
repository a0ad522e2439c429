"""Video items: the audio track and a few stills become derived items.

The audio track (16 kHz mono FLAC) is what the voice detectors run on; the
stills (PNG) are what the image detectors run on. Each derived item is
located by a `time_span` step: the media time it covers. Everything odd about
the container (no video stream, absurd frame size, variable frame rate,
truncation, an audio track longer than the cap) is recorded as a warning on
the video item. Without PyAV a video is kept but not expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from vigil.domain.model import format_time_span
from vigil.ingest.limits import IngestLimits
from vigil.ingest.members import Member, Problem
from vigil.video.probe import probe_video

if TYPE_CHECKING:
    from vigil.video.probe import VideoInfo

__all__ = ["expand_video"]

Opener = Callable[[], BinaryIO]


def expand_video(open_blob: Opener, limits: IngestLimits) -> Iterator[Member | Problem]:
    try:
        import av  # noqa: F401
    except ImportError:
        yield Problem(
            "video_not_expanded",
            "PyAV is not installed (pip install 'vigil-forensics[video]'): "
            "no audio track or stills were extracted",
        )
        return
    with open_blob() as raw:
        probe = probe_video(raw, max_packets=300, sample_frames=1)
    if probe.info is None:
        message = probe.problem.message if probe.problem else "no container was read"
        yield Problem("video_unreadable", f"video not expanded: {message}")
        return
    for warning in probe.warnings:
        yield Problem("video_probe", warning)
    if any(stream.kind == "audio" for stream in probe.info.streams):
        yield from _audio(open_blob, limits)
    if probe.info.video is not None and probe.info.frames_decoded > 0:
        yield from _stills(open_blob, limits, probe.info)


def _audio(open_blob: Opener, limits: IngestLimits) -> Iterator[Member | Problem]:
    from vigil.video.intake import extract_audio_track

    with open_blob() as raw:
        track = extract_audio_track(raw, limits.max_video_audio_seconds)
    try:
        if track.flac is not None:
            yield Member(
                "audio_16k_mono.flac",
                "time_span",
                format_time_span(0.0, track.seconds),
                track.chunks,
            )
        if track.truncated:
            yield Problem(
                "video_audio_truncated",
                f"the audio track is longer than {limits.max_video_audio_seconds:g} s; "
                "only its beginning was extracted for the voice detectors",
            )
        if track.problem is not None:
            yield Problem("video_audio_unreadable", f"audio track not extracted: {track.problem}")
        for warning in track.warnings:
            if "max_seconds" not in warning:  # said above, in intake terms
                yield Problem("video_audio", warning)
    finally:
        track.close()


def _stills(open_blob: Opener, limits: IngestLimits, info: VideoInfo) -> Iterator[Member | Problem]:
    from vigil.video.intake import StillSampler

    sampler = StillSampler(count=limits.max_video_stills)
    with open_blob() as raw:
        for still in sampler.stills(raw, info):
            if still.scaled:
                yield Problem(
                    "video_still_scaled",
                    f"frames are {still.source_size[0]}x{still.source_size[1]}; the still at "
                    f"{still.start_s:.3f} s was shrunk to {sampler.max_side} px on its long side",
                )
            yield Member(
                still.name,
                "time_span",
                format_time_span(still.start_s, still.end_s),
                _bytes_of(still.png),
            )
    for warning in sampler.warnings:
        yield Problem("video_stills", warning)


def _bytes_of(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter((data,))
