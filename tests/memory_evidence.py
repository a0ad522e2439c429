"""An in-memory EvidenceView for detector tests."""

from __future__ import annotations

import hashlib
import io

from vigil.domain.model import Locator


class MemoryEvidence:
    """Bytes in memory as an `EvidenceView`; counts how often it is opened."""

    def __init__(self, data: bytes, media_type: str, name: str = "item") -> None:
        self.data = data
        self.media_type = media_type
        self.name = name
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.md5 = hashlib.md5(data).hexdigest()
        self.sha1 = hashlib.sha1(data).hexdigest()
        self.size = len(data)
        self.locator = Locator()
        self.opened = 0

    def open(self) -> io.BytesIO:
        self.opened += 1
        return io.BytesIO(self.data)
