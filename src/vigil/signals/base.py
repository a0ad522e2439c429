"""The signal-type contract and the index contract.

A `SignalType` turns content into a compact hash string and compares two
hashes by an integer distance (0 = same). Each declares a default match
threshold (a distance: PDQ 31 of 256 bits) and a `max_distance`, so that
score = 1 - distance/max and the score threshold = 1 - t/max.

An `Index` holds many hashes of one signal type under integer ids (bank
content ids; metadata stays in the store) and answers range queries: every
stored hash within a distance threshold of the query, with its distance. Each
signal type has a linear-scan reference index; fast indexes must return
exactly its results. Indexes are saved as arrays plus a JSON header with a
format version and checksums, never pickled.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Self

from vigil.domain.errors import IntegrityError

__all__ = [
    "Index",
    "IndexFileError",
    "Match",
    "SignalExample",
    "SignalType",
    "UnhashableInput",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class UnhashableInput(ValueError):
    """The input cannot be hashed at all (not this media type, corrupt, too large).

    `kind` is "unsupported" (not a format the signal reads), "unreadable"
    (corrupt or undecodable) or "too_large" (over a size or pixel cap); a
    detector maps it to a finding status. Input that decodes but is too poor
    to hash is not an error: `hash` returns None.
    """

    def __init__(self, reason: str, kind: str = "unreadable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class IndexFileError(IntegrityError, ValueError):
    """A saved index is missing, malformed, of another kind or tampered with."""


@dataclass(frozen=True, slots=True)
class SignalExample:
    """A small self-made input and the hash it must give.

    `expected` None means the signal must decline it (too poor to hash).
    Perceptual hashes may differ by a few bits across library versions, so a
    computed hash passes when `distance(computed, expected) <= tolerance`.
    """

    name: str
    data: bytes
    media_type: str
    expected: str | None
    tolerance: int = 0


@dataclass(frozen=True, slots=True)
class Match:
    """One stored hash within the threshold: its id and raw distance."""

    id: int
    distance: int


class SignalType(ABC):
    """A kind of hash: how to compute it, check it and compare two of them."""

    name: ClassVar[str]
    """Unique snake_case name, also the entry-point name (`pdq`, `md5`)."""
    version: ClassVar[str]
    """Semver; major bump when hashes of the same input change."""
    media_types: ClassVar[tuple[str, ...]]
    """fnmatch patterns of MIME types this signal hashes (`image/*`, `*`)."""
    match_threshold: ClassVar[int]
    """Default distance at or below which two hashes match."""
    max_distance: ClassVar[int]
    """Largest possible distance; scores are 1 - distance/max_distance."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Importable modules an extra provides; missing ones make it unavailable."""
    install_hint: ClassVar[str] = ""

    @abstractmethod
    def hash(self, stream: BinaryIO) -> str | None:
        """Hash the content of `stream`; None when it is too poor to hash.

        Raises UnhashableInput when it cannot be read as this media type.
        """

    @abstractmethod
    def validate(self, value: str) -> str:
        """Return the canonical form of a hash string; ValueError if malformed."""

    @abstractmethod
    def distance(self, a: str, b: str) -> int:
        """Distance between two valid hashes, 0..max_distance."""

    @abstractmethod
    def examples(self) -> list[SignalExample]:
        """Self-made inputs with their expected hashes."""

    @abstractmethod
    def reference_index(self) -> Index:
        """A new, empty linear-scan index: the ground truth for this signal."""

    def new_index(self) -> Index:
        """A new, empty index suited to large banks; the reference by default."""
        return self.reference_index()

    @classmethod
    def accepts(cls, media_type: str) -> bool:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(media_type, pattern) for pattern in cls.media_types)

    def matches(self, a: str, b: str, threshold: int | None = None) -> bool:
        limit = self.match_threshold if threshold is None else threshold
        return self.distance(a, b) <= limit

    def score(self, distance: int) -> float:
        """1 - distance/max_distance, clipped to [0, 1]."""
        return min(1.0, max(0.0, 1.0 - distance / self.max_distance))

    def score_threshold(self, threshold: int | None = None) -> float:
        """The score operating point for a distance threshold (default: the signal's)."""
        return self.score(self.match_threshold if threshold is None else threshold)

    def check_threshold(self, threshold: int) -> int:
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise ValueError(f"threshold must be an int, got {threshold!r}")
        if not 0 <= threshold <= self.max_distance:
            raise ValueError(f"{self.name} threshold {threshold} is outside 0..{self.max_distance}")
        return threshold

    @classmethod
    def check_declaration(cls) -> None:
        """Raise ValueError when the class attributes break the contract."""
        for attr in ("name", "version", "media_types", "match_threshold", "max_distance"):
            if not hasattr(cls, attr):
                raise ValueError(f"{cls.__name__} lacks the attribute {attr}")
        if not _NAME.match(cls.name):
            raise ValueError(f"signal name {cls.name!r} is not snake_case")
        if not re.match(r"^\d+\.\d+\.\d+$", cls.version):
            raise ValueError(f"{cls.name}: version {cls.version!r} is not semver")
        if not cls.media_types:
            raise ValueError(f"{cls.name}: declares no media types")
        if not 0 <= cls.match_threshold <= cls.max_distance or cls.max_distance <= 0:
            raise ValueError(f"{cls.name}: match_threshold must lie in 0..max_distance")


class Index(ABC):
    """Hashes of one signal type under integer ids, queried by distance."""

    kind: ClassVar[str]
    """Short name written into saved headers (`linear`, `mih`, `exact`...)."""

    signal_type: str

    @abstractmethod
    def build(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        """Replace the contents with these hashes; ids[i] belongs to hashes[i]."""

    @abstractmethod
    def add(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        """Add hashes to the current contents."""

    def build_from(self, batches: Iterable[tuple[Sequence[str], Sequence[int]]]) -> None:
        """`build` from (hashes, ids) batches, e.g. streamed from a store."""
        hashes: list[str] = []
        ids: list[int] = []
        for batch_hashes, batch_ids in batches:
            hashes.extend(batch_hashes)
            ids.extend(batch_ids)
        self.build(hashes, ids)

    @abstractmethod
    def query(self, signal: str, threshold: int) -> list[Match]:
        """Every stored hash at distance <= threshold, sorted by (distance, id)."""

    def query_many(self, signals: Sequence[str], threshold: int) -> list[list[Match]]:
        return [self.query(s, threshold) for s in signals]

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index into the directory `path` (created if needed)."""

    @classmethod
    @abstractmethod
    def load(cls, path: Path) -> Self:
        """Read an index written by `save`; IndexFileError if it fails checks."""
