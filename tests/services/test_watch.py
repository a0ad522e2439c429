"""vigil watch as a service: a file watched at real speed becomes verifiable
evidence (segments in the blob store, chained in custody, the live verdict
timeline as findings); a source that dies still gives a closed session.

The analyser is the real `ClipAnalyser` with a toy face backend (it "finds"
the drawn red square), so these tests check the live plumbing, not dlib."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")

from tests.video.live_helpers import clip_file  # noqa: E402
from vigil.detectors.base import Detector, DetectorOptions, Example  # noqa: E402
from vigil.domain.model import Verdict, parse_time_span  # noqa: E402
from vigil.imaging.faces import Face  # noqa: E402
from vigil.services.verify import verify_case  # noqa: E402
from vigil.services.watch import WatchOptions, WatchStatus, watch  # noqa: E402
from vigil.services.workspace import Workspace  # noqa: E402
from vigil.video.analysis import ClipAnalyser, TrackModel  # noqa: E402


class SquareFaces:
    """A face backend that takes the red square for a face."""

    same_face_distance = 0.6

    def detect(self, rgb: np.ndarray) -> Sequence[Face]:
        ys, xs = np.nonzero((rgb[..., 0] > 180) & (rgb[..., 1] < 100))
        if xs.size < 4:
            return []
        x, y = int(xs.min()), int(ys.min())
        w, h = int(xs.max()) - x + 1, int(ys.max()) - y + 1
        points = ((x + 0.3 * w, y + 0.4 * h), (x + 0.4 * w, y + 0.4 * h))
        points += ((x + 0.7 * w, y + 0.4 * h), (x + 0.6 * w, y + 0.4 * h))
        return [Face((x, y, w, h), (*points, (x + 0.5 * w, y + 0.7 * h)), 1.0)]

    def chip(self, rgb: np.ndarray, face: Face, size: int, padding: float) -> np.ndarray:
        return np.full((size, size, 3), 128, dtype=np.uint8)

    def descriptor(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        return np.zeros(128, dtype=np.float32)


class HalfScorer:
    chip_size = 32
    chip_padding = 0.25

    def score(self, chip: np.ndarray) -> float:
        return 0.2


def toy_analyser() -> ClipAnalyser:
    model = TrackModel(["chip_logit_mean"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.3)
    return ClipAnalyser(SquareFaces(), HalfScorer(), model)


class StandInDeepfake(Detector):
    """Registered as video_deepfake so the session has a detector to stamp."""

    name = "video_deepfake"
    version = "0.0.1"
    media_types = ("video/*",)
    model_card = "vigil.detectors.video:video_metadata.md"

    @classmethod
    def examples(cls) -> list[Example]:
        return []

    def detect(self, item: object, opts: DetectorOptions) -> Iterator[object]:  # type: ignore[override]
        return iter(())


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.registry.available["video_deepfake"] = StandInDeepfake
    return workspace


def test_file_watched_at_real_speed_becomes_verifiable_evidence(
    ws: Workspace, tmp_path: Path
) -> None:
    clip = clip_file(tmp_path / "call.mp4", seconds=3.0)
    seen: list[WatchStatus] = []
    result = watch(
        ws,
        str(clip),
        "live-case",
        WatchOptions(segment_s=1.0, window_s=2.0),
        on_status=seen.append,
        analyser_factory=toy_analyser,
    )
    assert result.case_name == "live-case"
    stats = result.stats
    assert stats["wall_seconds"] is not None and 2.5 < float(stats["wall_seconds"]) < 6.0
    assert stats["frames_decoded"] == 75 and stats["frames_analysed"] >= 8
    assert stats["lag_p95_seconds"] is not None and float(stats["lag_p95_seconds"]) < 1.0
    assert seen and seen[-1].verdict is not None  # the rolling verdict was on screen

    items = ws.store.list_items(result.case_id)
    session = next(i for i in items if i.id == result.session_item_id)
    assert session.locator.steps[0].kind == "path" and session.media_type == "application/json"
    segments = sorted((i for i in items if i.parent_id == session.id), key=lambda i: i.name)
    assert len(segments) == result.segments >= 3
    spans = [parse_time_span(s.locator.steps[-1].value) for s in segments]
    assert spans[0] is not None and spans[0][0] == 0.0
    frames = 0
    for segment in segments:  # every segment plays on its own; all frames are kept
        assert segment.media_type == "video/x-matroska"
        with av.open(str(ws.blobs.path_of(segment.sha256))) as part:
            frames += sum(1 for _ in part.decode(video=0))
    assert frames == 75

    custody = ws.store.list_custody(result.case_id)
    logged = [e for e in custody if e.details.get("watch") == "segment"]
    assert [e.object_sha256 for e in logged] == [s.sha256 for s in segments]
    assert logged[1].details["previous_segment_sha256"] == segments[0].sha256
    (finished,) = [e for e in custody if e.action == "watch.finished"]
    assert finished.details["segments"] == len(segments)
    assert verify_case(ws, result.case_id, record=False).ok

    findings = [f for f in ws.store.list_findings(result.case_id) if f.item_id == session.id]
    assert len(findings) == result.findings >= 2
    whole = findings[0].finding
    assert whole.label == "video.deepfake" and whole.verdict is Verdict.NEGATIVE
    assert whole.details["tracks"] and whole.details["mode"] == "live"
    windows = [f.finding for f in findings[1:]]
    assert all(w.locator.steps[-1].kind == "time_span" for w in windows)
    assert all(f.provenance.detector == "video_deepfake" for f in findings)


def test_fast_mode_analyses_every_sample(ws: Workspace, tmp_path: Path) -> None:
    clip = clip_file(tmp_path / "clip.mp4", seconds=2.0)
    result = watch(
        ws,
        str(clip),
        options=WatchOptions(realtime=False, every_s=0.25),
        analyser_factory=toy_analyser,
    )
    assert result.stats["frames_analysed"] == 8 and result.stats["frames_dropped"] == 0
    assert result.case_name.startswith("watch-")


def _serve_half(data: bytes) -> tuple[http.server.HTTPServer, str]:
    """A stream server that promises the whole clip and hangs up halfway."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/x-matroska")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/live.mkv"


def test_stream_that_dies_mid_way_gives_a_warning_and_a_closed_session(
    ws: Workspace, tmp_path: Path
) -> None:
    data = clip_file(tmp_path / "s.mkv", seconds=3.0, fmt="matroska").read_bytes()
    server, url = _serve_half(data)
    try:
        result = watch(
            ws,
            url,
            options=WatchOptions(segment_s=0.5, io_timeout_s=2.0),
            analyser_factory=toy_analyser,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert any("ended" in w or "broke off" in w for w in result.warnings)
    assert 0 < result.segments
    custody = ws.store.list_custody(result.case_id)
    assert any(e.action == "watch.finished" for e in custody)
    stored = ws.store.list_warnings(result.case_id)
    assert any(w.code == "watch" and w.item_id == result.session_item_id for w in stored)
    session = ws.store.get_item(result.session_item_id)
    assert session.locator.steps[0].kind == "stream"
    assert verify_case(ws, result.case_id, record=False).ok


def test_without_the_detector_the_session_is_recorded_not_analysed(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.registry.available.pop("video_deepfake", None)
    clip = clip_file(tmp_path / "clip.mp4", seconds=1.0)
    result = watch(workspace, str(clip), options=WatchOptions(realtime=False))
    assert result.segments == 1 and result.findings == 0
    assert result.stats["frames_analysed"] == 0
    assert any("not available" in w for w in result.warnings)
    assert verify_case(workspace, result.case_id, record=False).ok


class NoFaces(SquareFaces):
    def detect(self, rgb: np.ndarray) -> Sequence[Face]:
        return []


def test_a_session_without_faces_is_unsupported_not_negative(ws: Workspace, tmp_path: Path) -> None:
    model = TrackModel(["chip_logit_mean"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.3)
    result = watch(
        ws,
        str(clip_file(tmp_path / "empty.mp4", seconds=1.0)),
        options=WatchOptions(realtime=False),
        analyser_factory=lambda: ClipAnalyser(NoFaces(), HalfScorer(), model),
    )
    assert result.verdict == "inconclusive" and result.score is None
    (session,) = [
        f.finding for f in ws.store.list_findings(result.case_id) if not f.finding.locator.steps[1:]
    ]
    assert session.status.value == "unsupported" and "No face" in session.explanation
