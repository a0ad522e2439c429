"""Entry-point plug-in loading shared by detectors and signal types.

A plug-in that fails to import or breaks its contract is listed as broken;
one whose extra is not installed (a `requires` module is missing) is listed
as unavailable, with its install hint; the others load.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from vigil.domain.errors import NotFoundError, PluginError

__all__ = ["PluginRegistry", "Unavailable", "load_plugins"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Unavailable:
    name: str
    reason: str
    hint: str = ""


@dataclass(slots=True)
class PluginRegistry(Generic[T]):
    """Plug-ins of one kind ("detector", "signal"), sorted into usable and not."""

    kind: str = "plug-in"
    available: dict[str, T] = field(default_factory=dict)
    unavailable: dict[str, Unavailable] = field(default_factory=dict)
    broken: dict[str, Unavailable] = field(default_factory=dict)

    def get(self, name: str) -> T:
        if name in self.available:
            return self.available[name]
        if name in self.unavailable:
            missing = self.unavailable[name]
            raise PluginError(
                f"{self.kind} {name} is unavailable: {missing.reason}. {missing.hint}"
            )
        if name in self.broken:
            raise PluginError(f"{self.kind} {name} is broken: {self.broken[name].reason}")
        raise NotFoundError(f"no {self.kind} named {name!r}")


def load_plugins(
    registry: PluginRegistry[T],
    group: str,
    eps: Iterable[EntryPoint] | None,
    check: Callable[[str, object], type],
    make: Callable[[type], T],
) -> None:
    """Fill `registry` from the entry points of `group`; one bad plug-in never
    stops the rest. `check` returns the loaded class or raises; `make` turns a
    usable class into what the registry holds (the class, or an instance)."""
    found = entry_points(group=group) if eps is None else eps
    for ep in sorted(found, key=lambda e: e.name):
        try:
            cls = check(ep.name, ep.load())
        except Exception as exc:  # a plug-in may fail in any way; list it as broken
            log.warning("%s plug-in %s is broken: %s", registry.kind, ep.name, exc)
            registry.broken[ep.name] = Unavailable(ep.name, f"{type(exc).__name__}: {exc}")
            continue
        name: str = getattr(cls, "name")  # noqa: B009 - checked by `check`
        if name in registry.available or name in registry.unavailable:
            registry.broken[ep.name] = Unavailable(
                ep.name, f"duplicate {registry.kind} name {name}"
            )
            continue
        missing = [m for m in getattr(cls, "requires", ()) if importlib.util.find_spec(m) is None]
        if missing:
            reason = f"missing module(s) {', '.join(missing)}"
            registry.unavailable[name] = Unavailable(name, reason, getattr(cls, "install_hint", ""))
            continue
        try:
            registry.available[name] = make(cls)
        except Exception as exc:  # a constructor may fail in any way
            registry.broken[ep.name] = Unavailable(ep.name, f"{type(exc).__name__}: {exc}")
