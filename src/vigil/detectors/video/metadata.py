"""Container and stream metadata tags that name a face-swap, deepfake,
screen-capture or virtual-camera tool.

Rules only. The tool list below is short, written by hand and documented in
the model card; a tag naming a tool is evidence of how a file was produced,
not proof that its content is fake (and tags are trivially removed or forged).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status, Verdict

__all__ = ["TOOL_SIGNATURES", "ToolSignature", "VideoMetadataDetector", "match_tools"]

_LABEL = "video.tool_signature"
_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class ToolSignature:
    tool: str
    kind: str
    """face_swap, virtual_camera, screen_capture or re_encode."""
    pattern: re.Pattern[str]
    score: float
    weak: bool = False


def _sig(tool: str, kind: str, pattern: str, score: float, weak: bool = False) -> ToolSignature:
    return ToolSignature(tool, kind, re.compile(pattern, re.IGNORECASE), score, weak)


TOOL_SIGNATURES: tuple[ToolSignature, ...] = (
    _sig("DeepFaceLab", "face_swap", r"deep[\s_-]?face[\s_-]?lab", 0.95),
    _sig("DeepFaceLive", "face_swap", r"deep[\s_-]?face[\s_-]?live", 0.95),
    _sig("Deep-Live-Cam", "face_swap", r"deep[\s_-]?live[\s_-]?cam", 0.95),
    _sig("FaceFusion", "face_swap", r"face[\s_-]?fusion", 0.95),
    _sig("Roop", "face_swap", r"\broop(?:[\s_-]?(?:unleashed|cam))?\b", 0.95),
    _sig("SimSwap", "face_swap", r"\bsim[\s_-]?swap\b", 0.95),
    _sig("FaceSwap", "face_swap", r"\bface[\s_-]?swap\b", 0.95),
    _sig("OBS Virtual Camera", "virtual_camera", r"\bobs[\s_-]?virtual[\s_-]?cam", 0.8),
    _sig("OBS Studio", "screen_capture", r"\bobs[\s_-]?(?:studio|output)\b", 0.8),
    _sig("ManyCam", "virtual_camera", r"\bmany[\s_-]?cam\b", 0.8),
    _sig("Snap Camera", "virtual_camera", r"\bsnap[\s_-]?camera\b", 0.8),
    _sig("XSplit", "screen_capture", r"\bxsplit\b", 0.8),
    _sig("FFmpeg (Lavf/Lavc)", "re_encode", r"\blav[fc]\d*(?:[\d.]*)\b", 0.2, weak=True),
)
"""Hand-written signatures, strongest first. The FFmpeg libraries (Lavf, Lavc)
stamp almost every converted or re-encoded file, so they are only a weak hint:
their score stays below the threshold."""

_TOOL_KEY_PARTS = (
    "encod",
    "software",
    "handler",
    "comment",
    "tool",
    "application",
    "app",
    "creator",
    "producer",
    "\u00a9swr",
    "\u00a9too",
)
"""Tags whose key contains one of these are read; titles and free text are not."""


@dataclass(frozen=True, slots=True)
class ToolMatch:
    tool: str
    kind: str
    where: str
    key: str
    value: str
    score: float
    weak: bool

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "tool": self.tool,
            "kind": self.kind,
            "where": self.where,
            "key": self.key,
            "value": self.value[:200],
            "weak": self.weak,
        }


def match_tools(tags: list[tuple[str, str, str]]) -> list[ToolMatch]:
    """Every signature found in tool-bearing tags, strongest first."""
    found: list[ToolMatch] = []
    for where, key, value in tags:
        lowered = key.lower()
        if not any(part in lowered for part in _TOOL_KEY_PARTS):
            continue
        for sig in TOOL_SIGNATURES:
            if sig.pattern.search(value):
                found.append(ToolMatch(sig.tool, sig.kind, where, key, value, sig.score, sig.weak))
    found.sort(key=lambda m: -m.score)
    return found


class VideoMetadataOptions(DetectorOptions):
    pass


class VideoMetadataDetector(Detector):
    name = "video_metadata"
    version = "1.0.0"
    media_types = ("video/*",)
    model_card = "vigil.detectors.video:video_metadata.md"
    requires = ("av",)
    install_hint = "pip install 'vigil-forensics[video]'"
    Options = VideoMetadataOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        from vigil.video.probe import probe_video

        try:
            with item.open() as stream:
                probe = probe_video(stream, max_packets=60, sample_frames=1)
        except OSError as exc:
            yield Finding.problem(
                _LABEL, Status.UNREADABLE, f"The item could not be read ({type(exc).__name__})."
            )
            return
        if probe.problem is not None or probe.info is None:
            status = (
                Status.UNSUPPORTED
                if probe.problem is not None and probe.problem.kind == "unsupported"
                else Status.UNREADABLE
            )
            message = probe.problem.message if probe.problem else "No container was read."
            yield Finding.problem(_LABEL, status, message)
            return
        info = probe.info
        tags = info.all_tags()
        matches = match_tools(tags)
        details: dict[str, JsonValue] = {
            "matches": [m.to_json() for m in matches],
            "tags": [{"where": w, "key": k, "value": v[:200]} for w, k, v in tags[:100]],
            "probe": info.to_json(),  # type: ignore[dict-item]
            "warnings": list(probe.warnings),
        }
        if not tags:
            yield Finding(
                label=_LABEL,
                score=0.0,
                threshold=_THRESHOLD,
                verdict=Verdict.INCONCLUSIVE,
                explanation=(
                    f"The {info.container} container carries no metadata tags, "
                    "so no tool can be named or ruled out."
                ),
                details=details,
            )
            return
        strong = [m for m in matches if not m.weak]
        if strong:
            top = strong[0]
            names = sorted({m.tool for m in strong})
            yield Finding.scored(
                _LABEL,
                top.score,
                _THRESHOLD,
                f"The {top.where} tag {top.key!r} names {', '.join(names)} "
                f"({top.kind.replace('_', ' ')} tool).",
                details=details,
            )
            return
        if matches:
            explanation = (
                f"No face-swap or capture tool is named; the {matches[0].where} tag "
                f"{matches[0].key!r} shows an FFmpeg re-encode (weak hint only: most "
                "converters use FFmpeg)."
            )
            score = matches[0].score
        else:
            explanation = f"{len(tags)} metadata tag(s) read; none names a known tool."
            score = 0.0
        yield Finding.scored(_LABEL, score, _THRESHOLD, explanation, details=details)

    @classmethod
    def examples(cls) -> list[Example]:
        from vigil.detectors.video._clips import make_clip

        return [
            Example(
                "clip tagged by OBS Studio",
                make_clip(stream_tags={"encoder": "OBS Studio 30.1"}),
                "capture.mp4",
                "video/mp4",
                _LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "clip tagged by FaceFusion",
                make_clip(container_tags={"comment": "made with FaceFusion 3.0"}),
                "swap.mp4",
                "video/mp4",
                _LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "untagged clip",
                make_clip(),
                "plain.mp4",
                "video/mp4",
                _LABEL,
                Verdict.NEGATIVE,
            ),
        ]
