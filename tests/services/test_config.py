from __future__ import annotations

from pathlib import Path

import pytest

from vigil.services.config import load_settings


def test_flag_beats_env_beats_file_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "vigil.toml").write_text('actor = "from-file"\nworkers = 3\ndb = "sqlite:///f.db"\n')
    monkeypatch.setenv("VIGIL_HOME", str(home))
    monkeypatch.setenv("VIGIL_WORKERS", "5")
    settings = load_settings(actor="from-flag")
    assert settings.actor_name == "from-flag"
    assert settings.workers == 5
    assert settings.db_url == "sqlite:///f.db"
    monkeypatch.delenv("VIGIL_HOME")
    default = load_settings(home=tmp_path / "elsewhere")
    assert default.db_url.endswith("elsewhere/vigil.db") and default.workers == 5
