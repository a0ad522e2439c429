"""Shared fixtures for ingest tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import IngestEnv, open_env


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestEnv]:
    opened = open_env(tmp_path, monkeypatch)
    try:
        yield opened
    finally:
        opened.ws.close()
