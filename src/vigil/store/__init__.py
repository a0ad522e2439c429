"""Write-once blob store and metadata stores (SQL and in-memory)."""

from vigil.store.blobs import BlobStore, StoredBlob
from vigil.store.interface import AnalysisKey, EntryFactory, HashHit, MetadataStore
from vigil.store.memory import InMemoryMetadataStore
from vigil.store.sql import SqlMetadataStore

__all__ = [
    "AnalysisKey",
    "BlobStore",
    "EntryFactory",
    "HashHit",
    "InMemoryMetadataStore",
    "MetadataStore",
    "SqlMetadataStore",
    "StoredBlob",
]
