"""Helpers for ingest tests: a workspace with one case, and builders for the
archives and mail the tests feed it."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from vigil.domain.model import Case, Item, ItemWarning
from vigil.ingest import IngestLimits, IngestSummary
from vigil.services.cases import add_evidence, create_case
from vigil.services.config import load_settings
from vigil.services.verify import verify_case
from vigil.services.workspace import Workspace, open_workspace


@dataclass
class IngestEnv:
    """A workspace under `home`, one case, and a folder for seized files."""

    ws: Workspace
    case: Case
    home: Path
    evidence: Path

    def add(self, *paths: Path, limits: IngestLimits | None = None) -> IngestSummary:
        return add_evidence(self.ws, self.case.id, list(paths), "test", limits)

    def items(self) -> list[Item]:
        return self.ws.store.list_items(self.case.id)

    def warnings(self) -> list[ItemWarning]:
        return self.ws.store.list_warnings(self.case.id)

    def codes(self) -> list[str]:
        return [w.code for w in self.warnings()]

    def warnings_with(self, code: str) -> list[ItemWarning]:
        return [w for w in self.warnings() if w.code == code]

    def by_steps(self) -> dict[tuple[tuple[str, str], ...], Item]:
        """Items keyed by their locator chain as (kind, value) pairs."""
        return {steps_of(i): i for i in self.items()}

    def blob(self, item: Item) -> bytes:
        with self.ws.blobs.open(item.sha256) as stream:
            return stream.read()

    def assert_consistent(self) -> None:
        result = verify_case(self.ws, self.case.id, record=False)
        assert result.ok, result.problems
        for item in self.items():
            if item.parent_id is not None:
                parent = self.ws.store.get_item(item.parent_id)
                # the child's locator extends its parent's, down to the seized original
                assert item.locator.steps[: len(parent.locator.steps)] == parent.locator.steps
                assert len(item.locator.steps) == len(parent.locator.steps) + 1
            else:
                assert [s.kind for s in item.locator.steps] == ["path"]
        for warning in self.warnings():
            assert warning.code and warning.message
        assert list((self.home / "staging").iterdir()) == [], "a staging file was left behind"


def steps_of(item: Item | ItemWarning) -> tuple[tuple[str, str], ...]:
    return tuple((s.kind, s.value) for s in item.locator.steps)


def kinds_of(item: Item | ItemWarning) -> list[str]:
    return [s.kind for s in item.locator.steps]


def open_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> IngestEnv:
    if monkeypatch is not None:
        for name in ("VIGIL_DB", "VIGIL_HOME", "VIGIL_ACTOR"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    ws = open_workspace(load_settings(home=home, actor="tester"))
    case = create_case(ws, "ingest-test")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    return IngestEnv(ws=ws, case=case, home=home, evidence=evidence)


# -- builders -------------------------------------------------------------


def zip_bytes(
    members: Mapping[str, bytes] | Sequence[tuple[str, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    pairs = members.items() if isinstance(members, Mapping) else members
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in pairs:
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2020, 1, 2, 3, 4, 5)),
                data,
                compress_type=compression,
            )
    return buffer.getvalue()


def tar_bytes(members: Mapping[str, bytes] | Sequence[tuple[str, bytes]], mode: str = "w") -> bytes:
    pairs = members.items() if isinstance(members, Mapping) else members
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in pairs:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_600_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tree_snapshot(root: Path, exclude: Path | None = None) -> set[str]:
    """Every path under root (files, folders, links), minus `exclude`'s subtree."""
    found: set[str] = set()
    for path in root.rglob("*"):
        if exclude is not None and (path == exclude or exclude in path.parents):
            continue
        found.add(str(path.relative_to(root)))
    return found


def message_with_attachments() -> bytes:
    """A mail with a text body, two attachments and an attached message,
    the latter carrying an attachment of its own."""
    from email.message import EmailMessage

    inner = EmailMessage()
    inner["From"] = "carol@example.org"
    inner["To"] = "dave@example.org"
    inner["Subject"] = "forwarded"
    inner.set_content("inner body\n")
    inner.add_attachment(
        b"inner attachment bytes",
        maintype="application",
        subtype="octet-stream",
        filename="inner.bin",
    )

    outer = EmailMessage()
    outer["From"] = "alice@example.org"
    outer["To"] = "bob@example.org"
    outer["Subject"] = "two files and a message"
    outer["Date"] = "Mon, 02 Mar 2020 10:00:00 +0000"
    outer.set_content("see attached\n")
    outer.add_attachment(
        b"%PDF-1.4\n%fake pdf for the test\n",
        maintype="application",
        subtype="pdf",
        filename="report.pdf",
    )
    outer.add_attachment("plain notes\n", filename="notes.txt")
    outer.add_attachment(inner)
    return outer.as_bytes()
