"""What a detector sees of an item: read-only, streaming."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from vigil.domain.model import Locator

__all__ = [
    "BankHit",
    "BankLookup",
    "EvidenceView",
    "HashSetHit",
    "HashSetLookup",
    "VoiceProfile",
    "VoiceProfiles",
]


class EvidenceView(Protocol):
    @property
    def sha256(self) -> str: ...
    @property
    def md5(self) -> str: ...
    @property
    def sha1(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def locator(self) -> Locator: ...

    def open(self) -> BinaryIO:
        """A fresh read-only binary stream over the item's bytes."""
        ...


class HashSetHit(Protocol):
    @property
    def set_name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def source(self) -> str: ...


class HashSetLookup(Protocol):
    """Injected into detectors that match exact hashes; backed by the store."""

    def lookup_hashes(self, *, sha256: str, md5: str, sha1: str) -> Sequence[HashSetHit]: ...


class BankHit(Protocol):
    @property
    def bank(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def distance(self) -> int: ...
    @property
    def threshold(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def score_threshold(self) -> float: ...


class BankLookup(Protocol):
    """Injected into detectors that match perceptual or exact signals against banks."""

    def match(self, signal_type: str, value: str) -> Sequence[BankHit]: ...


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """An enrolled person's reference voice (mean of their enrolment embeddings)."""

    person: str
    vector: tuple[float, ...]
    claimed: bool = False
    """The item claims to be this person (e.g. the caller said so)."""


class VoiceProfiles(Protocol):
    """Injected into speaker detectors: the persons enrolled in the item's case(s)."""

    def voice_profiles(self, item_sha256: str) -> Sequence[VoiceProfile]: ...
