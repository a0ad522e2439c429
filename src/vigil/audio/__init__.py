"""Audio intake: decoding any container to 16 kHz mono, voice-activity
detection and speech segments with time locators.

Heavy modules (numpy, PyAV, onnxruntime) are imported inside functions, so
importing this package stays light.
"""

from vigil.audio.decode import (
    TARGET_RATE,
    AudioInfo,
    AudioProblem,
    AudioReader,
    ProblemKind,
    quantise_16bit,
)
from vigil.audio.segments import Segmenter, SegmentParams, SpeechSegment, segment_all
from vigil.audio.vad import EnergyVad, SileroVad, Vad, load_vad, silero_model_path

__all__ = [
    "TARGET_RATE",
    "AudioInfo",
    "AudioProblem",
    "AudioReader",
    "EnergyVad",
    "ProblemKind",
    "SegmentParams",
    "Segmenter",
    "SileroVad",
    "SpeechSegment",
    "Vad",
    "load_vad",
    "quantise_16bit",
    "segment_all",
    "silero_model_path",
]
