"""A runner for the image detector tests."""

from __future__ import annotations

from tests.memory_evidence import MemoryEvidence

from vigil.detectors.base import Detector, DetectorServices
from vigil.domain.model import Finding


def run_detector(
    cls: type[Detector], data: bytes, media_type: str = "image/png", **options: object
) -> list[Finding]:
    detector = cls(DetectorServices())
    view = MemoryEvidence(data, media_type, "x." + media_type.rpartition("/")[2])
    return list(detector.detect(view, cls.parse_options(options)))
