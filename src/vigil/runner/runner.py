"""The analysis runner: plans item x detector jobs, skips what is done,
hands jobs to a backend, stamps provenance and stores results atomically."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil import __version__
from vigil.custody import make_entry
from vigil.detectors.base import Detector, DetectorOptions, Registry, options_digest
from vigil.domain.errors import UsageError
from vigil.domain.model import (
    ArtefactRef,
    Case,
    Finding,
    FindingRecord,
    Item,
    ItemWarning,
    JsonValue,
    Provenance,
)
from vigil.runner.backends import ExecutionBackend
from vigil.runner.jobs import BlobEvidence, Job, JobResult
from vigil.store import AnalysisKey, BlobStore, MetadataStore

__all__ = ["AnalysisRunner", "DetectorRun", "RunSummary", "record_detector_run"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class RunSummary:
    run_id: str
    planned: int = 0
    skipped: int = 0
    completed: int = 0
    crashed: int = 0
    findings: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    not_ready: dict[str, str] = field(default_factory=dict)
    """Detectors left out of an unnamed run, with the reason (e.g. no model configured)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    detector: type[Detector]
    options: DetectorOptions
    digest: str
    model_sha256: str | None
    reference_digest: str | None
    """Digest of the reference data (banks, hash sets, voices) it consults."""
    user_model_sha256: str | None = None
    """Hash of a model file the options chose (not shipped, so the version
    does not cover it)."""

    @property
    def done_digest(self) -> str:
        """What makes an earlier result reusable: options, reference data and
        a user-chosen model file's content."""
        parts = [self.digest]
        if self.reference_digest is not None:
            parts.append(self.reference_digest)
        if self.user_model_sha256 is not None:
            parts.append(f"model={self.user_model_sha256}")
        if len(parts) == 1:
            return self.digest
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


class AnalysisRunner:
    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        registry: Registry,
        backend: ExecutionBackend,
        actor: str,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._registry = registry
        self._backend = backend
        self._actor = actor

    def run(
        self,
        case: Case,
        detector_names: Sequence[str] = (),
        options: Mapping[str, dict[str, object]] | None = None,
        progress: Progress | None = None,
        reference_state: Mapping[str, str] | None = None,
    ) -> RunSummary:
        """`reference_state` digests the hash sets, banks and voices detectors
        consult; a detector re-runs on an item when the data it uses changed."""
        # options are validated before any item is read
        summary = RunSummary(run_id=str(uuid.uuid4()))
        plans: list[_Plan] = []
        for cls in self._registry.select(detector_names):
            parsed = cls.parse_options((options or {}).get(cls.name))
            reason = parsed.not_ready()
            if reason is None:
                plans.append(_plan(cls, parsed, reference_state or {}))
            elif detector_names:
                raise UsageError(f"{cls.name} cannot run: {reason}")
            else:
                summary.not_ready[cls.name] = reason
        jobs = list(self._jobs(case, plans, summary))
        summary.planned = len(jobs)
        self._log(case, "analysis.started", summary, [p.detector.name for p in plans])
        by_name = {p.detector.name: p for p in plans}
        for done, result in enumerate(self._backend.run(jobs), start=1):
            self._store_result(case, result, by_name[result.job.detector], summary)
            if progress:
                progress(done, len(jobs))
        self._log(case, "analysis.finished", summary, [p.detector.name for p in plans])
        return summary

    def _jobs(self, case: Case, plans: list[_Plan], summary: RunSummary) -> Iterator[Job]:
        for item in self._store.list_items(case.id):
            for plan in plans:
                if not plan.detector.accepts(item.media_type):
                    continue
                key = _key(item.id, plan)
                if self._store.analysis_done(key):
                    summary.skipped += 1
                    continue
                yield Job(
                    item_id=item.id,
                    evidence=self._evidence(item),
                    detector=plan.detector.name,
                    options=plan.options.model_dump(mode="json"),
                )

    def _evidence(self, item: Item) -> BlobEvidence:
        return BlobEvidence(
            sha256=item.sha256,
            md5=item.md5,
            sha1=item.sha1,
            media_type=item.media_type,
            name=item.name,
            size=item.size,
            locator=item.locator,
            blob_path=str(self._blobs.path_of(item.sha256)),
        )

    def _store_result(
        self, case: Case, result: JobResult, plan: _Plan, summary: RunSummary
    ) -> None:
        job = result.job
        if result.crashed:
            summary.crashed += 1
            self._store.add_warning(
                ItemWarning(
                    case_id=case.id,
                    item_id=job.item_id,
                    code="worker_crashed",
                    message=f"The worker process died running {job.detector}; "
                    "this item will be retried on the next run.",
                    at=datetime.now(UTC),
                )
            )
            return
        records = record_detector_run(
            self._store,
            self._blobs,
            DetectorRun(
                case_id=case.id,
                item_id=job.item_id,
                input_sha256=job.evidence.sha256,
                detector=plan.detector,
                model_sha256=plan.model_sha256,
                options_digest=plan.digest,
                done_digest=plan.done_digest,
                run_id=summary.run_id,
                started_at=result.started_at,
                finished_at=result.finished_at,
                actor=self._actor,
                details={"reference_digest": plan.reference_digest},
            ),
            result.findings,
        )
        verdicts = Counter(r.finding.verdict.value for r in records)
        summary.completed += 1
        summary.findings += len(records)
        summary.verdicts.update(verdicts)

    def _log(self, case: Case, action: str, summary: RunSummary, detectors: list[str]) -> None:
        self._store.append_custody(
            case.id,
            make_entry(
                case_id=case.id,
                actor=self._actor,
                action=action,
                object_sha256="",
                details={
                    "run_id": summary.run_id,
                    "detectors": detectors,
                    "planned": summary.planned,
                    "skipped": summary.skipped,
                    "completed": summary.completed,
                    "crashed": summary.crashed,
                    "not_ready": summary.not_ready,
                },
            ),
        )


@dataclass(frozen=True, slots=True)
class DetectorRun:
    """One detector's run over one item: what its findings are stamped with."""

    case_id: str
    item_id: str
    input_sha256: str
    detector: type[Detector]
    model_sha256: str | None
    options_digest: str
    done_digest: str
    """The done-key's digest: options plus whatever else makes a result reusable."""
    run_id: str
    started_at: datetime
    finished_at: datetime
    actor: str
    details: Mapping[str, JsonValue] = field(default_factory=dict)
    """Extra custody details (reference digest, live mode...)."""


def record_detector_run(
    store: MetadataStore, blobs: BlobStore, run: DetectorRun, findings: Sequence[Finding]
) -> list[FindingRecord]:
    """Store findings stamped with their provenance, their artefacts as blobs,
    and the `detector.run` custody entry, in one transaction. The runner and
    live sessions (`vigil watch`) both record through here."""
    provenance = Provenance(
        detector=run.detector.name,
        detector_version=run.detector.version,
        model_sha256=run.model_sha256,
        options_digest=run.options_digest,
        vigil_version=__version__,
        input_sha256=run.input_sha256,
        run_id=run.run_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
    records = [
        FindingRecord(
            id=str(uuid.uuid4()),
            case_id=run.case_id,
            item_id=run.item_id,
            finding=finding,
            provenance=provenance,
            artefacts=tuple(
                ArtefactRef(blobs.put_bytes(a.data).sha256, a.name, a.media_type)
                for a in finding.artefacts
            ),
        )
        for finding in findings
    ]
    custody = make_entry(
        case_id=run.case_id,
        actor=run.actor,
        action="detector.run",
        object_sha256=run.input_sha256,
        details={
            "item_id": run.item_id,
            "detector": run.detector.name,
            "version": run.detector.version,
            "model_sha256": run.model_sha256,
            "options_digest": run.options_digest,
            **run.details,
            "run_id": run.run_id,
            "findings": [f"{r.finding.label}:{r.finding.verdict.value}" for r in records],
        },
    )
    key = AnalysisKey(run.item_id, run.detector.name, run.detector.version, run.done_digest)
    store.record_analysis(key, run.run_id, records, custody)
    return records


def _plan(
    cls: type[Detector], options: DetectorOptions, reference_state: Mapping[str, str]
) -> _Plan:
    shipped = cls.model_sha256()
    model = cls.model_sha256_for(options)
    return _Plan(
        cls,
        options,
        options_digest(options),
        model,
        _reference_digest(cls.reference_data, reference_state),
        user_model_sha256=model if model != shipped else None,
    )


def _reference_digest(used: tuple[str, ...], state: Mapping[str, str]) -> str | None:
    if not used:
        return None
    joined = "|".join(f"{name}={state.get(name, '')}" for name in sorted(used))
    return hashlib.sha256(joined.encode()).hexdigest()


def _key(item_id: str, plan: _Plan) -> AnalysisKey:
    return AnalysisKey(item_id, plan.detector.name, plan.detector.version, plan.done_digest)
