"""The one interface every chain adapter offers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from vigil.crypto.model import ChainRecord

__all__ = ["ChainSource"]


@runtime_checkable
class ChainSource(Protocol):
    """Yields blocks, transactions, transfers and warnings in chain order.

    A source never raises for one bad reply: it yields a `ChainWarning` and
    goes on. It raises `NodeError` (a `VigilError`) only when it cannot go on
    at all (the node is unreachable, the folder does not exist)."""

    name: str

    def records(self) -> Iterator[ChainRecord]: ...
