"""Pure domain values: cases, items, locators, findings, custody entries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from vigil.domain.errors import UsageError
from vigil.domain.labels import is_known_label

__all__ = [
    "Artefact",
    "ArtefactRef",
    "Case",
    "CustodyEntry",
    "Finding",
    "GENESIS_HASH",
    "FindingRecord",
    "HashSet",
    "HashSetCategory",
    "Indicator",
    "IndicatorRecord",
    "Item",
    "ItemWarning",
    "JsonValue",
    "Locator",
    "LocatorStep",
    "Provenance",
    "Status",
    "Verdict",
    "current_findings",
    "format_time_span",
    "parse_time_span",
]

JsonValue: TypeAlias = (
    str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
)


GENESIS_HASH = "0" * 64
"""The previous-hash of the first custody entry of every chain."""


class Verdict(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INCONCLUSIVE = "inconclusive"


class Status(StrEnum):
    OK = "ok"
    UNREADABLE = "unreadable"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class LocatorStep:
    """One hop from a container to what it holds.

    kind is one of: path, stream (a live source: URL, device, screen region),
    archive_member, mime_part, msg_attachment (Outlook .msg, numbered from 1),
    mbox_message, decompressed, chat_message, page, frame, time_span,
    byte_range, pixel_box (x,y,width,height), char_span.
    """

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


@dataclass(frozen=True, slots=True)
class Locator:
    """A chain from the seized original down to a part of it."""

    steps: tuple[LocatorStep, ...] = ()

    def child(self, kind: str, value: str) -> Locator:
        return Locator((*self.steps, LocatorStep(kind, value)))

    def time_span(self, start_s: float, end_s: float) -> Locator:
        """A span of media time inside this item (see `format_time_span`)."""
        return self.child("time_span", format_time_span(start_s, end_s))

    def extend(self, other: Locator) -> Locator:
        return Locator((*self.steps, *other.steps))

    def to_json(self) -> list[dict[str, str]]:
        return [{"kind": s.kind, "value": s.value} for s in self.steps]

    @classmethod
    def from_json(cls, data: list[dict[str, str]] | None) -> Locator:
        return cls(tuple(LocatorStep(d["kind"], d["value"]) for d in data or []))

    def __str__(self) -> str:
        return " > ".join(str(s) for s in self.steps) or "(top)"


def format_time_span(start_s: float, end_s: float) -> str:
    """The value of a `time_span` step: seconds from the start of the media,
    3 decimals, as "start-end" ("12.000-12.040")."""
    return f"{start_s:.3f}-{end_s:.3f}"


def parse_time_span(value: str) -> tuple[float, float] | None:
    """(start, end) seconds of a `time_span` value; None when it is not one."""
    start, sep, end = value.partition("-")
    try:
        span = (float(start), float(end))
    except ValueError:
        return None
    if not sep or not all(math.isfinite(v) for v in span) or span[1] < span[0]:
        return None
    return span


@dataclass(frozen=True, slots=True)
class Artefact:
    """Bytes a detector produced to show its reasoning (heatmap, spectrogram)."""

    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Indicator:
    """A typed, normalised pivot found in evidence (phone in E.164, wallet,
    IBAN, domain...), or an embedding (face, voice) as a vector. Stored as a
    first-class record so items and cases can be linked by it."""

    kind: str
    value: str
    raw: str = ""
    vector: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """What one detector concluded about one item (or a part of it).

    Build with `Finding.scored` or `Finding.problem`; both keep the verdict
    consistent with score, threshold and negative bound.
    """

    label: str
    score: float | None
    threshold: float | None
    verdict: Verdict
    explanation: str
    status: Status = Status.OK
    negative_below: float | None = None
    locator: Locator = Locator()
    artefacts: tuple[Artefact, ...] = ()
    details: Mapping[str, JsonValue] = field(default_factory=dict)
    indicators: tuple[Indicator, ...] = ()

    def __post_init__(self) -> None:
        if not is_known_label(self.label):
            raise UsageError(f"label {self.label!r} is not in the controlled vocabulary")
        if self.status is Status.OK:
            self._check_scored()
        elif self.score is not None or self.verdict is not Verdict.INCONCLUSIVE:
            raise UsageError("a finding that is not ok has no score and an inconclusive verdict")

    def _check_scored(self) -> None:
        if self.score is None or self.threshold is None:
            raise UsageError("an ok finding needs a score and a threshold")
        if not (0.0 <= self.score <= 1.0) or math.isnan(self.score):
            raise UsageError(f"score {self.score} is outside [0, 1]")
        expected = decide_verdict(self.score, self.threshold, self.negative_below)
        # a detector may downgrade to inconclusive (input too poor), never invent a verdict
        if self.verdict is not expected and self.verdict is not Verdict.INCONCLUSIVE:
            raise UsageError(f"verdict {self.verdict} contradicts score and threshold")

    @classmethod
    def scored(
        cls,
        label: str,
        score: float,
        threshold: float,
        explanation: str,
        *,
        negative_below: float | None = None,
        locator: Locator = Locator(),
        artefacts: tuple[Artefact, ...] = (),
        details: Mapping[str, JsonValue] | None = None,
        indicators: tuple[Indicator, ...] = (),
    ) -> Finding:
        return cls(
            label=label,
            score=score,
            threshold=threshold,
            verdict=decide_verdict(score, threshold, negative_below),
            explanation=explanation,
            negative_below=negative_below,
            locator=locator,
            artefacts=artefacts,
            details=details or {},
            indicators=indicators,
        )

    @classmethod
    def problem(
        cls,
        label: str,
        status: Status,
        explanation: str,
        *,
        locator: Locator = Locator(),
        details: Mapping[str, JsonValue] | None = None,
    ) -> Finding:
        if status is Status.OK:
            raise UsageError("a problem finding needs a status other than ok")
        return cls(
            label=label,
            score=None,
            threshold=None,
            verdict=Verdict.INCONCLUSIVE,
            explanation=explanation,
            status=status,
            locator=locator,
            details=details or {},
        )


def decide_verdict(score: float, threshold: float, negative_below: float | None) -> Verdict:
    """positive at or above threshold; negative below the negative bound
    (the threshold itself when none is declared); inconclusive between."""
    if score >= threshold:
        return Verdict.POSITIVE
    bound = threshold if negative_below is None else negative_below
    return Verdict.NEGATIVE if score < bound else Verdict.INCONCLUSIVE


@dataclass(frozen=True, slots=True)
class Provenance:
    """Stamped by the runner on every finding: what produced it, from what."""

    detector: str
    detector_version: str
    model_sha256: str | None
    options_digest: str
    vigil_version: str
    input_sha256: str
    run_id: str
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class ArtefactRef:
    """A stored artefact: its blob hash and how to show it."""

    sha256: str
    name: str
    media_type: str


@dataclass(frozen=True, slots=True)
class FindingRecord:
    id: str
    case_id: str
    item_id: str
    finding: Finding
    provenance: Provenance
    artefacts: tuple[ArtefactRef, ...] = ()


def current_findings(records: Iterable[FindingRecord]) -> list[FindingRecord]:
    """The findings of the latest run of each detector on each item, in order.

    Earlier runs (an older detector version, other options, reference data
    since changed) stay in the store as history; they are superseded here.
    """
    records = list(records)
    latest: dict[tuple[str, str], tuple[datetime, str]] = {}
    for record in records:
        key = (record.item_id, record.provenance.detector)
        stamp = (record.provenance.started_at, record.provenance.run_id)
        if key not in latest or stamp > latest[key]:
            latest[key] = stamp
    return [
        r
        for r in records
        if latest[(r.item_id, r.provenance.detector)]
        == (r.provenance.started_at, r.provenance.run_id)
    ]


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    """A stored indicator with where it came from."""

    case_id: str
    item_id: str
    finding_id: str
    indicator: Indicator
    locator: Locator
    detector: str


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    name: str
    created_at: datetime
    description: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of evidence: a seized original or something derived from it."""

    id: str
    case_id: str
    sha256: str
    md5: str
    sha1: str
    size: int
    media_type: str
    name: str
    source: str
    acquired_at: datetime
    parent_id: str | None = None
    locator: Locator = Locator()
    source_path: str = ""


@dataclass(frozen=True, slots=True)
class ItemWarning:
    """A problem met while ingesting or analysing; stored, never raised."""

    case_id: str
    code: str
    message: str
    at: datetime
    item_id: str | None = None
    locator: Locator = Locator()
    path: str = ""


class HashSetCategory(StrEnum):
    KNOWN_BAD = "known_bad"
    KNOWN_GOOD = "known_good"
    NOTABLE = "notable"


@dataclass(frozen=True, slots=True)
class HashSet:
    name: str
    category: HashSetCategory
    source: str
    enabled: bool
    created_at: datetime
    count: int = 0


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    case_id: str
    seq: int
    at: datetime
    actor: str
    action: str
    object_sha256: str
    details: Mapping[str, JsonValue]
    prev_hash: str
    entry_hash: str
