"""Shared fixtures: a workspace in a temp folder, and the shared data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vigil.runner import InlineBackend
from vigil.services.config import load_settings
from vigil.services.workspace import Workspace, open_workspace

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the repository; tests needing it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(load_settings(home=tmp_path / "home", actor="tester", workers=1))
    yield ws
    ws.close()


@pytest.fixture
def inline(workspace: Workspace) -> InlineBackend:
    assert workspace.services_factory is not None
    return InlineBackend(workspace.registry, workspace.services_factory)
