"""Crypto traces kept in a case (`vigil trace`), read back for the report.

`vigil trace` stores each result as a JSON blob and logs it to custody as
`crypto.traced`; the report lists them in custody order with the graph, the
table and the risk summary exactly as stored. Nothing is traced again. A blob
that is missing, too large or no longer matches its SHA-256 is reported as a
problem, never read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import cast

from vigil.domain.errors import NotFoundError
from vigil.domain.model import CustodyEntry, JsonValue
from vigil.store import BlobStore

__all__ = ["MAX_TRACE_BYTES", "TRACE_ACTION", "stored_traces"]

log = logging.getLogger(__name__)

TRACE_ACTION = "crypto.traced"
MAX_TRACE_BYTES = 64 * 1024 * 1024
"""A stored trace is bounded by the tracer's node cap (5000 by default: a few MB)."""

_DETAILS = ("address", "direction", "method", "hops", "address_in_case_evidence", "tag_sources")
_TABLE_KEYS = (
    "hop",
    "txid",
    "from",
    "to",
    "asset",
    "value",
    "attributed",
    "share",
    "to_tags",
    "stop",
)
_REACHED_KEYS = ("address", "hop", "attributed", "labels", "risks", "stop")
_GRAPH_KEYS = ("origin", "direction", "method", "hops", "truncated", "notes", "nodes", "edges")


def stored_traces(custody: Iterable[CustodyEntry], blobs: BlobStore) -> list[JsonValue]:
    """One entry per `crypto.traced` custody record, in custody order."""
    return [_trace(entry, blobs) for entry in custody if entry.action == TRACE_ACTION]


def _trace(entry: CustodyEntry, blobs: BlobStore) -> dict[str, JsonValue]:
    details = dict(entry.details)
    trace: dict[str, JsonValue] = {
        "custody_seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "trace_sha256": entry.object_sha256,
        "graphml_sha256": details.get("graphml_sha256"),
        **{key: details.get(key) for key in _DETAILS},
        "problem": None,
        "graph": None,
        "table": [],
        "summary": None,
        "risk": None,
    }
    stored, problem = _read_json(blobs, entry.object_sha256)
    if problem:
        trace["problem"] = problem
        return trace
    graph = stored.get("graph")
    if not isinstance(graph, Mapping):
        trace["problem"] = "the stored trace has no graph"
        return trace
    trace["graph"] = {key: graph.get(key) for key in _GRAPH_KEYS}
    trace["table"] = _rows(stored.get("table"), _TABLE_KEYS)
    summary = stored.get("summary")
    if isinstance(summary, Mapping):
        trace["summary"] = {**summary, "reached": _rows(summary.get("reached"), _REACHED_KEYS)}
    risk = stored.get("risk")
    if isinstance(risk, Mapping):
        flagged = risk.get("flagged")
        trace["risk"] = {**risk, "flagged": flagged if isinstance(flagged, list) else []}
    return trace


def _rows(rows: JsonValue | None, keys: tuple[str, ...]) -> list[JsonValue]:
    """Rows with exactly the keys the page shows (a missing one becomes None)."""
    if not isinstance(rows, list):
        return []
    return [{key: row.get(key) for key in keys} for row in rows if isinstance(row, Mapping)]


def _read_json(blobs: BlobStore, sha256: str | None) -> tuple[Mapping[str, JsonValue], str]:
    """The stored trace, or a problem saying why it cannot be shown."""
    if not sha256:
        return {}, "the custody entry names no trace blob"
    try:
        with blobs.open(sha256) as stream:
            data = stream.read(MAX_TRACE_BYTES + 1)
    except (OSError, NotFoundError) as exc:
        log.warning("trace blob %s unavailable: %s", sha256, exc)
        return {}, "the trace is missing from the blob store"
    if len(data) > MAX_TRACE_BYTES:
        return {}, f"the trace is larger than {MAX_TRACE_BYTES} bytes; not included"
    if hashlib.sha256(data).hexdigest() != sha256:
        return {}, "the trace's bytes no longer match the recorded SHA-256; not shown"
    try:
        stored = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}, "the stored trace is not JSON"
    if not isinstance(stored, dict):
        return {}, "the stored trace is not a JSON object"
    return cast(Mapping[str, JsonValue], stored), ""
