from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from vigil.custody import make_entry, verify_chain
from vigil.domain.model import GENESIS_HASH, CustodyEntry


def _chain(n: int) -> list[CustodyEntry]:
    entries: list[CustodyEntry] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        prev = entries[-1].entry_hash if entries else GENESIS_HASH
        factory = make_entry(
            case_id="c",
            actor="a",
            action="item.added",
            object_sha256=f"{i:064x}",
            details={"n": i, "names": ["x", "ü"]},
            clock=lambda i=i: start + timedelta(seconds=i),
        )
        entries.append(factory(i + 1, prev))
    return entries


def test_intact_chain_verifies() -> None:
    entries = _chain(5)
    assert verify_chain(entries, (5, entries[-1].entry_hash)) == []


def test_each_altered_field_is_named() -> None:
    for change in (
        {"actor": "mallory"},
        {"object_sha256": "f" * 64},
        {"details": {"n": 99}},
        {"at": datetime(2030, 1, 1, tzinfo=UTC)},
        {"action": "item.removed"},
    ):
        entries = _chain(4)
        entries[2] = replace(entries[2], **change)
        problems = verify_chain(entries)
        assert [(p.seq, p.problem.split(" ")[0]) for p in problems] == [(3, "content")], change


def test_reordered_entries_break_the_links() -> None:
    entries = _chain(4)
    entries[1], entries[2] = entries[2], entries[1]
    problems = {(p.seq, p.problem) for p in verify_chain(entries)}
    assert (3, "out of sequence (expected #2)") in problems
    assert (3, "link to the previous entry is broken") in problems


def test_rehashed_forgery_is_caught_by_the_next_link() -> None:
    entries = _chain(3)
    forged = make_entry(
        case_id="c",
        actor="mallory",
        action="item.added",
        object_sha256="0" * 64,
        clock=lambda: entries[1].at,
    )(2, entries[0].entry_hash)
    entries[1] = forged
    assert [p.seq for p in verify_chain(entries)] == [3]
