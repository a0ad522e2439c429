"""Dispatches items to detectors, stamps provenance, isolates failures."""

from vigil.runner.backends import ExecutionBackend, InlineBackend, ProcessPoolBackend
from vigil.runner.jobs import Job, JobResult, ServicesFactory
from vigil.runner.runner import AnalysisRunner, RunSummary

__all__ = [
    "AnalysisRunner",
    "ExecutionBackend",
    "InlineBackend",
    "Job",
    "JobResult",
    "ProcessPoolBackend",
    "RunSummary",
    "ServicesFactory",
]
