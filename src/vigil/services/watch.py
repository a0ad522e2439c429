"""`vigil watch`: a live check of a video source that becomes evidence.

A session is one item in the case: a small JSON record of what was watched,
from when, with which settings (`item.added`). What came in is recorded as
it arrives: each Matroska segment (`vigil.video.segments`, packets remuxed,
not re-encoded) goes into the write-once blob store as a child item with a
`time_span` locator, its SHA-256 chained into the custody log (`item.derived`,
details `watch: segment`). Frames are analysed by the `video_deepfake`
detector's `ClipAnalyser`, newest frame first (`vigil.video.live`). At the end
the live verdict timeline (one rolling verdict every half window) and the
whole-session verdict are stored as findings of that detector on the session
item, and a `watch.finished` custody entry records the counts, lag and
warnings; `vigil verify` then checks every segment like any other item.

Without the `video_deepfake` detector (extras missing) the session still
records and says it analysed nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from vigil import __version__
from vigil.custody import make_entry
from vigil.detectors.base import Detector, options_digest
from vigil.domain.errors import NotFoundError
from vigil.domain.model import (
    Case,
    Finding,
    FindingRecord,
    Item,
    ItemWarning,
    JsonValue,
    Locator,
    Status,
    Verdict,
)
from vigil.runner import DetectorRun, record_detector_run
from vigil.services.cases import create_case
from vigil.services.workspace import Workspace
from vigil.video.live import (
    Event,
    LivePipeline,
    LiveSource,
    PipelineSettings,
    SourceKind,
    parse_source,
)
from vigil.video.segments import ClosedSegment

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vigil.video.analysis import ClipSummary, RollingVerdict

__all__ = ["LiveAnalyser", "WatchOptions", "WatchResult", "WatchStatus", "watch"]

log = logging.getLogger(__name__)

DETECTOR = "video_deepfake"
_LABEL = "video.deepfake"


class LiveAnalyser(Protocol):
    """What `vigil.video.analysis.ClipAnalyser` offers a live session."""

    def add_frame(self, t: float, rgb: NDArray[np.uint8]) -> object: ...
    def rolling_verdict(self, window_s: float) -> RollingVerdict: ...
    def summary(self) -> ClipSummary: ...


@dataclass(frozen=True, slots=True)
class WatchOptions:
    realtime: bool = True
    """Play a file at its own speed, dropping frames analysis cannot keep up
    with; False analyses a file's samples as fast as possible, none dropped.
    Live sources are always real time."""
    segment_s: float = 10.0
    window_s: float = 10.0
    """The rolling verdict covers this much recent media time."""
    every_s: float | None = None
    """At most one analysed frame per this much media time; None: the
    detector's own sampling interval."""
    max_side: int | None = None
    """Frames are shrunk to this long side for analysis; None: the detector's."""
    max_seconds: float | None = None
    """Stop after this much media time (None: until the source ends or Ctrl-C)."""
    io_timeout_s: float = 10.0
    """A network source or device silent for this long has died."""


@dataclass(slots=True)
class WatchStatus:
    """What the terminal shows, refreshed about once a second."""

    source: str
    case_name: str
    stats: Mapping[str, float | int | None]
    verdict: RollingVerdict | None
    segments: int
    warnings: Sequence[str]
    analysing: bool


@dataclass(frozen=True, slots=True)
class WatchResult:
    case_id: str
    case_name: str
    session_item_id: str
    segments: int
    stats: Mapping[str, float | int | None]
    verdict: str
    score: float | None
    findings: int
    warnings: tuple[str, ...]


@dataclass(slots=True)
class _Verdicts:
    """Runs on the analyser thread: feeds the analyser, keeps the latest rolling
    verdict (for the screen) and one every `step_s` of media time (the timeline)."""

    analyser: LiveAnalyser
    window_s: float
    step_s: float
    latest: RollingVerdict | None = None
    timeline: list[RollingVerdict] = field(default_factory=list)
    _next_latest: float = 0.0
    _next_step: float = 0.0

    def __call__(self, t: float, rgb: NDArray[np.uint8]) -> None:
        self.analyser.add_frame(t, rgb)
        if t >= self._next_latest:
            self.latest = self.analyser.rolling_verdict(self.window_s)
            self._next_latest = t + 1.0
            if t >= self._next_step and t > 0:
                self.timeline.append(self.latest)
                self._next_step = t + self.step_s


@dataclass(frozen=True, slots=True)
class _Detector:
    cls: type[Detector]
    digest: str
    every_s: float
    max_side: int
    analyser_factory: Callable[[], LiveAnalyser]


def watch(
    ws: Workspace,
    source_spec: str,
    case_name: str | None = None,
    options: WatchOptions | None = None,
    on_status: Callable[[WatchStatus], None] | None = None,
    stop: threading.Event | None = None,
    analyser_factory: Callable[[], LiveAnalyser] | None = None,
) -> WatchResult:
    """Watch until the source ends, `max_seconds`, `stop` is set or Ctrl-C;
    the session is closed and stored in every case."""
    options = options or WatchOptions()
    source = parse_source(source_spec, io_timeout_s=options.io_timeout_s)
    detector = _detector(ws, analyser_factory)
    case = _case(ws, case_name)
    session = _Session(ws, case, source, options, detector)
    return session.run(on_status, stop or threading.Event())


def _case(ws: Workspace, name: str | None) -> Case:
    if name is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return create_case(ws, f"watch-{stamp}", "Live check recorded by vigil watch")
    try:
        return ws.store.get_case(name)
    except NotFoundError:
        return create_case(ws, name, "Live check recorded by vigil watch")


def _detector(
    ws: Workspace, analyser_factory: Callable[[], LiveAnalyser] | None
) -> _Detector | None:
    cls = ws.registry.available.get(DETECTOR)
    if cls is None:
        return None
    from vigil.detectors.video import deepfake  # its module: installed with it

    digest = options_digest(cls.parse_options(None))
    factory = analyser_factory or deepfake.default_analyser
    return _Detector(cls, digest, deepfake.EVERY_S, deepfake.MAX_SIDE, factory)


def _warmed(factory: Callable[[], LiveAnalyser]) -> LiveAnalyser:
    """A fresh analyser, after a throwaway one has seen a drawn face: the face
    models load once per process, before the source starts, not on its first
    frame (a few seconds of lag otherwise)."""
    from vigil.video.samples import render_face

    factory().add_frame(0.0, render_face())
    return factory()


class _Session:
    def __init__(
        self,
        ws: Workspace,
        case: Case,
        source: LiveSource,
        options: WatchOptions,
        detector: _Detector | None,
    ) -> None:
        self.ws = ws
        self.case = case
        self.source = source
        self.options = options
        self.detector = detector
        self.id = str(uuid.uuid4())
        self.warnings: list[str] = []
        self.segments: list[Item] = []
        self.started_at = datetime.now(UTC)
        analyser = _warmed(detector.analyser_factory) if detector is not None else None
        self.verdicts = (
            _Verdicts(analyser, options.window_s, options.window_s / 2) if analyser else None
        )
        if detector is None:
            self.warnings.append(
                f"The {DETECTOR} detector is not available: the session is recorded, not analysed."
            )
        self.item = self._add_session_item()

    # -- the session ------------------------------------------------------------
    def run(
        self, on_status: Callable[[WatchStatus], None] | None, stop: threading.Event
    ) -> WatchResult:
        every_s = self.options.every_s or (self.detector.every_s if self.detector else 1.0)
        max_side = self.options.max_side or (self.detector.max_side if self.detector else 640)
        scratch = Path(tempfile.mkdtemp(prefix="watch-", dir=self.ws.settings.home))
        pipeline = LivePipeline(
            self.source,
            self.verdicts,
            scratch,
            PipelineSettings(
                realtime=self.options.realtime,
                every_s=every_s,
                max_side=max_side,
                segment_s=self.options.segment_s,
                max_seconds=self.options.max_seconds,
            ),
        )
        try:
            self._pump(pipeline, on_status, stop)
        finally:
            for event in pipeline.join():
                self._handle(event)
            shutil.rmtree(scratch, ignore_errors=True)
        return self._finish(pipeline)

    def _pump(
        self,
        pipeline: LivePipeline,
        on_status: Callable[[WatchStatus], None] | None,
        stop: threading.Event,
    ) -> None:
        pipeline.start()
        next_status = 0.0
        try:
            while not stop.is_set():
                event = pipeline.next_event(0.1)
                if event is not None and event.kind == "done":
                    return
                if event is not None:
                    self._handle(event)
                if on_status is not None and time.monotonic() >= next_status:
                    next_status = time.monotonic() + 1.0
                    on_status(self._status(pipeline))
        except KeyboardInterrupt:
            log.info("watch stopped by the user")

    def _status(self, pipeline: LivePipeline) -> WatchStatus:
        return WatchStatus(
            source=self.source.spec,
            case_name=self.case.name,
            stats=pipeline.stats.to_json(),
            verdict=self.verdicts.latest if self.verdicts else None,
            segments=len(self.segments),
            warnings=list(self.warnings),
            analysing=self.verdicts is not None,
        )

    def _handle(self, event: Event) -> None:
        if event.kind == "segment" and event.segment is not None:
            self._store_segment(event.segment)
        elif event.kind == "warning":
            self._warn(event.message)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        self.ws.store.add_warning(
            ItemWarning(
                case_id=self.case.id,
                code="watch",
                message=message,
                at=datetime.now(UTC),
                item_id=self.item.id,
                locator=self.item.locator,
            )
        )

    # -- items --------------------------------------------------------------------
    def _add_session_item(self) -> Item:
        record = {
            "vigil_watch_session": self.id,
            "source": self.source.spec,
            "source_kind": self.source.kind.value,
            "started_at": self.started_at.isoformat(),
            "options": {
                "realtime": self.options.realtime,
                "segment_s": self.options.segment_s,
                "window_s": self.options.window_s,
                "every_s": self.options.every_s,
                "max_side": self.options.max_side,
            },
            "detector": self.detector.cls.name if self.detector else None,
            "detector_version": self.detector.cls.version if self.detector else None,
            "vigil_version": __version__,
        }
        data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
        kind = "path" if self.source.kind is SourceKind.FILE else "stream"
        stamp = self.started_at.strftime("%Y%m%dT%H%M%SZ")
        return self._add_item(
            data=None,
            raw=data,
            name=f"watch-session-{stamp}.json",
            media_type="application/json",
            locator=Locator().child(kind, self.source.spec),
            parent=None,
            details={"watch": "session", "session": self.id, "source": self.source.spec},
        )

    def _store_segment(self, segment: ClosedSegment) -> None:
        start = max(0.0, segment.media_start_s)
        end = max(start, segment.media_end_s)
        previous = self.segments[-1].sha256 if self.segments else None
        item = self._add_item(
            data=segment.path,
            raw=None,
            name=f"segment-{segment.index:05d}.mkv",
            media_type="video/x-matroska",
            locator=self.item.locator.time_span(start, end),
            parent=self.item,
            details={
                "watch": "segment",
                "session": self.id,
                "segment": segment.index,
                "media_start_s": round(segment.media_start_s, 3),
                "media_end_s": round(segment.media_end_s, 3),
                "received_from": segment.wall_start.isoformat(),
                "received_until": segment.wall_end.isoformat(),
                "packets": segment.packets,
                "starts_with_keyframe": segment.starts_with_keyframe,
                "re_encoded": segment.re_encoded,
                "codecs": list(segment.codecs),
                "previous_segment_sha256": previous,
            },
        )
        segment.path.unlink(missing_ok=True)
        self.segments.append(item)

    def _add_item(
        self,
        *,
        data: Path | None,
        raw: bytes | None,
        name: str,
        media_type: str,
        locator: Locator,
        parent: Item | None,
        details: dict[str, JsonValue],
    ) -> Item:
        if data is not None:
            with data.open("rb") as stream:
                blob = self.ws.blobs.put_stream(stream)
        else:
            blob = self.ws.blobs.put_bytes(raw or b"")
        item = Item(
            id=str(uuid.uuid4()),
            case_id=self.case.id,
            sha256=blob.sha256,
            md5=blob.md5,
            sha1=blob.sha1,
            size=blob.size,
            media_type=media_type,
            name=name,
            source=f"vigil watch {self.source.spec}",
            acquired_at=datetime.now(UTC),
            parent_id=parent.id if parent else None,
            locator=locator,
            source_path=self.source.spec if self.source.kind is SourceKind.FILE else "",
        )
        self.ws.store.add_item(
            item,
            make_entry(
                case_id=self.case.id,
                actor=self.ws.actor,
                action="item.derived" if parent else "item.added",
                object_sha256=blob.sha256,
                details={
                    "item_id": item.id,
                    "name": name,
                    "parent_id": item.parent_id,
                    "locator": str(locator),
                    "size": blob.size,
                    "md5": blob.md5,
                    "sha1": blob.sha1,
                    "media_type": media_type,
                    "source": item.source,
                    **details,
                },
            ),
        )
        return item

    # -- the end --------------------------------------------------------------------
    def _finish(self, pipeline: LivePipeline) -> WatchResult:
        stats = pipeline.stats.to_json()
        records = self._findings(pipeline, stats) if self.detector and self.verdicts else []
        session = records[0].finding if records else None
        self.ws.store.append_custody(
            self.case.id,
            make_entry(
                case_id=self.case.id,
                actor=self.ws.actor,
                action="watch.finished",
                object_sha256=self.item.sha256,
                details={
                    "session": self.id,
                    "item_id": self.item.id,
                    "source": self.source.spec,
                    "source_info": dict(pipeline.source_info),
                    "started_at": self.started_at.isoformat(),
                    "finished_at": datetime.now(UTC).isoformat(),
                    "segments": len(self.segments),
                    "last_segment_sha256": self.segments[-1].sha256 if self.segments else None,
                    "stats": dict(stats),
                    "verdict": session.verdict.value if session else None,
                    "findings": len(records),
                    "warnings": self.warnings[:50],
                },
            ),
        )
        return WatchResult(
            case_id=self.case.id,
            case_name=self.case.name,
            session_item_id=self.item.id,
            segments=len(self.segments),
            stats=stats,
            verdict=session.verdict.value if session else Verdict.INCONCLUSIVE.value,
            score=session.score if session else None,
            findings=len(records),
            warnings=tuple(self.warnings),
        )

    def _findings(
        self, pipeline: LivePipeline, stats: Mapping[str, float | int | None]
    ) -> list[FindingRecord]:
        assert self.detector is not None and self.verdicts is not None
        summary = self.verdicts.analyser.summary()
        findings = [_session_finding(summary, self.item.locator, stats, pipeline.source_info)]
        findings.extend(
            _window_finding(v, self.item.locator, summary.threshold, summary.negative_below)
            for v in self.verdicts.timeline
        )
        cls = self.detector.cls
        return record_detector_run(
            self.ws.store,
            self.ws.blobs,
            DetectorRun(
                case_id=self.case.id,
                item_id=self.item.id,
                input_sha256=self.item.sha256,
                detector=cls,
                model_sha256=cls.model_sha256(),
                options_digest=self.detector.digest,
                done_digest=hashlib.sha256(f"{self.detector.digest}|live".encode()).hexdigest(),
                run_id=str(uuid.uuid4()),
                started_at=self.started_at,
                finished_at=datetime.now(UTC),
                actor=self.ws.actor,
                details={"mode": "live"},
            ),
            findings,
        )


def _session_finding(
    summary: ClipSummary,
    locator: Locator,
    stats: Mapping[str, float | int | None],
    source_info: Mapping[str, str | int | float | None],
) -> Finding:
    details: dict[str, JsonValue] = {
        "mode": "live",
        "frames_analysed": summary.frames,
        "frames_with_faces": summary.frames_with_faces,
        "tracks": [t.to_json() for t in summary.tracks],
        "live": dict(stats),
        "source": dict(source_info),
        "warnings": list(summary.warnings),
    }
    judged = sum(1 for t in summary.tracks if t.score is not None)
    if summary.score is None:
        return Finding.problem(
            _LABEL,
            Status.UNSUPPORTED,
            f"No face was tracked long enough to judge in {summary.frames} analysed "
            "frames of the live session; nothing to judge.",
            locator=locator,
            details=details,
        )
    return Finding.scored(
        _LABEL,
        summary.score,
        summary.threshold,
        f"Live session: {judged} face track(s) judged over {summary.frames} analysed frames; "
        f"the most suspicious scores {summary.score:.2f}.",
        negative_below=summary.negative_below,
        locator=locator,
        details=details,
    )


def _window_finding(
    verdict: RollingVerdict, locator: Locator, threshold: float, negative_below: float
) -> Finding:
    where = locator.time_span(verdict.start_s, verdict.end_s)
    details: dict[str, JsonValue] = {
        "mode": "live",
        "window": True,
        "track_scores": {str(k): round(v, 4) for k, v in verdict.track_scores.items()},
    }
    if verdict.score is None:
        return Finding.problem(
            _LABEL,
            Status.UNSUPPORTED,
            "No face was tracked long enough in this window to judge.",
            locator=where,
            details=details,
        )
    return Finding.scored(
        _LABEL,
        verdict.score,
        threshold,
        f"Rolling verdict over {verdict.start_s:.1f}-{verdict.end_s:.1f} s of the live session.",
        negative_below=negative_below,
        locator=where,
        details=details,
    )
