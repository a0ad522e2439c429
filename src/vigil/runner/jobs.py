"""One unit of work (item x detector) and what comes back. Both are plain,
picklable values so that any execution backend (in-process, process pool,
later a task queue) can carry them."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from vigil.detectors.base import Detector, DetectorServices, Registry, load_registry
from vigil.domain.model import Finding, Locator, Status

__all__ = [
    "BlobEvidence",
    "Job",
    "JobResult",
    "RegistryLoader",
    "ServicesFactory",
    "execute_job",
    "load_registry",
]

log = logging.getLogger(__name__)

ServicesFactory = Callable[[], DetectorServices]
RegistryLoader = Callable[[], Registry]


@dataclass(frozen=True, slots=True)
class BlobEvidence:
    """EvidenceView over a read-only blob file."""

    sha256: str
    md5: str
    sha1: str
    media_type: str
    name: str
    size: int
    locator: Locator
    blob_path: str

    def open(self) -> BinaryIO:
        return Path(self.blob_path).open("rb")


@dataclass(frozen=True, slots=True)
class Job:
    item_id: str
    evidence: BlobEvidence
    detector: str
    options: dict[str, object]


@dataclass(frozen=True, slots=True)
class JobResult:
    job: Job
    findings: tuple[Finding, ...]
    started_at: datetime
    finished_at: datetime
    crashed: bool = False
    """The worker died (killed, out of memory): not recorded, retried next run."""


_worker_state: dict[str, object] = {}


def init_worker(services_factory: ServicesFactory, registry_loader: RegistryLoader) -> None:
    """Process-pool initializer: load plug-ins and services once per worker.

    The pool is the parallelism: numeric libraries get one thread per worker,
    or two workers on two cores fight over four BLAS threads."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    _worker_state["registry"] = registry_loader()
    _worker_state["services"] = services_factory()


def run_in_worker(job: Job) -> JobResult:
    registry = _worker_state["registry"]
    services = _worker_state["services"]
    assert isinstance(registry, Registry) and isinstance(services, DetectorServices)
    return execute_job(job, registry.get(job.detector), services)


def execute_job(job: Job, detector_cls: type[Detector], services: DetectorServices) -> JobResult:
    """Run one detector on one item; an escaping exception becomes one error finding."""
    started = datetime.now(UTC)
    try:
        detector = detector_cls(services)
        options = detector_cls.parse_options(job.options)
        findings = tuple(detector.detect(job.evidence, options))
    except Exception as exc:  # a detector bug must not stop the run
        log.error(
            "detector %s failed on %s: %s",
            job.detector,
            job.evidence.sha256,
            traceback.format_exc(),
        )
        label = _first_label(detector_cls)
        findings = (
            Finding.problem(
                label,
                Status.ERROR,
                f"The detector failed on this item: {type(exc).__name__}: {exc}"[:500],
            ),
        )
    return JobResult(job, findings, started, datetime.now(UTC))


def _first_label(detector_cls: type[Detector]) -> str:
    for example in detector_cls.examples():
        return example.expected_label
    raise LookupError(f"{detector_cls.name} has no examples to take a label from")
