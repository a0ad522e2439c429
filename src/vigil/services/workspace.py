"""A workspace: the blob store and metadata store that services work on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vigil.banks.matcher import BankMatcher
from vigil.detectors.base import DetectorServices, Registry, load_registry
from vigil.services.config import Settings
from vigil.store import BlobStore, MetadataStore, SqlMetadataStore

__all__ = ["SqlDetectorServices", "Workspace", "bank_matcher", "open_workspace"]


@dataclass(frozen=True, slots=True)
class SqlDetectorServices:
    """Picklable factory: each worker process opens its own connection and
    builds (or loads from `index_dir`) the bank indexes once."""

    db_url: str
    index_dir: Path | None = None

    def __call__(self) -> DetectorServices:
        from vigil.services.voice import CaseVoiceProfiles

        store = SqlMetadataStore(self.db_url)
        return DetectorServices(
            hash_sets=store,
            banks=bank_matcher(store, self.index_dir),
            voices=CaseVoiceProfiles(store),
        )


def bank_matcher(store: SqlMetadataStore, index_dir: Path | None) -> BankMatcher | None:
    """The bank matcher, or None where the image extra (numpy) is not installed."""
    try:
        from vigil.banks.sql import SqlBankStore
        from vigil.signals import load_signals
    except ImportError:
        return None
    return BankMatcher(SqlBankStore(store), load_signals().available, cache_dir=index_dir)


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
        services_factory=SqlDetectorServices(settings.db_url, settings.home / "indexes"),
    )
