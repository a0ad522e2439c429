"""Known-content matching: perceptual hashes (PDQ for images, vPDQ for video)
of each item against the enabled hash banks, as HMA does. The item's hash is
kept as an indicator either way, so near-duplicates can be grouped and cases
linked without hashing again."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from vigil.detectors.base import Detector, DetectorOptions, DetectorServices, Example
from vigil.domain.evidence import BankHit, EvidenceView
from vigil.domain.model import Finding, Indicator, Status, Verdict

__all__ = ["KnownContentDetector"]

LABEL = "media.known_content"
_STATUS = {
    "unsupported": Status.UNSUPPORTED,
    "unreadable": Status.UNREADABLE,
    "too_large": Status.UNSUPPORTED,
}


class KnownContentDetector(Detector):
    name = "known_content"
    version = "1.0.0"
    media_types = ("image/*", "video/*")
    reference_data = ("banks",)
    model_card = "vigil.detectors.media:known_content.md"
    requires = ("pdqhash", "numpy", "PIL")
    install_hint = "pip install 'vigil-forensics[image]'"

    def __init__(self, services: DetectorServices) -> None:
        super().__init__(services)
        from vigil.signals import load_signals

        self._signals = load_signals()

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        signals = [
            s for s in self._signals.for_media_type(item.media_type) if s.name in ("pdq", "vpdq")
        ]
        if not signals:
            yield Finding.problem(
                LABEL, Status.UNSUPPORTED, f"No perceptual signal reads {item.media_type} here."
            )
            return
        for signal in signals:
            yield from self._match(item, signal)

    def _match(self, item: EvidenceView, signal: object) -> Iterator[Finding]:
        from vigil.signals import SignalType, UnhashableInput

        assert isinstance(signal, SignalType)
        threshold = signal.score_threshold()
        try:
            with item.open() as stream:
                value = signal.hash(stream)
        except UnhashableInput as exc:
            yield Finding.problem(
                LABEL,
                _STATUS.get(exc.kind, Status.UNREADABLE),
                f"{signal.name.upper()} could not hash this item: {exc}",
            )
            return
        if value is None:
            yield Finding(
                LABEL,
                0.0,
                threshold,
                Verdict.INCONCLUSIVE,
                f"The content is too flat or small for a reliable {signal.name.upper()} "
                "hash (quality below 50); it was not matched.",
                details={"signal": signal.name},
            )
            return
        indicator = (Indicator(signal.name, value),)
        hits = list(self.services.banks.match(signal.name, value)) if self.services.banks else []
        for hit in hits:
            yield _hit_finding(signal.name, hit, indicator)
        if not any(h.category == "known_bad" for h in hits):
            searched = "the enabled banks" if self.services.banks else "no banks (none loaded)"
            yield Finding.scored(
                LABEL,
                0.0,
                threshold,
                f"No known-bad {signal.name.upper()} match within {signal.match_threshold} of "
                f"{signal.max_distance} in {searched}.",
                details={"signal": signal.name},
                indicators=indicator,
            )

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example(
                "listed photo", _example_png(1), "listed.png", "image/png", LABEL, Verdict.POSITIVE
            ),
            Example(
                "unlisted photo", _example_png(2), "other.png", "image/png", LABEL, Verdict.NEGATIVE
            ),
        ]

    @classmethod
    def example_services(cls) -> DetectorServices:
        from vigil.banks import (
            Bank,
            BankCategory,
            BankMatcher,
            Confidence,
            InMemoryBankStore,
            NewEntry,
        )
        from vigil.signals import load_signals

        signals = load_signals()
        pdq = signals.get("pdq")
        store = InMemoryBankStore()
        store.create_bank(
            Bank(
                "example-known-bad",
                BankCategory.KNOWN_BAD,
                "vigil examples",
                Confidence.HIGH,
                datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        value = pdq.hash(io.BytesIO(_example_png(1)))
        assert value is not None
        store.add_entries("example-known-bad", [NewEntry("pdq", value)])
        return DetectorServices(banks=BankMatcher(store, signals.available))


def _hit_finding(signal: str, hit: BankHit, indicator: tuple[Indicator, ...]) -> Finding:
    return Finding.scored(
        LABEL,
        hit.score,
        hit.score_threshold,
        f"{signal.upper()} is {hit.distance} bits from an entry of the {hit.category} bank "
        f"{hit.bank!r} (match threshold {hit.threshold}; bank confidence {hit.confidence}).",
        details={
            "signal": signal,
            "bank": hit.bank,
            "category": hit.category,
            "distance": hit.distance,
            "threshold": hit.threshold,
            "confidence": hit.confidence,
        },
        indicators=indicator,
    )


def _example_png(seed: int) -> bytes:
    """A benign synthetic scene (random rectangles), rendered with Pillow."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (256, 256), (rng.randrange(256), 90, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(230), rng.randrange(230)
        draw.rectangle(
            (x, y, x + rng.randrange(8, 90), y + rng.randrange(8, 90)),
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
