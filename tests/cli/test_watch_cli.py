"""`vigil watch` end to end, in a separate process as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("av")

from tests.cli.test_cli import vigil  # noqa: E402
from tests.video.live_helpers import clip_file  # noqa: E402
from vigil.services.config import load_settings  # noqa: E402
from vigil.services.verify import verify_case  # noqa: E402
from vigil.services.workspace import open_workspace  # noqa: E402


def test_watch_records_a_file_into_a_case_that_verifies(tmp_path: Path) -> None:
    clip = clip_file(tmp_path / "call.mp4", seconds=2.0)
    home = tmp_path / "home"
    result = vigil(home, "watch", str(clip), "--case", "call", "--no-realtime", "--segment", "1")
    assert result.returncode == 0, result.stderr
    assert "segment(s) recorded and chained in custody" in result.stdout
    with open_workspace(load_settings(home=home)) as ws:
        assert verify_case(ws, "call", record=False).ok
        assert len(ws.store.list_items(ws.store.get_case("call").id)) >= 3  # session + segments
