"""Case reports: verify, build, render, write, and log the written file to custody."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from vigil.custody import make_entry
from vigil.domain.errors import StoreError, UsageError
from vigil.domain.model import Case, JsonValue
from vigil.report import VerificationSummary, build_report, render_html, render_json
from vigil.services.verify import VerifyResult, verify_case
from vigil.services.workspace import Workspace

__all__ = ["REPORT_FORMATS", "report_dict", "write_report"]

REPORT_FORMATS = ("html", "json")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def write_report(ws: Workspace, case_ref: str, fmt: str, out: Path | None = None) -> Path:
    """Verify the case, write its report as `fmt` to `out` (a file or a folder;
    default `<home>/reports/`) and log the file's SHA-256 to custody."""
    fmt = fmt.lower()
    if fmt not in REPORT_FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; use one of {', '.join(REPORT_FORMATS)}")
    case = ws.store.get_case(case_ref)
    verification = _summary(verify_case(ws, case.id))
    report = build_report(ws.store, ws.blobs, ws.registry, case, verification)
    text = render_html(report, ws.blobs) if fmt == "html" else render_json(report)
    data = text.encode("utf-8")
    path = _target(ws, case, fmt, out)
    _write_atomically(path, data)
    ws.store.append_custody(
        case.id,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action="report.generated",
            object_sha256=hashlib.sha256(data).hexdigest(),
            details={"format": fmt, "path": str(path), "verified_ok": verification.ok},
        ),
    )
    return path


def report_dict(ws: Workspace, case_ref: str) -> dict[str, JsonValue]:
    """The report's data without verifying (nothing is written or logged)."""
    case = ws.store.get_case(case_ref)
    return build_report(ws.store, ws.blobs, ws.registry, case, None)


def _summary(result: VerifyResult) -> VerificationSummary:
    return VerificationSummary(
        ok=result.ok,
        blobs_checked=result.blobs_checked,
        custody_entries=result.custody_entries,
        problems=list(result.problems),
    )


def _file_stem(name: str) -> str:
    """A case name made safe for a file name: ASCII letters, digits, '.', '_', '-'."""
    return _UNSAFE.sub("_", name).strip("._-")[:80] or "case"


def _target(ws: Workspace, case: Case, fmt: str, out: Path | None) -> Path:
    if out is not None and not out.is_dir():
        return out.resolve()
    folder = out if out is not None else ws.settings.home / "reports"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = f"{_file_stem(case.name)}-{stamp}"
    path = folder / f"{stem}.{fmt}"
    counter = 2
    while path.exists():  # two reports within one second
        path = folder / f"{stem}-{counter}.{fmt}"
        counter += 1
    return path.resolve()


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise StoreError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(staging, path)
    except OSError as exc:
        Path(staging).unlink(missing_ok=True)
        raise StoreError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc
