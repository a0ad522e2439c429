"""Each custody entry's hash covers its fields and the previous entry's hash,
so altering, removing or reordering any entry breaks every later link."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from vigil.domain.model import GENESIS_HASH, CustodyEntry, JsonValue

__all__ = ["ChainProblem", "entry_hash", "make_entry", "verify_chain"]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"custody entry #{self.seq}: {self.problem}"


def entry_hash(
    *,
    case_id: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_sha256: str,
    details: Mapping[str, JsonValue],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "case_id": case_id,
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor,
            "action": action,
            "object_sha256": object_sha256,
            "details": details,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def make_entry(
    *,
    case_id: str,
    actor: str,
    action: str,
    object_sha256: str,
    details: Mapping[str, JsonValue] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[int, str], CustodyEntry]:
    """An entry factory for the store: it supplies seq and prev_hash under lock."""
    body: Mapping[str, JsonValue] = dict(details or {})

    def build(seq: int, prev_hash: str) -> CustodyEntry:
        at = clock().astimezone(UTC)
        digest = entry_hash(
            case_id=case_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_sha256=object_sha256,
            details=body,
            prev_hash=prev_hash,
        )
        return CustodyEntry(
            case_id=case_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            object_sha256=object_sha256,
            details=body,
            prev_hash=prev_hash,
            entry_hash=digest,
        )

    return build


def verify_chain(
    entries: Sequence[CustodyEntry], head: tuple[int, str] | None = None
) -> list[ChainProblem]:
    """Name every entry whose content, link or position is wrong; with the
    store's recorded head (last seq, last hash), also catch a cut-off tail."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        if entry.seq != position:
            problems.append(ChainProblem(entry.seq, f"out of sequence (expected #{position})"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, "link to the previous entry is broken"))
        recomputed = entry_hash(
            case_id=entry.case_id,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            object_sha256=entry.object_sha256,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            problems.append(
                ChainProblem(entry.seq, f"content altered ({entry.action}, {entry.at.isoformat()})")
            )
        expected_prev = entry.entry_hash
    if head is not None and entries and (entries[-1].seq, entries[-1].entry_hash) != head:
        problems.append(
            ChainProblem(head[0], f"log ends at #{entries[-1].seq} but its head is #{head[0]}")
        )
    return problems
