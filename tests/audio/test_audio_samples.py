"""The demo voice notes: made offline with espeak-ng, labelled synthetic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vigil.audio.samples import VOICE_NOTES, write_demo_voice_notes


def test_without_espeak_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert write_demo_voice_notes(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_demo_notes_are_written_and_decodable(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from vigil.audio import AudioReader

    written = write_demo_voice_notes(tmp_path)
    assert {p.stem for p in written} == set(VOICE_NOTES)
    assert all("SYNTHETIC" in p.stem or "synthetic" in p.stem for p in written)
    assert "no real person" in (tmp_path / "voice_notes_README.txt").read_text()
    for path in written:
        with path.open("rb") as stream:
            reader = AudioReader(stream)
            seconds = sum(b.size for b in reader.blocks()) / 16_000
        assert reader.problem is None and seconds > 3.0
