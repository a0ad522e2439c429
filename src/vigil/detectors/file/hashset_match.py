"""Exact hash-set matching (MD5, SHA-1, SHA-256) against named sets such as a
known-bad list or NSRL-style known-good lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vigil.detectors.base import Detector, DetectorOptions, DetectorServices, Example
from vigil.domain.evidence import EvidenceView, HashSetHit
from vigil.domain.model import Finding, Status, Verdict

__all__ = ["HashSetMatchDetector"]

_LABELS = {
    "known_bad": "hashset.known_bad",
    "known_good": "hashset.known_good",
    "notable": "hashset.notable",
}
_EXAMPLE_BAD = b"vigil example: this byte string is on the example known-bad set\n"
_EXAMPLE_CLEAN = b"vigil example: this byte string is on no set\n"


class HashSetMatchDetector(Detector):
    name = "hashset_match"
    version = "1.0.0"
    media_types = ("*/*",)
    reference_data = ("hash_sets",)
    model_card = "vigil.detectors.file:hashset_match.md"

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        lookup = self.services.hash_sets
        if lookup is None:
            yield Finding.problem(
                "hashset.known_bad", Status.UNSUPPORTED, "No hash-set store was provided."
            )
            return
        hits = lookup.lookup_hashes(sha256=item.sha256, md5=item.md5, sha1=item.sha1)
        for hit in hits:
            yield Finding.scored(
                _LABELS.get(hit.category, "hashset.notable"),
                1.0,
                0.5,
                f"The {hit.algorithm.upper()} of this item is on the {hit.category} "
                f"hash set {hit.set_name!r} (source: {hit.source}).",
                details={"set": hit.set_name, "algorithm": hit.algorithm, "source": hit.source},
            )
        if not any(hit.category == "known_bad" for hit in hits):
            yield Finding.scored(
                "hashset.known_bad",
                0.0,
                0.5,
                "The item's MD5, SHA-1 and SHA-256 are on no enabled known-bad hash set.",
            )

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example(
                "on the known-bad set",
                _EXAMPLE_BAD,
                "bad.txt",
                "text/plain",
                "hashset.known_bad",
                Verdict.POSITIVE,
            ),
            Example(
                "on no set",
                _EXAMPLE_CLEAN,
                "clean.txt",
                "text/plain",
                "hashset.known_bad",
                Verdict.NEGATIVE,
            ),
        ]

    @classmethod
    def example_services(cls) -> DetectorServices:
        import hashlib

        return DetectorServices(hash_sets=_FixedLookup(hashlib.sha256(_EXAMPLE_BAD).hexdigest()))


@dataclass(frozen=True, slots=True)
class _Hit:
    set_name: str
    category: str
    algorithm: str
    source: str


@dataclass(frozen=True, slots=True)
class _FixedLookup:
    """A one-hash known-bad set for the examples."""

    sha256: str

    def lookup_hashes(self, *, sha256: str, md5: str, sha1: str) -> list[HashSetHit]:
        if sha256 == self.sha256:
            return [_Hit("example-known-bad", "known_bad", "sha256", "vigil examples")]
        return []
