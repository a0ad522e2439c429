"""build_report over the in-memory store: ordering, detectors, artefacts, JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vigil.custody import make_entry
from vigil.detectors.base import Registry, load_registry
from vigil.domain.model import (
    ArtefactRef,
    Case,
    Finding,
    FindingRecord,
    Item,
    ItemWarning,
    Locator,
    Provenance,
    Status,
)
from vigil.report import VerificationSummary, build_report, render_json
from vigil.store import AnalysisKey, BlobStore, InMemoryMetadataStore

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


class Fixture:
    def __init__(self, tmp_path: Path) -> None:
        self.store = InMemoryMetadataStore()
        self.blobs = BlobStore(tmp_path / "home")
        self.case = Case("case-1", "Case One", T0, "a test case")
        self.store.create_case(self.case, self._entry("case.created", "c" * 64))

    def _entry(self, action: str, sha: str):
        return make_entry(
            case_id=self.case.id, actor="tester", action=action, object_sha256=sha, clock=lambda: T0
        )

    def add_item(self, item_id: str, data: bytes, name: str, parent: Item | None = None) -> Item:
        blob = self.blobs.put_bytes(data)
        base = parent.locator if parent else Locator()
        kind = "archive_member" if parent else "path"
        item = Item(
            item_id,
            self.case.id,
            blob.sha256,
            blob.md5,
            blob.sha1,
            blob.size,
            "text/plain",
            name,
            "exhibit",
            T0,
            parent.id if parent else None,
            base.child(kind, name),
        )
        self.store.add_item(item, self._entry("item.added", blob.sha256))
        return item

    def record(
        self,
        item: Item,
        detector: str,
        version: str,
        findings: list[Finding],
        artefacts: tuple[ArtefactRef, ...] = (),
    ) -> None:
        prov = Provenance(
            detector,
            version,
            None,
            "d" * 64,
            "0.1.0",
            item.sha256,
            "run-1",
            T0,
            T0 + timedelta(seconds=1),
        )
        records = [
            FindingRecord(f"{item.id}-{detector}-{n}", self.case.id, item.id, f, prov, artefacts)
            for n, f in enumerate(findings)
        ]
        key = AnalysisKey(item.id, detector, version, "d" * 64)
        self.store.record_analysis(key, "run-1", records, self._entry("detector.run", item.sha256))

    def build(self, registry: Registry | None = None, verification=None) -> dict:
        return build_report(
            self.store, self.blobs, registry or Registry(), self.case, verification, now=T0
        )


@pytest.fixture
def fx(tmp_path: Path) -> Fixture:
    return Fixture(tmp_path)


def _mismatch(score: float) -> Finding:
    return Finding.scored("file.extension_mismatch", score, 0.5, "test finding")


def test_derived_items_follow_their_parent_with_depth(fx: Fixture):
    top_b = fx.add_item("b", b"second", "b.zip")
    fx.add_item("a", b"first", "a.txt")
    child = fx.add_item("b1", b"child", "inner.zip", top_b)
    fx.add_item("b11", b"grandchild", "deep.txt", child)
    evidence = fx.build()["evidence"]
    assert [(e["id"], e["depth"]) for e in evidence] == [("a", 0), ("b", 0), ("b1", 1), ("b11", 2)]
    assert evidence[3]["parent_name"] == "inner.zip"
    assert evidence[3]["locator"] == " > ".join(
        ["path=b.zip", "archive_member=inner.zip", "archive_member=deep.txt"]
    )


def test_findings_are_grouped_per_item_in_evidence_order(fx: Fixture):
    second = fx.add_item("z", b"zz", "z.txt")
    first = fx.add_item("a", b"aa", "a.txt")
    fx.record(second, "zeta", "1.0.0", [_mismatch(1.0)])
    fx.record(first, "zeta", "1.0.0", [_mismatch(0.0)])
    fx.record(
        first,
        "alpha",
        "2.1.0",
        [Finding.problem("file.extension_mismatch", Status.UNREADABLE, "cannot read")],
    )
    report = fx.build()
    assert [g["item_id"] for g in report["findings"]] == ["a", "z"]
    assert [f["provenance"]["detector"] for f in report["findings"][0]["findings"]] == [
        "alpha",
        "zeta",
    ]
    assert report["counts"]["findings_by_verdict"] == {
        "positive": 1,
        "negative": 1,
        "inconclusive": 1,
    }
    assert report["counts"]["findings_by_status"] == {"ok": 2, "unreadable": 1}
    problem = report["findings"][0]["findings"][0]
    assert problem["score"] is None and problem["status"] == "unreadable"


def test_detectors_no_longer_installed_are_listed_by_name_and_version(fx: Fixture):
    item = fx.add_item("a", b"aa", "a.txt")
    fx.record(item, "file_type_mismatch", "1.0.0", [_mismatch(1.0)])
    fx.record(item, "retired_detector", "0.3.1", [_mismatch(0.0)])
    detectors = fx.build(load_registry())["detectors"]
    assert [(d["name"], d["version"]) for d in detectors] == [
        ("file_type_mismatch", "1.0.0"),
        ("retired_detector", "0.3.1"),
    ]
    installed, retired = detectors
    assert installed["availability"] == "installed"
    assert installed["model_card"].startswith("# Model card: file_type_mismatch")
    assert retired["availability"] == "not installed"
    assert retired["model_card"] is None and retired["model_sha256"] is None


def test_artefacts_carry_hash_name_type_and_size(fx: Fixture):
    item = fx.add_item("a", b"aa", "a.txt")
    stored = fx.blobs.put_bytes(PNG)
    missing = ArtefactRef("f" * 64, "gone.png", "image/png")
    fx.record(
        item,
        "zeta",
        "1.0.0",
        [_mismatch(1.0)],
        (ArtefactRef(stored.sha256, "heatmap.png", "image/png"), missing),
    )
    (finding,) = fx.build()["findings"][0]["findings"]
    assert finding["artefacts"] == [
        {
            "sha256": stored.sha256,
            "name": "heatmap.png",
            "media_type": "image/png",
            "size": len(PNG),
        },
        {"sha256": "f" * 64, "name": "gone.png", "media_type": "image/png", "size": None},
    ]


def test_warnings_and_verification_are_reported(fx: Fixture):
    item = fx.add_item("a", b"aa", "a.zip")
    fx.store.add_warning(
        ItemWarning(
            fx.case.id,
            "path_traversal",
            "member climbs out",
            T0,
            item.id,
            item.locator.child("archive_member", "../x"),
        )
    )
    fx.store.add_warning(
        ItemWarning(
            fx.case.id, "unreadable_path", "cannot read", T0 - timedelta(1), path="/seized/locked"
        )
    )
    summary = VerificationSummary(
        ok=False, blobs_checked=3, custody_entries=4, problems=["custody entry #2: content altered"]
    )
    report = fx.build(verification=summary)
    assert [w["code"] for w in report["warnings"]] == ["unreadable_path", "path_traversal"]
    assert report["warnings"][1]["item_name"] == "a.zip"
    assert report["warnings"][1]["locator_steps"][-1] == {"kind": "archive_member", "value": "../x"}
    assert report["warnings"][0]["path"] == "/seized/locked"
    assert report["verification"] == {
        "ok": False,
        "blobs_checked": 3,
        "custody_entries": 4,
        "problems": ["custody entry #2: content altered"],
    }


def test_custody_log_is_complete_and_json_is_deterministic(fx: Fixture):
    item = fx.add_item("a", "ünïcode name".encode(), "ünïcode.txt")
    fx.record(item, "zeta", "1.0.0", [_mismatch(1.0)])
    first, second = render_json(fx.build()), render_json(fx.build())
    assert first == second
    report = json.loads(first)
    assert "ünïcode.txt" in first  # ensure_ascii is off
    assert [e["action"] for e in report["custody"]] == [
        "case.created",
        "item.added",
        "detector.run",
    ]
    entries = fx.store.list_custody(fx.case.id)
    assert [e["entry_hash"] for e in report["custody"]] == [e.entry_hash for e in entries]
    assert (
        report["custody"][1]["object_sha256"] == hashlib.sha256("ünïcode name".encode()).hexdigest()
    )
    assert report["generated_at"] == T0.isoformat()
    assert first.endswith("}\n") and list(report) == sorted(report)
