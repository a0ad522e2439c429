"""Ingest seized files, folders, archives and mail into a case's evidence store."""

from vigil.ingest.limits import IngestLimits
from vigil.ingest.service import Ingestor, IngestSummary

__all__ = ["IngestLimits", "IngestSummary", "Ingestor"]
