"""write_report end to end: real workspace, real detectors, HTML and JSON."""

from __future__ import annotations

import hashlib
import html
import json
import os
import stat
from itertools import pairwise
from pathlib import Path

import pytest

from vigil.detectors.base import DetectorOptions, options_digest
from vigil.detectors.file.type_mismatch import FileTypeMismatchDetector
from vigil.domain.errors import UsageError
from vigil.report import REPORT_SCHEMA_VERSION
from vigil.services.report import report_dict, write_report


def _json_report(analysed) -> dict:
    path = write_report(analysed.ws, analysed.case.id, "json", None)
    return json.loads(path.read_text(encoding="utf-8"))


def _findings_of(report: dict, item_id: str) -> list[dict]:
    (group,) = [g for g in report["findings"] if g["item_id"] == item_id]
    return group["findings"]


def test_json_report_lists_every_item_with_hashes_and_derivation(analysed):
    report = _json_report(analysed)
    items = analysed.ws.store.list_items(analysed.case.id)
    assert report["schema_version"] == REPORT_SCHEMA_VERSION
    assert report["case"]["name"] == analysed.case.name
    assert report["counts"]["items"] == len(items) == 6
    by_id = {e["id"]: e for e in report["evidence"]}
    for item in items:
        entry = by_id[item.id]
        assert (entry["sha256"], entry["md5"], entry["sha1"]) == (item.sha256, item.md5, item.sha1)
        assert entry["locator"] == str(item.locator)
        assert entry["locator_steps"] == item.locator.to_json()
    member = analysed.item("readme.txt")
    assert by_id[member.id]["depth"] == 1
    assert by_id[member.id]["parent_id"] == analysed.item("bundle.zip").id
    names = [e["name"] for e in report["evidence"]]
    # seized items by locator, each followed by what was derived from it
    assert names == [
        analysed.HOSTILE_FILE,
        "bundle.zip",
        "script>.txt",
        "readme.txt",
        "holiday.jpg",
        "notes.txt",
    ]


def test_json_report_has_the_positive_mismatch_with_provenance(analysed):
    report = _json_report(analysed)
    disguised = analysed.item("holiday.jpg")
    findings = _findings_of(report, disguised.id)
    (mismatch,) = [f for f in findings if f["label"] == "file.extension_mismatch"]
    assert mismatch["verdict"] == "positive"
    assert mismatch["score"] == 1.0 and mismatch["threshold"] == 0.5
    assert mismatch["status"] == "ok"
    assert "holiday.jpg" in mismatch["explanation"]
    prov = mismatch["provenance"]
    assert prov["detector"] == "file_type_mismatch"
    assert prov["detector_version"] == FileTypeMismatchDetector.version
    assert prov["input_sha256"] == disguised.sha256
    assert prov["options_digest"] == options_digest(DetectorOptions())
    assert prov["model_sha256"] is None
    assert prov["run_id"] and prov["started_at"] <= prov["finished_at"]
    assert report["counts"]["findings_by_verdict"]["positive"] >= 2


def test_json_report_has_custody_log_detectors_and_verification(analysed):
    report = _json_report(analysed)
    assert report["verification"]["ok"] is True
    assert report["verification"]["problems"] == []
    assert report["verification"]["blobs_checked"] >= 6
    custody = report["custody"]
    assert [e["seq"] for e in custody] == list(range(1, len(custody) + 1))
    actions = [e["action"] for e in custody]
    assert actions[0] == "case.created" and actions[-1] == "case.verified"
    assert {"item.added", "item.derived", "detector.run", "analysis.finished"} <= set(actions)
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in pairwise(custody))
    (detector,) = report["detectors"]
    assert detector["name"] == "file_type_mismatch"
    assert detector["availability"] == "installed"
    assert detector["model_card"] == FileTypeMismatchDetector.model_card_text()


def test_report_generated_entry_holds_the_file_hash(analysed):
    for fmt in ("html", "json"):
        path = write_report(analysed.ws, analysed.case.id, fmt, None)
        last = analysed.ws.store.list_custody(analysed.case.id)[-1]
        assert last.action == "report.generated"
        assert last.object_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert last.details["format"] == fmt
        assert last.details["path"] == str(path)
        assert last.details["verified_ok"] is True


def test_html_report_shows_hashes_model_card_and_green_banner(analysed):
    page = write_report(analysed.ws, analysed.case.id, "html", None).read_text(encoding="utf-8")
    for item in analysed.ws.store.list_items(analysed.case.id):
        assert item.sha256 in page and item.md5 in page and item.sha1 in page
    assert 'class="banner banner-ok"' in page and 'class="banner banner-failed"' not in page
    heading = FileTypeMismatchDetector.model_card_text().splitlines()[0].lstrip("# ")
    assert heading in page
    assert "<em>File Type / Extension Mismatch</em>" in page
    assert 'class="badge badge-positive"' in page
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page


def test_html_report_escapes_hostile_names(analysed):
    page = write_report(analysed.ws, analysed.case.id, "html", None).read_text(encoding="utf-8")
    assert analysed.HOSTILE_MEMBER not in page
    assert analysed.HOSTILE_FILE not in page
    assert "<b>fraud</b>" not in page and "Operation <Harbour>" not in page
    assert html.escape(analysed.HOSTILE_FILE, quote=False) in page
    assert html.escape(analysed.HOSTILE_MEMBER, quote=False) in page  # in the member's locator
    assert "Operation &lt;Harbour&gt;" in page


def test_default_path_is_under_home_reports_with_a_safe_name(analysed):
    path = write_report(analysed.ws, analysed.case.id, "json", None)
    assert path.parent == (analysed.ws.settings.home / "reports").resolve()
    assert path.name.startswith("Operation_Harbour_.._x-") and path.suffix == ".json"
    assert "/" not in path.name and "<" not in path.name
    second = write_report(analysed.ws, analysed.case.id, "json", None)
    assert second != path and path.exists() and second.exists()


def test_out_may_be_a_file_or_a_folder(analysed, tmp_path: Path):
    target = tmp_path / "out" / "case.html"
    assert write_report(analysed.ws, analysed.case.name, "HTML", target) == target.resolve()
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    folder = tmp_path / "folder"
    folder.mkdir()
    inside = write_report(analysed.ws, analysed.case.id, "json", folder)
    assert inside.parent == folder.resolve()


def test_unknown_format_is_a_usage_error_and_logs_nothing(analysed):
    before = len(analysed.ws.store.list_custody(analysed.case.id))
    with pytest.raises(UsageError):
        write_report(analysed.ws, analysed.case.id, "pdf", None)
    assert len(analysed.ws.store.list_custody(analysed.case.id)) == before


def test_report_dict_does_not_verify_or_log(analysed):
    before = len(analysed.ws.store.list_custody(analysed.case.id))
    report = report_dict(analysed.ws, analysed.case.id)
    assert report["verification"] is None
    assert report["counts"]["items"] == 6
    assert len(analysed.ws.store.list_custody(analysed.case.id)) == before


def test_tampered_blob_turns_the_banner_red_and_names_the_item(analysed):
    victim = analysed.item("holiday.jpg")
    blob = analysed.ws.blobs.path_of(victim.sha256)
    os.chmod(blob, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0xFF
    blob.write_bytes(bytes(data))
    page = write_report(analysed.ws, analysed.case.id, "html", None).read_text(encoding="utf-8")
    assert 'class="banner banner-failed"' in page and 'class="banner banner-ok"' not in page
    start = page.index('class="banner banner-failed"')
    banner = page[start : page.index("</div>", start)]
    assert "holiday.jpg" in banner and victim.id in banner and "altered" in banner
    last = analysed.ws.store.list_custody(analysed.case.id)[-1]
    assert last.action == "report.generated" and last.details["verified_ok"] is False
    report = _json_report(analysed)
    assert report["verification"]["ok"] is False
    assert any(victim.id in p for p in report["verification"]["problems"])
