"""The detector contract and the loader of `vigil.detectors` entry points.

A detector is a class with a name, a semver version, the media types it
reads, a model card, typed options and self-made examples. `detect` yields
Findings; the runner stamps provenance and stores them. Detectors never write
files and never raise for bad input: they yield a finding whose status says
unreadable or unsupported.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from importlib.resources import files
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from vigil.domain.errors import PluginError, UsageError
from vigil.domain.evidence import BankLookup, EvidenceView, HashSetLookup, VoiceProfiles
from vigil.domain.model import Finding, Verdict
from vigil.domain.plugins import PluginRegistry, load_plugins

__all__ = [
    "Detector",
    "DetectorOptions",
    "DetectorServices",
    "Example",
    "Registry",
    "ENTRY_POINT_GROUP",
    "load_registry",
    "options_digest",
]

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "vigil.detectors"
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


class DetectorOptions(BaseModel):
    """Base of every detector's options: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def not_ready(self) -> str | None:
        """Why these options cannot run at all (e.g. no model configured), or
        None. An unnamed run leaves such a detector out; naming it is an error."""
        return None


def options_digest(options: DetectorOptions) -> str:
    canonical = json.dumps(options.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DetectorServices:
    """What the runner injects; detectors never open the store themselves."""

    hash_sets: HashSetLookup | None = None
    banks: BankLookup | None = None
    voices: VoiceProfiles | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """A small self-made input with the verdict the detector must give."""

    name: str
    data: bytes
    filename: str
    media_type: str
    expected_label: str
    expected_verdict: Verdict


class Detector(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]]
    model_card: ClassVar[str]
    """Markdown resource as 'package:file.md'; held-out metrics or 'rules only'."""
    model_files: ClassVar[tuple[str, ...]] = ()
    """Shipped weights as 'package:file'; their bytes make the model hash."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Importable modules an extra provides; missing ones make it unavailable."""
    install_hint: ClassVar[str] = ""
    reference_data: ClassVar[tuple[str, ...]] = ()
    """The `DetectorServices` fields it consults ("hash_sets", "banks",
    "voices"); when their contents change, its earlier results are stale."""
    Options: ClassVar[type[DetectorOptions]] = DetectorOptions

    def __init__(self, services: DetectorServices) -> None:
        self.services = services

    @abstractmethod
    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        """Yield findings about one item; never raise for bad input."""

    @classmethod
    @abstractmethod
    def examples(cls) -> list[Example]:
        """Self-made inputs with expected label and verdict."""

    @classmethod
    def example_services(cls) -> DetectorServices:
        """Services the examples need (e.g. a tiny hash set); none by default."""
        return DetectorServices()

    @classmethod
    def example_options(cls) -> dict[str, object]:
        """Options the examples run with (e.g. a packaged example model); the
        defaults unless a detector needs configuring before it can run."""
        return {}

    @classmethod
    def accepts(cls, media_type: str) -> bool:
        return any(fnmatch.fnmatchcase(media_type, pattern) for pattern in cls.media_types)

    @classmethod
    def parse_options(cls, given: dict[str, object] | None) -> DetectorOptions:
        try:
            return cls.Options(**(given or {}))
        except ValidationError as exc:
            raise UsageError(f"bad options for {cls.name}: {exc}") from exc

    @classmethod
    def model_card_text(cls) -> str:
        return _read_resource(cls.model_card).decode("utf-8")

    @classmethod
    def model_sha256(cls) -> str | None:
        if not cls.model_files:
            return None
        digest = hashlib.sha256()
        for ref in cls.model_files:
            digest.update(hashlib.sha256(_read_resource(ref)).digest())
        return digest.hexdigest()

    @classmethod
    def model_sha256_for(cls, options: DetectorOptions) -> str | None:
        """The model these options run: the shipped files by default; a
        detector whose options name a user's model file returns its hash."""
        return cls.model_sha256()


def _read_resource(ref: str) -> bytes:
    package, _, name = ref.partition(":")
    return files(package).joinpath(name).read_bytes()


class Registry(PluginRegistry[type[Detector]]):
    """Detectors found through entry points, sorted into usable and not."""

    def select(self, names: Iterable[str] = ()) -> list[type[Detector]]:
        wanted = list(names)
        if not wanted:
            return [self.available[n] for n in sorted(self.available)]
        return [self.get(n) for n in wanted]


def load_registry(eps: Iterable[EntryPoint] | None = None) -> Registry:
    """Load every `vigil.detectors` entry point; one bad plug-in never stops the rest."""
    registry = Registry(kind="detector")
    load_plugins(registry, ENTRY_POINT_GROUP, eps, _check_contract, lambda cls: cls)
    return registry


def _check_contract(entry_name: str, cls: object) -> type[Detector]:
    if not (isinstance(cls, type) and issubclass(cls, Detector)):
        raise PluginError(f"{entry_name} does not point at a Detector subclass")
    for attr in ("name", "version", "media_types", "model_card"):
        if not hasattr(cls, attr):
            raise PluginError(f"{entry_name} lacks the attribute {attr}")
    if not _NAME.match(cls.name):
        raise PluginError(f"{entry_name}: name {cls.name!r} is not snake_case")
    if not _SEMVER.match(cls.version):
        raise PluginError(f"{entry_name}: version {cls.version!r} is not semver")
    if not cls.media_types:
        raise PluginError(f"{entry_name}: declares no media types")
    if not issubclass(cls.Options, DetectorOptions):
        raise PluginError(f"{entry_name}: Options must subclass DetectorOptions")
    for ref in (cls.model_card, *cls.model_files):
        try:
            _read_resource(ref)
        except (OSError, ValueError, ModuleNotFoundError) as exc:
            raise PluginError(f"{entry_name}: cannot read packaged file {ref}: {exc}") from exc
    return cls
