"""An in-memory EvidenceView and a runner for the image detector tests."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from vigil.detectors.base import Detector, DetectorServices
from vigil.domain.model import Finding, Locator


class MemoryEvidence:
    def __init__(self, data: bytes, media_type: str = "image/png", name: str = "x.png") -> None:
        self.data = data
        self.media_type = media_type
        self.name = name
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.md5 = hashlib.md5(data).hexdigest()
        self.sha1 = hashlib.sha1(data).hexdigest()
        self.size = len(data)
        self.locator = Locator()

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


def run_detector(
    cls: type[Detector], data: bytes, media_type: str = "image/png", **options: object
) -> list[Finding]:
    detector = cls(DetectorServices())
    return list(detector.detect(MemoryEvidence(data, media_type), cls.parse_options(options)))
