"""Execution backends: where jobs run. The runner only sees `run`."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import Protocol

from vigil.detectors.base import Registry
from vigil.runner.jobs import (
    Job,
    JobResult,
    RegistryLoader,
    ServicesFactory,
    execute_job,
    init_worker,
    load_registry,
    run_in_worker,
)

__all__ = ["ExecutionBackend", "InlineBackend", "ProcessPoolBackend"]

log = logging.getLogger(__name__)


class ExecutionBackend(Protocol):
    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Yield one result per job, in any order, as they finish."""
        ...


class InlineBackend:
    """Runs jobs one after another in this process (tests, `vigil check`)."""

    def __init__(self, registry: Registry, services_factory: ServicesFactory) -> None:
        self._registry = registry
        self._services = services_factory()

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        for job in jobs:
            yield execute_job(job, self._registry.get(job.detector), self._services)


class ProcessPoolBackend:
    """Runs jobs in a local pool of worker processes.

    A worker that dies (segfault in a native decoder, out-of-memory kill)
    breaks the pool: its in-flight jobs come back marked `crashed` (not stored,
    so the next run retries them) and a fresh pool takes the remaining jobs.
    """

    def __init__(
        self,
        services_factory: ServicesFactory,
        workers: int | None = None,
        registry_loader: RegistryLoader = load_registry,
    ) -> None:
        self._services_factory = services_factory
        self._registry_loader = registry_loader
        self._workers = workers or max(1, (os.cpu_count() or 2))

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self._services_factory, self._registry_loader),
        )

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        pending: deque[Job] = deque(jobs)
        window = self._workers * 4
        pool = self._pool()
        in_flight: dict[Future[JobResult], Job] = {}
        try:
            while pending or in_flight:
                while pending and len(in_flight) < window:
                    job = pending.popleft()
                    in_flight[pool.submit(run_in_worker, job)] = job
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    job = in_flight.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        yield _crashed(job)
                if broken:
                    # every job still in flight died with the pool
                    for job in in_flight.values():
                        yield _crashed(job)
                    in_flight.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = self._pool()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _crashed(job: Job) -> JobResult:
    log.error("worker died while running %s on %s", job.detector, job.evidence.sha256)
    now = datetime.now(UTC)
    return JobResult(job, (), now, now, crashed=True)
