"""The loader of `vigil.signals` entry points.

Built-in and third-party signal types register the same way, under the
entry-point group `vigil.signals` (name = the signal's `name`). A plug-in
that fails to import or breaks the contract is listed as broken; one whose
extra is not installed is listed as unavailable; the others load.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import EntryPoint

from vigil.domain.errors import PluginError
from vigil.domain.plugins import PluginRegistry, Unavailable, load_plugins
from vigil.signals.base import SignalType

__all__ = ["ENTRY_POINT_GROUP", "SignalRegistry", "UnavailableSignal", "load_signals"]

ENTRY_POINT_GROUP = "vigil.signals"


UnavailableSignal = Unavailable


class SignalRegistry(PluginRegistry[SignalType]):
    """Signal types found through entry points, instantiated with defaults."""

    def for_media_type(self, media_type: str) -> list[SignalType]:
        """Available signals that hash this media type, by name."""
        return [s for n, s in sorted(self.available.items()) if s.accepts(media_type)]


def load_signals(eps: Iterable[EntryPoint] | None = None) -> SignalRegistry:
    """Load every `vigil.signals` entry point; one bad plug-in never stops the rest."""
    registry = SignalRegistry(kind="signal")
    load_plugins(registry, ENTRY_POINT_GROUP, eps, _check_declaration, lambda cls: cls())
    return registry


def _check_declaration(entry_name: str, cls: object) -> type[SignalType]:
    if not (isinstance(cls, type) and issubclass(cls, SignalType)):
        raise PluginError(f"{entry_name} does not point at a SignalType subclass")
    cls.check_declaration()
    if cls.name != entry_name:
        raise PluginError(f"entry point {entry_name} declares the name {cls.name}")
    return cls
