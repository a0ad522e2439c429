"""Caps that keep hostile containers (bombs, deep nesting) from exhausting the machine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Budget", "IngestLimits", "LimitExceeded"]


class LimitExceeded(Exception):
    """Raised inside a chunk stream to abort storing an expanded member."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class IngestLimits:
    max_depth: int = 8
    """Containers inside containers, counted from the seized original."""
    max_members: int = 100_000
    """Members expanded from one container."""
    max_member_bytes: int = 8 << 30
    """Largest single expanded member."""
    max_expanded_bytes: int = 32 << 30
    """All bytes expanded from one container (its whole subtree)."""
    max_ratio: float = 200.0
    """Expanded / compressed size beyond which a member is a bomb."""
    ratio_floor_bytes: int = 4 << 20
    """Ratio is only judged once a member has expanded past this size."""
    max_mail_bytes: int = 256 << 20
    """Mail is parsed in memory; larger messages are kept but not expanded."""
    max_video_stills: int = 4
    """Still frames (PNG) taken from one video for the image detectors."""
    max_video_audio_seconds: float = 1800.0
    """Audio extracted from one video for the voice detectors (its beginning)."""


@dataclass(slots=True)
class Budget:
    """Bytes still allowed to be expanded from one container tree."""

    remaining: int

    def metered(
        self,
        chunks: Iterator[bytes],
        limits: IngestLimits,
        compressed_size: int | None,
    ) -> Iterator[bytes]:
        produced = 0
        for chunk in chunks:
            produced += len(chunk)
            self.remaining -= len(chunk)
            if produced > limits.max_member_bytes:
                raise LimitExceeded(
                    "member_too_large",
                    f"member expands past {limits.max_member_bytes} bytes",
                )
            if self.remaining < 0:
                raise LimitExceeded(
                    "expansion_budget",
                    f"container expands past {limits.max_expanded_bytes} bytes in all",
                )
            if (
                compressed_size is not None
                and produced > limits.ratio_floor_bytes
                and produced > limits.max_ratio * max(compressed_size, 1)
            ):
                raise LimitExceeded(
                    "decompression_ratio",
                    f"member expands more than {limits.max_ratio:.0f}x its compressed size "
                    f"({compressed_size} bytes): likely a decompression bomb",
                )
            yield chunk
