"""Custody: altering one stored blob byte or one log entry makes verify fail and name it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.runner import InlineBackend
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.verify import verify_case
from vigil.services.workspace import Workspace


def _case_with_evidence(ws: Workspace, tmp_path: Path) -> str:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "letter.txt").write_text("Dear customer, your account is locked.\n")
    (evidence / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    create_case(ws, "tamper")
    add_evidence(ws, "tamper", [evidence])
    return "tamper"


def _sql(ws: Workspace, statement: str) -> None:
    engine = create_engine(ws.settings.db_url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_untouched_case_verifies(
    workspace: Workspace, tmp_path: Path, inline: InlineBackend
) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    analyze_case(workspace, case, backend=inline)
    result = verify_case(workspace, case)
    assert result.ok, result.problems
    assert result.blobs_checked == 2
    # the verify itself is logged, and the next verify covers that entry too
    assert (
        workspace.store.list_custody(workspace.store.get_case(case).id)[-1].action
        == "case.verified"
    )
    assert verify_case(workspace, case).ok


def test_one_altered_blob_byte_is_named(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    item = next(
        i
        for i in workspace.store.list_items(workspace.store.get_case(case).id)
        if i.name == "letter.txt"
    )
    blob = workspace.blobs.path_of(item.sha256)
    os.chmod(blob, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(blob.read_bytes())
    data[5] ^= 0x01
    blob.write_bytes(bytes(data))
    result = verify_case(workspace, case)
    assert not result.ok
    assert len(result.problems) == 1
    assert "letter.txt" in result.problems[0] and "blob altered" in result.problems[0]


def test_missing_blob_is_named(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    item = workspace.store.list_items(workspace.store.get_case(case).id)[0]
    workspace.blobs.path_of(item.sha256).unlink()
    [problem] = verify_case(workspace, case).problems
    assert "missing" in problem and item.name in problem


def test_one_altered_custody_entry_is_named(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    _sql(workspace, "UPDATE custody_entries SET actor = 'mallory' WHERE seq = 2")
    problems = verify_case(workspace, case).problems
    assert problems == [
        "custody entry #2: content altered (item.added, "
        + workspace.store.list_custody(workspace.store.get_case(case).id)[1].at.isoformat()
        + ")"
    ]


def test_deleted_and_truncated_custody_entries_are_caught(
    workspace: Workspace, tmp_path: Path
) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    _sql(workspace, "DELETE FROM custody_entries WHERE seq = 2")
    problems = verify_case(workspace, case, record=False).problems
    assert any("#3" in p and "out of sequence" in p for p in problems)
    assert any("#3" in p and "link to the previous entry is broken" in p for p in problems)
    assert any("has no custody entry" in p for p in problems)


def test_cut_off_tail_is_caught(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    _sql(workspace, "DELETE FROM custody_entries WHERE seq = 3")
    problems = verify_case(workspace, case, record=False).problems
    assert any("log ends at #2 but its head is #3" in p for p in problems)


def test_item_hash_rewritten_in_database_is_caught(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    item = workspace.store.list_items(workspace.store.get_case(case).id)[0]
    _sql(workspace, f"UPDATE items SET sha256 = '{'f' * 64}' WHERE id = '{item.id}'")
    problems = verify_case(workspace, case, record=False).problems
    assert any("is missing" in p for p in problems)
    assert any("differs from its custody entry" in p for p in problems)


def test_cli_verify_exits_4_and_names_the_alteration(workspace: Workspace, tmp_path: Path) -> None:
    case = _case_with_evidence(workspace, tmp_path)
    _sql(workspace, "UPDATE custody_entries SET details = '{}' WHERE seq = 3")
    result = CliRunner().invoke(
        app, ["--home", str(workspace.settings.home), "verify", case], standalone_mode=False
    )
    assert isinstance(result.exception, Exception)
    assert getattr(result.exception, "exit_code", None) == 4
    assert "custody entry #3: content altered" in result.output
