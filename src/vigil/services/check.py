"""Case-less quick check: ingest files into a scratch store, run every
available detector in-process, and describe each input file. Nothing is
written to the user's workspace; hash sets are read from it if it exists."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vigil import __version__
from vigil.detectors.base import DetectorServices, Registry, load_registry
from vigil.domain.model import FindingRecord, Item, ItemWarning
from vigil.runner import InlineBackend
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.config import Settings
from vigil.services.workspace import Workspace, bank_matcher
from vigil.store import BlobStore, InMemoryMetadataStore, SqlMetadataStore

__all__ = ["check_paths"]

JsonDict = dict[str, object]


@dataclass(frozen=True, slots=True)
class _FixedServices:
    services: DetectorServices

    def __call__(self) -> DetectorServices:
        return self.services


def check_paths(
    settings: Settings, paths: Sequence[Path], registry: Registry | None = None
) -> list[JsonDict]:
    """One JSON-ready dict per input file (folders are walked)."""
    registry = registry or load_registry()
    hash_store = _existing_hash_store(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="vigil-check-") as scratch:
            ws = Workspace(
                settings=settings,
                store=InMemoryMetadataStore(),
                blobs=BlobStore(Path(scratch)),
                registry=registry,
                services_factory=None,
            )
            case = create_case(ws, "check")
            add_evidence(ws, case.id, paths, source="vigil check")
            banks = bank_matcher(hash_store, None) if hash_store is not None else None
            services = DetectorServices(hash_sets=hash_store, banks=banks)
            backend = InlineBackend(registry, _FixedServices(services))
            analyze_case(ws, case.id, backend=backend)
            return _describe(ws, case.id)
    finally:
        if hash_store is not None:
            hash_store.close()


def _existing_hash_store(settings: Settings) -> SqlMetadataStore | None:
    """The user's hash sets, without creating a database where none is."""
    if settings.db:
        return SqlMetadataStore(settings.db)
    if (settings.home / "vigil.db").is_file():
        return SqlMetadataStore(settings.db_url)
    return None


def _describe(ws: Workspace, case_id: str) -> list[JsonDict]:
    items = ws.store.list_items(case_id)
    findings: dict[str, list[FindingRecord]] = {}
    for record in ws.store.list_findings(case_id):
        findings.setdefault(record.item_id, []).append(record)
    warnings = ws.store.list_warnings(case_id)
    children: dict[str | None, list[Item]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    described = [
        _item_json(i, children, findings, warnings, top=True) for i in children.get(None, [])
    ]
    # paths that could not be read at all still get an entry
    for warning in warnings:
        if warning.item_id is None:
            described.append(
                {
                    "path": warning.path,
                    "sha256": None,
                    "findings": [],
                    "warnings": [_warning_json(warning)],
                    "vigil_version": __version__,
                }
            )
    return described


def _item_json(
    item: Item,
    children: dict[str | None, list[Item]],
    findings: dict[str, list[FindingRecord]],
    warnings: list[ItemWarning],
    top: bool = False,
) -> JsonDict:
    described: JsonDict = {
        "path" if top else "name": item.source_path if top else item.name,
        "sha256": item.sha256,
        "md5": item.md5,
        "size": item.size,
        "media_type": item.media_type,
        "locator": str(item.locator),
        "findings": [_finding_json(r) for r in findings.get(item.id, [])],
        "warnings": [_warning_json(w) for w in warnings if w.item_id == item.id],
    }
    derived = [_item_json(c, children, findings, warnings) for c in children.get(item.id, [])]
    if derived:
        described["derived"] = derived
    if item.media_type.startswith("video/"):
        described["video"] = _video_summary(item, children.get(item.id, []), findings)
    if top:
        described["vigil_version"] = __version__
    return described


def _video_summary(
    item: Item, derived: list[Item], findings: dict[str, list[FindingRecord]]
) -> JsonDict:
    """The answers a video check is for, gathered from the findings above: the
    clip verdict and per-track timelines (video_deepfake), and the voice verdict
    of its audio track (voice_spoof on the derived audio item)."""
    own = findings.get(item.id, [])
    clip = [r for r in own if r.provenance.detector == "video_deepfake"]
    whole = [r for r in clip if _covers_item(r, item)]
    tracks = [r for r in clip if not _covers_item(r, item) and "track" in r.finding.details]
    audio = next((c for c in derived if c.media_type.startswith("audio/")), None)
    voice_source = audio if audio is not None else item
    voice = [
        r
        for r in findings.get(voice_source.id, [])
        if r.provenance.detector == "voice_spoof" and _covers_item(r, voice_source)
    ]
    return {
        "clip": _verdict_json(whole[0]) if whole else None,
        "tracks": [
            {**_verdict_json(r), "timeline": r.finding.details.get("timeline", [])} for r in tracks
        ],
        "voice": ({**_verdict_json(voice[0]), "audio_item": voice_source.name} if voice else None),
    }


def _covers_item(record: FindingRecord, item: Item) -> bool:
    """A finding about the whole item, not a part of it (a track, a segment)."""
    steps = record.finding.locator.steps
    return not steps or steps == item.locator.steps


def _verdict_json(record: FindingRecord) -> JsonDict:
    finding = record.finding
    return {
        "verdict": finding.verdict.value,
        "score": finding.score,
        "threshold": finding.threshold,
        "status": finding.status.value,
        "explanation": finding.explanation,
        "locator": str(finding.locator),
    }


def _finding_json(record: FindingRecord) -> JsonDict:
    finding, prov = record.finding, record.provenance
    return {
        "detector": prov.detector,
        "version": prov.detector_version,
        "model_sha256": prov.model_sha256,
        "label": finding.label,
        "score": finding.score,
        "threshold": finding.threshold,
        "verdict": finding.verdict.value,
        "status": finding.status.value,
        "explanation": finding.explanation,
        "locator": str(finding.locator),
        "details": dict(finding.details),
        "indicators": [
            {"kind": i.kind, "value": i.value, "raw": i.raw} for i in finding.indicators
        ],
    }


def _warning_json(warning: ItemWarning) -> JsonDict:
    return {"code": warning.code, "message": warning.message, "locator": str(warning.locator)}
