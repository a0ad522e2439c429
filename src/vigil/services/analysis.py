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
from vigil.services.workspace import Workspace

__all__ = ["analyze_case"]


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
    return runner.run(case, detectors, options, progress)


def _backend(ws: Workspace) -> ExecutionBackend:
    assert ws.services_factory is not None
    if ws.settings.workers == 1:
        return InlineBackend(ws.registry, ws.services_factory)
    return ProcessPoolBackend(ws.services_factory, ws.settings.workers or None)
