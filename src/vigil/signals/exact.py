"""Exact signals (MD5, SHA-256 of the bytes) and their index.

Distance is 0 for equal digests and 1 otherwise (max_distance 1, threshold
0): a near-equal cryptographic digest means nothing. Hashing needs only the
standard library; the index (`exact_index.ExactIndex`) needs numpy.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from vigil.signals.base import SignalExample, SignalType

if TYPE_CHECKING:
    from vigil.signals.exact_index import ExactIndex

__all__ = ["ExactSignal", "Md5Signal", "Sha256Signal"]

_CHUNK = 1 << 20


class ExactSignal(SignalType):
    """A cryptographic digest of the whole byte stream."""

    algorithm: ClassVar[str]
    digest_size: ClassVar[int]
    media_types: ClassVar[tuple[str, ...]] = ("*",)
    match_threshold: ClassVar[int] = 0
    max_distance: ClassVar[int] = 1

    def hash(self, stream: BinaryIO) -> str | None:
        digest = hashlib.new(self.algorithm, usedforsecurity=False)
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
        return digest.hexdigest()

    def validate(self, value: str) -> str:
        text = value.strip().lower() if isinstance(value, str) else ""
        if len(text) != 2 * self.digest_size or not all(c in "0123456789abcdef" for c in text):
            raise ValueError(f"not a {self.name} digest ({2 * self.digest_size} hex): {value!r}")
        return text

    def distance(self, a: str, b: str) -> int:
        return 0 if self.validate(a) == self.validate(b) else 1

    def examples(self) -> list[SignalExample]:
        data = b"vigil exact-signal example\n"
        return [
            SignalExample("empty", b"", "application/octet-stream", self._of(b"")),
            SignalExample("text", data, "text/plain", self._of(data)),
        ]

    def _of(self, data: bytes) -> str:
        return hashlib.new(self.algorithm, data, usedforsecurity=False).hexdigest()

    def reference_index(self) -> ExactIndex:
        from vigil.signals.exact_index import ExactIndex

        return ExactIndex(self.name, self.digest_size)


class Md5Signal(ExactSignal):
    name: ClassVar[str] = "md5"
    version: ClassVar[str] = "1.0.0"
    algorithm: ClassVar[str] = "md5"
    digest_size: ClassVar[int] = 16


class Sha256Signal(ExactSignal):
    name: ClassVar[str] = "sha256"
    version: ClassVar[str] = "1.0.0"
    algorithm: ClassVar[str] = "sha256"
    digest_size: ClassVar[int] = 32
