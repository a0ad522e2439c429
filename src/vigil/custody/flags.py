"""Item flags live in the custody log itself: the latest `item.flagged`
entry for an item decides, so every change of a flag is on the record."""

from __future__ import annotations

from collections.abc import Iterable

from vigil.domain.model import CustodyEntry

__all__ = ["FLAG_ACTION", "REVEAL_ACTION", "sensitive_items"]

FLAG_ACTION = "item.flagged"
REVEAL_ACTION = "item.revealed"


def sensitive_items(entries: Iterable[CustodyEntry]) -> dict[str, bool]:
    """item id -> sensitive, from the entries in chain order."""
    flags: dict[str, bool] = {}
    for entry in entries:
        if entry.action == FLAG_ACTION:
            flags[str(entry.details.get("item_id"))] = bool(entry.details.get("sensitive"))
    return flags
