"""Video intake: bounded probing of containers and streams with PyAV."""

from vigil.video.probe import (
    ProbeProblem,
    ProblemKind,
    StreamInfo,
    VideoInfo,
    VideoProbe,
    probe_video,
)

__all__ = [
    "ProbeProblem",
    "ProblemKind",
    "StreamInfo",
    "VideoInfo",
    "VideoProbe",
    "probe_video",
]
