"""Fixtures for the crypto tests: paths into the shared crypto data."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("yaml")


@pytest.fixture
def crypto_data(shared_data: Path) -> Path:
    folder = shared_data / "crypto"
    if not folder.is_dir():
        pytest.skip("shared crypto data not present")
    return folder


@pytest.fixture
def etl(crypto_data: Path) -> Path:
    return crypto_data / "etl"
