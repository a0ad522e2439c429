"""Misbehaving detectors for runner tests (importable by spawned workers)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from vigil.detectors.base import Detector, DetectorOptions, Example, Registry, load_registry
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, Verdict

LABEL = "file.extension_mismatch"


class _Base(Detector):
    version = "1.0.0"
    media_types = ("*/*",)
    model_card = "vigil.detectors.file:type_mismatch.md"

    @classmethod
    def examples(cls) -> list[Example]:
        return [Example("x", b"x", "x.txt", "text/plain", LABEL, Verdict.NEGATIVE)]


class ExplodingDetector(_Base):
    name = "exploding"

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        if "boom" in item.name:
            raise RuntimeError("kaboom")
        yield Finding.scored(LABEL, 0.0, 0.5, "fine")


class KillerDetector(_Base):
    name = "killer"

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        if "die" in item.name:
            os._exit(1)  # the worker process dies as on a segfault
        yield Finding.scored(LABEL, 0.0, 0.5, "fine")


class SlowDetector(_Base):
    name = "slow"

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        time.sleep(0.05)
        yield Finding.scored(LABEL, 1.0, 0.5, "slowly positive")


class ArtefactDetector(_Base):
    name = "artefact_maker"

    class Options(DetectorOptions):
        gain: float = 1.0

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        with item.open() as stream:
            head = stream.read(16)
        yield Finding.scored(
            LABEL,
            1.0,
            0.5,
            "made a heatmap",
            artefacts=(Artefact("heatmap", "image/png", b"PNGDATA" + head),),
        )


FAKES: list[type[Detector]] = [ExplodingDetector, KillerDetector, SlowDetector, ArtefactDetector]


def registry_with_fakes() -> Registry:
    registry = load_registry()
    registry.available.update({cls.name: cls for cls in FAKES})
    return registry
