"""The loader of `vigil.signals` entry points.

Built-in and third-party signal types register the same way, under the
entry-point group `vigil.signals` (name = the signal's `name`). A plug-in
that fails to import or breaks the contract is listed as broken; one whose
extra is not installed is listed as unavailable; the others load.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from vigil.domain.errors import NotFoundError, PluginError
from vigil.signals.base import SignalType

__all__ = ["ENTRY_POINT_GROUP", "SignalRegistry", "UnavailableSignal", "load_signals"]

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "vigil.signals"


@dataclass(frozen=True, slots=True)
class UnavailableSignal:
    name: str
    reason: str
    hint: str = ""


@dataclass(slots=True)
class SignalRegistry:
    """Signal types found through entry points, instantiated with defaults."""

    available: dict[str, SignalType] = field(default_factory=dict)
    unavailable: dict[str, UnavailableSignal] = field(default_factory=dict)
    broken: dict[str, UnavailableSignal] = field(default_factory=dict)

    def get(self, name: str) -> SignalType:
        if name in self.available:
            return self.available[name]
        if name in self.unavailable:
            missing = self.unavailable[name]
            raise PluginError(f"signal {name} is unavailable: {missing.reason}. {missing.hint}")
        if name in self.broken:
            raise PluginError(f"signal {name} is broken: {self.broken[name].reason}")
        raise NotFoundError(f"no signal type named {name!r}")

    def for_media_type(self, media_type: str) -> list[SignalType]:
        """Available signals that hash this media type, by name."""
        return [s for n, s in sorted(self.available.items()) if s.accepts(media_type)]


def load_signals(eps: Iterable[EntryPoint] | None = None) -> SignalRegistry:
    """Load every `vigil.signals` entry point; one bad plug-in never stops the rest."""
    registry = SignalRegistry()
    found = entry_points(group=ENTRY_POINT_GROUP) if eps is None else eps
    for ep in sorted(found, key=lambda e: e.name):
        try:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, SignalType)):
                raise PluginError(f"{ep.name} does not point at a SignalType subclass")
            cls.check_declaration()
            if cls.name != ep.name:
                raise PluginError(f"entry point {ep.name} declares the name {cls.name}")
        except Exception as exc:  # a plug-in may fail in any way; list it as broken
            log.warning("signal plug-in %s is broken: %s", ep.name, exc)
            registry.broken[ep.name] = UnavailableSignal(ep.name, f"{type(exc).__name__}: {exc}")
            continue
        if cls.name in registry.available or cls.name in registry.unavailable:
            registry.broken[ep.name] = UnavailableSignal(ep.name, f"duplicate name {cls.name}")
            continue
        missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
        if missing:
            reason = f"missing module(s) {', '.join(missing)}"
            registry.unavailable[cls.name] = UnavailableSignal(cls.name, reason, cls.install_hint)
            continue
        try:
            registry.available[cls.name] = cls()
        except Exception as exc:  # a constructor may fail in any way
            registry.broken[ep.name] = UnavailableSignal(ep.name, f"{type(exc).__name__}: {exc}")
    return registry
