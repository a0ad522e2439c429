"""The `vigil` command end to end, as a user runs it (separate processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.services.demo import pe_stub, png_bytes


def vigil(
    home: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from vigil.cli.main import run; run()", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(pe_stub())
    (folder / "picture.png").write_bytes(png_bytes())
    return folder


def test_check_json_prints_one_object_per_file(tmp_path: Path, evidence: Path) -> None:
    result = vigil(
        tmp_path / "home",
        "check",
        str(evidence / "holiday.jpg"),
        str(evidence / "picture.png"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(obj["path"]).name for obj in lines] == ["holiday.jpg", "picture.png"]
    disguised = lines[0]
    assert len(disguised["sha256"]) == 64
    verdicts = {(f["label"], f["verdict"]) for f in disguised["findings"]}
    assert ("file.executable_disguised", "positive") in verdicts
    assert ("file.extension_mismatch", "positive") in verdicts
    for finding in disguised["findings"]:
        assert {"detector", "version", "label", "score", "verdict", "explanation"} <= finding.keys()
    assert ("file.extension_mismatch", "negative") in {
        (f["label"], f["verdict"]) for f in lines[1]["findings"]
    }
    # a member of the public's quick check leaves no workspace behind
    assert not (tmp_path / "home").exists()


def test_check_reports_unreadable_path_without_crashing(tmp_path: Path) -> None:
    result = vigil(tmp_path / "home", "check", str(tmp_path / "missing.bin"), "--json")
    assert result.returncode == 0, result.stderr
    [obj] = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["warnings"][0]["code"] == "unreadable_path"


def test_case_workflow_and_exit_codes(tmp_path: Path, evidence: Path) -> None:
    home = tmp_path / "home"
    assert vigil(home, "case", "new", "op-lantern").returncode == 0
    assert vigil(home, "case", "new", "op-lantern").returncode == 2  # usage: duplicate name
    assert vigil(home, "case", "show", "no-such-case").returncode == 3  # not found
    added = vigil(home, "add", "op-lantern", str(evidence), "--source", "seized laptop")
    assert added.returncode == 0 and "Added 2 files" in added.stdout
    assert vigil(home, "analyze", "op-lantern", "--workers", "2").returncode == 0
    listed = vigil(home, "findings", "op-lantern", "--json")
    rows = json.loads(listed.stdout)
    assert {"file_type_mismatch", "hashset_match"} <= {r["detector"] for r in rows}
    assert vigil(home, "analyze", "op-lantern", "-d", "nope").returncode == 3
    assert vigil(home, "analyze", "op-lantern", "-o", "bad").returncode == 2
    assert vigil(home, "verify", "op-lantern").returncode == 0
    report = vigil(home, "report", "op-lantern", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert report.returncode == 0, report.stderr
    assert json.loads((tmp_path / "r.json").read_text())["case"]["name"] == "op-lantern"


def test_hashset_import_then_match(tmp_path: Path, evidence: Path) -> None:
    home = tmp_path / "home"
    import hashlib

    bad = hashlib.md5((evidence / "picture.png").read_bytes()).hexdigest()
    listing = tmp_path / "bad.md5"
    listing.write_text(f"{bad}  picture.png\n")
    imported = vigil(home, "hashset", "import", "unit-bad", str(listing), "--source", "unit test")
    assert imported.returncode == 0 and "Imported 1" in imported.stdout
    result = vigil(home, "check", str(evidence / "picture.png"), "--json")
    findings = json.loads(result.stdout)["findings"]
    hit = next(
        f for f in findings if f["label"] == "hashset.known_bad" and f["verdict"] == "positive"
    )
    assert hit["details"]["set"] == "unit-bad" and hit["details"]["algorithm"] == "md5"


def test_detectors_lists_builtins(tmp_path: Path) -> None:
    result = vigil(tmp_path / "home", "detectors")
    assert result.returncode == 0
    assert "file_type_mismatch" in result.stdout and "hashset_match" in result.stdout
    onnx_row = next(line for line in result.stdout.splitlines() if "image_synthetic_onnx" in line)
    assert "not configured" in onnx_row


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = vigil(tmp_path / "home", "demo")
    assert result.returncode == 0, result.stderr
    html = next((tmp_path / "home" / "reports").glob("*.html"))
    assert "holiday_photo.jpg" in html.read_text()
    assert "positive" in result.stdout


def test_train_dispatches_to_the_named_trainer(tmp_path: Path) -> None:
    listed = vigil(tmp_path / "home", "train", "speaker", "--", "--help")
    assert listed.returncode == 0 and "--data" in listed.stdout
    assert vigil(tmp_path / "home", "train", "no-such-model").returncode == 2
