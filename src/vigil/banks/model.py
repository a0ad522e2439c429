"""Bank domain values: named hash lists, their entries and negative lists.

A bank holds hashes, never content. Its category says what a match means:
known_bad raises findings, known_good filters items out, notable flags them.
Entries carry a store-assigned integer id (the bank-content id that indexes
return), the signal type and the canonical hash, plus optional string
metadata (source ids, tags). A negative list per bank records hashes that
must not match in that bank (false positives an analyst dismissed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vigil.domain.errors import UsageError
from vigil.domain.model import HashSetCategory

__all__ = [
    "Bank",
    "BankCategory",
    "BankEntry",
    "Checkpoint",
    "Confidence",
    "NegativeEntry",
    "NewEntry",
    "check_bank_name",
]

BankCategory = HashSetCategory
"""known_bad, known_good or notable: the same vocabulary as exact hash sets."""

_BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Confidence(StrEnum):
    """How far the bank's source vouches for its entries."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CONFIRMED = "confirmed"


def check_bank_name(name: str) -> str:
    if not isinstance(name, str) or not _BANK_NAME.match(name):
        raise UsageError(
            f"bank name {name!r} must be 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True, slots=True)
class Bank:
    """A named hash list and how to use it.

    `thresholds` overrides a signal's default match distance for this bank
    (e.g. {"pdq": 20} for a bank that floods with near misses).
    """

    name: str
    category: BankCategory
    source: str
    confidence: Confidence
    added_at: datetime
    enabled: bool = True
    description: str = ""
    thresholds: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_bank_name(self.name)
        for signal_type, threshold in self.thresholds.items():
            if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
                raise UsageError(
                    f"bank {self.name}: threshold for {signal_type} must be an int >= 0"
                )


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A hash to add to a bank; `value` should already be canonical
    (`SignalType.validate`), as the importers make it."""

    signal_type: str
    value: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BankEntry:
    """A stored hash: `id` is unique across all banks and only grows."""

    id: int
    bank: str
    signal_type: str
    value: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NegativeEntry:
    """A hash that must not match in `bank`: when a query hash, or the bank
    entry it matched, carries this value, the match is dropped."""

    bank: str
    signal_type: str
    value: str
    reason: str = ""
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What an index build saw: the entry count and the highest entry id.

    If both are unchanged nothing needs rebuilding; if only new ids were
    appended (count grew by exactly the entries after last_id) the index can
    be extended instead of rebuilt.
    """

    count: int
    last_id: int
