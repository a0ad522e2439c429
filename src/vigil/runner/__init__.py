"""Dispatches items to detectors, stamps provenance, isolates failures."""

from vigil.runner.backends import ExecutionBackend, InlineBackend, ProcessPoolBackend
from vigil.runner.jobs import Job, JobResult, ServicesFactory
from vigil.runner.runner import AnalysisRunner, DetectorRun, RunSummary, record_detector_run

__all__ = [
    "AnalysisRunner",
    "DetectorRun",
    "ExecutionBackend",
    "InlineBackend",
    "Job",
    "JobResult",
    "ProcessPoolBackend",
    "RunSummary",
    "ServicesFactory",
    "record_detector_run",
]
