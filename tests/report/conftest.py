"""A real workspace (SQLite + blob store in tmp_path) with an analysed case."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from vigil.domain.model import Case, Item
from vigil.runner import InlineBackend
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.workspace import Workspace

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 108


@dataclass
class AnalysedCase:
    HOSTILE_MEMBER: ClassVar[str] = "<script>alert(1)</script>.txt"
    HOSTILE_FILE: ClassVar[str] = "<img src=x onerror=alert(1)>.txt"

    ws: Workspace
    case: Case
    evidence: Path

    def item(self, name: str) -> Item:
        (found,) = [i for i in self.ws.store.list_items(self.case.id) if i.name == name]
        return found


def _write_evidence(folder: Path) -> Path:
    folder.mkdir()
    (folder / "notes.txt").write_text("meeting at the docks, 22:00\n", encoding="utf-8")
    (folder / "holiday.jpg").write_bytes(ELF)
    (folder / AnalysedCase.HOSTILE_FILE).write_text("hostile name\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as archive:
        archive.writestr(AnalysedCase.HOSTILE_MEMBER, "a member with a hostile name\n")
        archive.writestr("docs/readme.txt", "plain member\n")
    return folder


@pytest.fixture
def analysed(workspace: Workspace, inline: InlineBackend, tmp_path: Path) -> AnalysedCase:
    """`workspace` and `inline` come from tests/conftest.py."""
    evidence = _write_evidence(tmp_path / "seized")
    case = create_case(workspace, "Operation <Harbour>/../x", 'dock "smuggling" & <b>fraud</b>')
    add_evidence(workspace, case.id, [evidence], source="USB stick exhibit 7")
    analyze_case(
        workspace,
        case.id,
        detectors=["file_type_mismatch"],
        backend=inline,
    )
    return AnalysedCase(workspace, case, evidence)
