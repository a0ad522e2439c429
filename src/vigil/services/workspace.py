"""A workspace: the blob store and metadata store that services work on."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.detectors.base import DetectorServices, Registry, load_registry
from vigil.services.config import Settings
from vigil.store import BlobStore, MetadataStore, SqlMetadataStore

__all__ = ["SqlDetectorServices", "Workspace", "open_workspace"]


@dataclass(frozen=True, slots=True)
class SqlDetectorServices:
    """Picklable factory: each worker process opens its own connection."""

    db_url: str

    def __call__(self) -> DetectorServices:
        return DetectorServices(hash_sets=SqlMetadataStore(self.db_url))


@dataclass(slots=True)
class Workspace:
    settings: Settings
    store: MetadataStore
    blobs: BlobStore
    registry: Registry
    services_factory: SqlDetectorServices | None

    @property
    def actor(self) -> str:
        return self.settings.actor_name

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(settings: Settings) -> Workspace:
    settings.home.mkdir(parents=True, exist_ok=True)
    return Workspace(
        settings=settings,
        store=SqlMetadataStore(settings.db_url),
        blobs=BlobStore(settings.home),
        registry=load_registry(),
        services_factory=SqlDetectorServices(settings.db_url),
    )
