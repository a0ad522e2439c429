"""Run detectors over a case."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from vigil.runner import (
    AnalysisRunner,
    ExecutionBackend,
    InlineBackend,
    ProcessPoolBackend,
    RunSummary,
)
from vigil.services.reference import reference_state
from vigil.services.triage import auto_flag_known_content
from vigil.services.workspace import Workspace, bank_matcher
from vigil.store import SqlMetadataStore

__all__ = ["analyze_case", "merge_options"]


def analyze_case(
    ws: Workspace,
    case_ref: str,
    detectors: Sequence[str] = (),
    options: Mapping[str, dict[str, object]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    backend: ExecutionBackend | None = None,
) -> RunSummary:
    case = ws.store.get_case(case_ref)
    runner = AnalysisRunner(ws.store, ws.blobs, ws.registry, backend or _backend(ws), ws.actor)
    merged = merge_options(ws.settings.detectors, options or {})
    summary = runner.run(case, detectors, merged, progress, reference_state(ws, case))
    auto_flag_known_content(ws, case.id)
    return summary


def merge_options(
    configured: Mapping[str, Mapping[str, object]], given: Mapping[str, dict[str, object]]
) -> dict[str, dict[str, object]]:
    """Per-detector options from the settings, with command-line keys on top."""
    merged = {name: dict(values) for name, values in configured.items()}
    for name, values in given.items():
        merged.setdefault(name, {}).update(values)
    return merged


def _backend(ws: Workspace) -> ExecutionBackend:
    factory = ws.services_factory
    assert factory is not None
    if ws.settings.workers == 1:
        return InlineBackend(ws.registry, factory)
    _warm_bank_indexes(ws)
    return ProcessPoolBackend(factory, ws.settings.workers or None)


def _warm_bank_indexes(ws: Workspace) -> None:
    """Build and save bank indexes once here, so each worker loads them from
    disk instead of rebuilding (or several writing the same cache at once)."""
    factory = ws.services_factory
    if factory is None or factory.index_dir is None or not isinstance(ws.store, SqlMetadataStore):
        return
    matcher = bank_matcher(ws.store, factory.index_dir)
    if matcher is not None:
        matcher.refresh()
