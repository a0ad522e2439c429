"""One exception tree for everything that stops a command.

    VigilError (exit 1)
    ├── UsageError (2)            bad arguments or options
    ├── NotFoundError (3)         no such case, item, hash set or detector
    ├── IntegrityError (4)        verify found altered blobs or custody entries
    ├── PluginError (5)           a detector plug-in is broken or unavailable
    └── StoreError (6)            the blob store or database failed

Problems with one evidence item are not exceptions: they are statuses and
warnings stored on that item, so a run never stops for bad input.
"""

from __future__ import annotations

__all__ = [
    "IntegrityError",
    "NotFoundError",
    "PluginError",
    "StoreError",
    "UsageError",
    "VigilError",
]


class VigilError(Exception):
    """Base of every error Vigil raises on purpose."""

    exit_code = 1


class UsageError(VigilError):
    exit_code = 2


class NotFoundError(VigilError):
    exit_code = 3


class IntegrityError(VigilError):
    exit_code = 4


class PluginError(VigilError):
    exit_code = 5


class StoreError(VigilError):
    exit_code = 6
