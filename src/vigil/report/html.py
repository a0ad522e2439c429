"""The case report as one self-contained HTML page (Jinja2, autoescaped).

Evidence names, locators, explanations and details are hostile input: the
environment escapes every value, and the only markup not produced by the
template comes from `_markdown`, which escapes before it adds fixed tags.
Images are embedded as data: URIs only after their bytes are rehashed
against the recorded SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined

from vigil.domain.errors import NotFoundError
from vigil.domain.model import JsonValue
from vigil.report._markdown import markdown_to_html
from vigil.report.flow_graph import PALETTE, FlowPicture, flow_picture, format_amount
from vigil.store import BlobStore

__all__ = ["MAX_EMBED_BYTES", "render_html"]

log = logging.getLogger(__name__)

MAX_EMBED_BYTES = 5 * 1024 * 1024
"""Image artefacts larger than this are listed, not embedded."""

_EMBEDDABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


@dataclass(frozen=True, slots=True)
class _Embed:
    """What the page shows for one artefact: an image, or why there is none."""

    data_uri: str = ""
    note: str = ""


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vigil.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown_to_html
    env.filters["score"] = _format_score
    env.filters["size"] = _format_size
    env.filters["amount"] = _format_amount
    return env


def render_html(report: Mapping[str, JsonValue], blobs: BlobStore | None = None) -> str:
    """Render a report from `build_report`; with `blobs`, image artefacts are embedded."""
    embeds = dict(_embeds(report, blobs))
    thumbnails = dict(_thumbnails(report, blobs))
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        embeds=embeds,
        thumbnails=thumbnails,
        max_embed=_format_size(MAX_EMBED_BYTES),
        traces=[_trace_view(t) for t in _list(report.get("traces")) if isinstance(t, Mapping)],
        palette=PALETTE,
    )


def _thumbnails(
    report: Mapping[str, JsonValue], blobs: BlobStore | None
) -> Iterator[tuple[str, str]]:
    """Small JPEG previews of image evidence; sensitive items blurred so that
    reading the report exposes no one (revealing is a logged `vigil reveal`)."""
    evidence = report.get("evidence")
    if blobs is None or not isinstance(evidence, list):
        return
    try:
        from PIL import Image, ImageFilter
    except ImportError:  # previews need the image extra
        return
    for item in evidence:
        if not isinstance(item, dict) or not str(item.get("media_type", "")).startswith("image/"):
            continue
        size = item.get("size")
        if not isinstance(size, int) or size > THUMBNAIL_MAX_BYTES:
            continue
        try:
            with blobs.open(str(item["sha256"])) as stream, Image.open(stream) as image:
                if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                    continue
                preview = image.convert("RGB")
                preview.thumbnail((160, 160))
                if item.get("sensitive"):
                    preview = preview.resize((12, 12)).resize(preview.size)
                    preview = preview.filter(ImageFilter.GaussianBlur(6))
                out = io.BytesIO()
                preview.save(out, format="JPEG", quality=70)
        except Exception as exc:  # any decoder failure: no preview for that item
            log.info("no preview for %s: %s", item.get("sha256"), exc)
            continue
        encoded = base64.b64encode(out.getvalue()).decode("ascii")
        yield str(item["id"]), f"data:image/jpeg;base64,{encoded}"


THUMBNAIL_MAX_BYTES = 32 << 20
THUMBNAIL_MAX_PIXELS = 60_000_000


def _artefacts(report: Mapping[str, JsonValue]) -> Iterator[dict[str, JsonValue]]:
    groups = report.get("findings")
    for group in groups if isinstance(groups, list) else []:
        findings = group.get("findings") if isinstance(group, dict) else None
        for finding in findings if isinstance(findings, list) else []:
            artefacts = finding.get("artefacts") if isinstance(finding, dict) else None
            for artefact in artefacts if isinstance(artefacts, list) else []:
                if isinstance(artefact, dict):
                    yield artefact


def _embeds(
    report: Mapping[str, JsonValue], blobs: BlobStore | None
) -> Iterator[tuple[str, _Embed]]:
    for artefact in _artefacts(report):
        sha256, media_type = str(artefact.get("sha256")), str(artefact.get("media_type"))
        size = artefact.get("size")
        yield sha256, _embed(sha256, media_type, size if isinstance(size, int) else None, blobs)


def _embed(sha256: str, media_type: str, size: int | None, blobs: BlobStore | None) -> _Embed:
    if not media_type.startswith("image/"):
        return _Embed(note="not an image; kept in the blob store")
    if media_type not in _EMBEDDABLE:
        return _Embed(note=f"{media_type} is not embedded; kept in the blob store")
    if blobs is None:
        return _Embed(note="not embedded (no blob store given to the renderer)")
    if size is None:
        return _Embed(note="missing from the blob store")
    if size > MAX_EMBED_BYTES:
        return _Embed(
            note=f"{_format_size(size)} is over the "
            f"{_format_size(MAX_EMBED_BYTES)} embedding limit; not embedded"
        )
    return _read_image(sha256, media_type, blobs)


def _read_image(sha256: str, media_type: str, blobs: BlobStore) -> _Embed:
    try:
        with blobs.open(sha256) as stream:
            data = stream.read(MAX_EMBED_BYTES + 1)
    except (OSError, NotFoundError) as exc:
        log.warning("artefact %s unreadable: %s", sha256, exc)
        return _Embed(note="missing from the blob store")
    if len(data) > MAX_EMBED_BYTES or hashlib.sha256(data).hexdigest() != sha256:
        return _Embed(note="its bytes no longer match the recorded SHA-256; not shown")
    encoded = base64.b64encode(data).decode("ascii")
    return _Embed(data_uri=f"data:{media_type};base64,{encoded}")


MAX_TRACE_ROWS = 300
"""Rows of a trace's table shown in the page; the stored trace has them all."""


@dataclass(frozen=True, slots=True)
class _TraceView:
    """A stored trace as the page shows it: the stored data, its picture, the
    first rows of its table."""

    trace: Mapping[str, JsonValue]
    picture: FlowPicture | None
    rows: list[JsonValue]
    rows_left_out: int


def _list(value: JsonValue | None) -> list[JsonValue]:
    return value if isinstance(value, list) else []


def _trace_view(trace: Mapping[str, JsonValue]) -> _TraceView:
    graph = trace.get("graph")
    rows = _list(trace.get("table"))
    return _TraceView(
        trace,
        flow_picture(graph) if isinstance(graph, Mapping) else None,
        rows[:MAX_TRACE_ROWS],
        max(0, len(rows) - MAX_TRACE_ROWS),
    )


def _format_amount(value: object, asset: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return "?"
    return format_amount(value, str(asset))


def _format_score(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–"
    return f"{value:.3f}"


def _format_size(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return "?"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{value} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"
