"""Digests of the reference data detectors consult (hash sets, banks, enrolled
voices), so an analysis re-runs a detector after that data changed."""

from __future__ import annotations

import hashlib
import json

from vigil.domain.model import Case
from vigil.services.voice import ENROL_ACTION
from vigil.services.workspace import Workspace
from vigil.store import SqlMetadataStore

__all__ = ["reference_state"]


def reference_state(ws: Workspace, case: Case) -> dict[str, str]:
    return {
        "hash_sets": _digest(
            sorted((h.name, h.enabled, h.count) for h in ws.store.list_hash_sets())
        ),
        "banks": _digest(_bank_state(ws)),
        "voices": _digest(
            [e.entry_hash for e in ws.store.list_custody(case.id) if e.action == ENROL_ACTION]
        ),
    }


def _bank_state(ws: Workspace) -> list[object]:
    """Each bank's settings and entry checkpoint per signal, plus negatives."""
    if not isinstance(ws.store, SqlMetadataStore):
        return []
    try:
        from vigil.banks.sql import SqlBankStore
        from vigil.signals import load_signals
    except ImportError:  # the image extra is absent: no banks can be matched
        return []
    banks = SqlBankStore(ws.store)
    listed = banks.list_banks()
    names = [b.name for b in listed if b.enabled]
    checkpoints = {}
    for signal in sorted(load_signals().available):
        seen = banks.checkpoint(signal, names)
        checkpoints[signal] = [seen.count, seen.last_id]
    settings = [
        (b.name, b.enabled, b.confidence, b.category, dict(b.thresholds))
        for b in sorted(listed, key=lambda b: b.name)
    ]
    negatives = sorted((n.bank, n.signal_type, n.value) for n in banks.list_negatives())
    return [settings, checkpoints, negatives]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()
