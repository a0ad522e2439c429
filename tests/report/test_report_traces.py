"""Crypto traces in the case report: the stored graph in the JSON report, a
static SVG flow picture and the table in the HTML report, capped for big traces."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("yaml")

from vigil.crypto.model import Transfer, TransferKind  # noqa: E402
from vigil.crypto.service import default_store_path  # noqa: E402
from vigil.crypto.store import TxStore  # noqa: E402
from vigil.report import build_report, render_html, render_json  # noqa: E402
from vigil.report.flow_graph import MAX_LAYER_NODES, flow_picture  # noqa: E402
from vigil.services.cases import create_case  # noqa: E402
from vigil.services.trace import TagOptions, trace_for_case  # noqa: E402
from vigil.services.workspace import Workspace  # noqa: E402

ETHER = 10**18
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_LABEL = "<script>alert(1)</script> Mixer"


def _address(n: int) -> str:
    return f"0x{n:040x}"


VICTIM, B, C, EXCHANGE, MIXER = (_address(n) for n in (0xA1, 0xB2, 0xC3, 0xE4, 0xF5))


def _transfers(moves: list[tuple[str, str, int]]) -> list[Transfer]:
    return [
        Transfer(
            "ethereum", f"0x{n + 1:064x}", TransferKind.NATIVE, "ETH", a, b, v, n + 1, None, "tx"
        )
        for n, (a, b, v) in enumerate(moves)
    ]


def _import(ws: Workspace, moves: list[tuple[str, str, int]]) -> None:
    with TxStore(default_store_path(ws.settings.home)) as store:
        store.ingest(_transfers(moves))


def _tags(tmp_path: Path) -> TagOptions:
    path = tmp_path / "tags.csv"
    path.write_text(
        "address,label,category,abuse,source\n"
        f"{EXCHANGE},Example Exchange,exchange,,case file 12\n"
        f'{MIXER},"{HOSTILE_LABEL}",mixing_service,,case file 13\n',
        encoding="utf-8",
    )
    return TagOptions(user_files=(path,))


def _svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg class=\"flow\".*?</svg>", page, re.S)]


def _nodes(svg: ET.Element) -> dict[str | None, ET.Element]:
    groups = svg.iter(f"{SVG}g")
    return {g.get("data-id"): g for g in groups if g.get("class", "").startswith("node")}


def _edges(svg: ET.Element) -> set[tuple[str | None, str | None]]:
    groups = svg.iter(f"{SVG}g")
    return {
        (g.get("data-source"), g.get("data-target")) for g in groups if g.get("class") == "edge"
    }


def _report(ws: Workspace, case_id: str) -> dict[str, object]:
    return build_report(ws.store, ws.blobs, ws.registry, ws.store.get_case(case_id), None)


def test_report_draws_the_stored_trace_and_carries_its_graph(
    workspace: Workspace, tmp_path: Path
) -> None:
    moves = [(VICTIM, B, 10 * ETHER), (B, C, 6 * ETHER), (B, EXCHANGE, 3 * ETHER)]
    moves.append((C, MIXER, 5 * ETHER))
    _import(workspace, moves)
    case = create_case(workspace, "wallet drain")
    traced = trace_for_case(workspace, case.id, VICTIM, hops=3, tags=_tags(tmp_path))
    stored = traced["graph"]
    assert isinstance(stored, dict)

    report = _report(workspace, case.id)
    as_json = json.loads(render_json(report))
    (entry,) = as_json["traces"]
    assert entry["trace_sha256"] == traced["trace_sha256"]
    assert entry["graph"]["nodes"] == stored["nodes"]
    assert entry["graph"]["edges"] == stored["edges"]
    assert entry["risk"]["flagged"] == ["mixer"]
    reached = {r["address"]: r["attributed"] for r in entry["summary"]["reached"]}
    assert reached == {EXCHANGE: {"ETH": 3 * ETHER}, MIXER: {"ETH": 5 * ETHER}}

    page = render_html(report, workspace.blobs)
    (svg,) = _svgs(page)
    nodes = _nodes(svg)
    assert set(nodes) == {n["id"] for n in stored["nodes"]} == {VICTIM, B, C, EXCHANGE, MIXER}
    assert _edges(svg) == {(a, b) for a, b, _ in moves}
    assert nodes[VICTIM].get("class") == "node node-origin"
    assert nodes[EXCHANGE].get("class") == "node node-service"
    assert nodes[MIXER].get("class") == "node node-risk"
    mixer_title = nodes[MIXER].find(f"{SVG}title")
    assert mixer_title is not None and HOSTILE_LABEL in (mixer_title.text or "")
    assert "<script>" not in page
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    for _, _, value in moves:  # every hop forwards less than it got: all of it is attributed
        assert f"{value // ETHER} ETH" in labels
    assert page.count("<tr>") >= len(moves)


def test_big_trace_picture_is_capped_and_says_what_it_left_out(
    workspace: Workspace, tmp_path: Path
) -> None:
    receivers = [_address(0x1000 + n) for n in range(300)]
    moves = [(VICTIM, r, (n + 1) * ETHER // 100) for n, r in enumerate(receivers)]
    moves.append((VICTIM, MIXER, 1))  # the smallest flow, but a tagged receiver
    _import(workspace, moves)
    case = create_case(workspace, "fan-out")
    trace_for_case(workspace, case.id, VICTIM, hops=1, tags=_tags(tmp_path))
    page = render_html(_report(workspace, case.id), workspace.blobs)
    (svg,) = _svgs(page)
    shown = set(_nodes(svg))
    largest = [r for _, r, _ in sorted(moves[:-1], key=lambda m: -m[2])][: MAX_LAYER_NODES - 1]
    assert shown == {VICTIM, MIXER, *largest}
    left_out = len(moves) + 1 - len(shown)
    assert f"{left_out} node(s) and {left_out} edge(s) left out of the picture" in page


def test_missing_trace_blob_is_a_problem_not_a_crash(workspace: Workspace) -> None:
    _import(workspace, [(VICTIM, B, ETHER)])
    case = create_case(workspace, "lost blob")
    traced = trace_for_case(workspace, case.id, VICTIM, hops=1)
    path = workspace.blobs.path_of(str(traced["trace_sha256"]))
    path.chmod(0o600)
    path.unlink()
    report = _report(workspace, case.id)
    (entry,) = report["traces"]  # type: ignore[misc]
    assert entry["problem"] == "the trace is missing from the blob store"
    assert "This trace cannot be shown: the trace is missing from the blob store" in render_html(
        report, workspace.blobs
    )


def _edge(source: str, target: str, value: int, attributed: int) -> dict[str, str]:
    return {
        "source": source,
        "target": target,
        "asset": "ETH",
        "value": str(value),
        "attributed": str(attributed),
    }


def test_backward_picture_ends_at_the_origin_on_the_right() -> None:
    graph = {
        "origin": C,
        "direction": "backward",
        "nodes": [
            {"id": a, "kind": "address", "label": a, "hop": h, "tags": [], "stop": ""}
            for a, h in ((C, 0), (B, 1), (VICTIM, 2))
        ],
        "edges": [
            _edge(B, C, 6 * ETHER, 6 * ETHER),
            _edge(VICTIM, B, 10 * ETHER, 6 * ETHER),
        ],
    }
    picture = flow_picture(graph)
    x = {n.id: n.x for n in picture.nodes}
    assert x[VICTIM] < x[B] < x[C]
    labels = {(e.source, e.target): e.label for e in picture.edges}
    assert labels == {(VICTIM, B): "6 of 10 ETH", (B, C): "6 ETH"}
