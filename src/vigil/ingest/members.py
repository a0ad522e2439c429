"""What an expander yields: members to store, or problems to record."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Protocol

__all__ = ["Member", "Problem", "chunks_of", "display_name", "unsafe_member_path"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    step_kind: str
    step_value: str
    open_chunks: Callable[[], Iterator[bytes]]
    compressed_size: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    step_kind: str = ""
    step_value: str = ""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def chunks_of(stream: Readable, size: int = 1 << 20) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def display_name(raw: str, fallback: str) -> str:
    """Last path component, control characters removed; never used as a path."""
    base = PureWindowsPath(raw.replace("/", "\\")).name if raw else ""
    cleaned = _CONTROL.sub("?", base).strip()
    return cleaned[:255] or fallback


def unsafe_member_path(raw: str) -> str | None:
    """Why an archive member's path would escape an extraction folder, if it would."""
    if "\x00" in raw:
        return "contains a NUL byte"
    normal = raw.replace("\\", "/")
    if normal.startswith("/") or PureWindowsPath(raw).drive:
        return "is absolute"
    if ".." in PurePosixPath(normal).parts:
        return "climbs out with '..'"
    return None
