"""Chain adapters behind one interface, `ChainSource`."""

from vigil.crypto.sources.base import ChainSource

__all__ = ["ChainSource"]
