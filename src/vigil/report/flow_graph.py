"""Layout of a stored crypto trace as a static picture (the report draws it as
inline SVG: the page's CSP allows no scripts).

Layers run left to right in the direction money moved: a forward trace starts
at its origin on the left, a backward trace ends at its origin on the right.
A node's layer is its distance from the origin along (forward) or against
(backward) the edges. Within a layer, nodes sit near the mean row of their
neighbours in the layer before (one barycentre sweep), which keeps most edges
short and uncrossed without a graph library.

Large traces are cut to `max_nodes` (and `max_per_layer`): the origin first,
then every tagged address with the path that reached it, nearest first, then
the rest by layer and attributed value. The picture says how many nodes and
edges it left out; the table and the stored trace have them all.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from vigil.crypto.tags import RISK_CLASSES
from vigil.domain.model import JsonValue

__all__ = [
    "MAX_PICTURE_NODES",
    "PALETTE",
    "FlowPicture",
    "PictureEdge",
    "PictureNode",
    "format_amount",
    "flow_picture",
    "short_id",
]

MAX_PICTURE_NODES = 60
MAX_LAYER_NODES = 15
ADDRESS_BOX = (168, 36)
TX_BOX = (120, 22)
COLUMN_GAP = 130
ROW_HEIGHT = 52
MARGIN = 16
PALETTE = {
    "origin": ("#ffffff", "#1b1f24", "the traced address"),
    "risk": ("#ffebe9", "#cf222e", "tagged with a risk (sanctioned, ransomware, mixer, scam, ...)"),
    "service": ("#ddf4ff", "#0969da", "a service (exchange, ...): the trail goes on in its books"),
    "tagged": ("#fff8c5", "#9a6700", "tagged, no risk class"),
    "plain": ("#f6f8fa", "#8c959f", "untagged address"),
    "tx": ("#ffffff", "#afb8c1", "transaction (UTXO chains)"),
}
"""Fill, stroke and legend text per node colour."""
_DECIMALS = {"ETH": 18, "BTC": 8}
"""Base-unit decimals of the assets the tracer names; tokens stay in raw units
(their decimals are not in the chain data)."""


@dataclass(frozen=True, slots=True)
class PictureNode:
    id: str
    kind: str
    """'address' or 'tx'."""
    x: int
    y: int
    width: int
    height: int
    label: str
    """Shortened address or txid."""
    note: str
    """First tag label, or why the trace stopped here; '' when neither."""
    title: str
    """Full id, tags with their datasets, stop reason: the hover text."""
    colour: str
    """'origin', 'risk', 'service', 'tagged', 'plain' or 'tx' (a key of PALETTE)."""
    stop: bool

    @property
    def fill(self) -> str:
        return PALETTE[self.colour][0]

    @property
    def stroke(self) -> str:
        return PALETTE[self.colour][1]


@dataclass(frozen=True, slots=True)
class PictureEdge:
    source: str
    target: str
    asset: str
    path: str
    """SVG path data: a cubic curve from the source's right side to the target's left."""
    label: str
    label_x: int
    label_y: int
    stroke: float
    transfers: int
    """How many stored edges (same ends, same asset) this drawn edge stands for."""


@dataclass(frozen=True, slots=True)
class FlowPicture:
    width: int
    height: int
    nodes: tuple[PictureNode, ...]
    edges: tuple[PictureEdge, ...]
    nodes_total: int
    edges_total: int

    @property
    def nodes_left_out(self) -> int:
        return self.nodes_total - len(self.nodes)

    @property
    def edges_left_out(self) -> int:
        return self.edges_total - sum(e.transfers for e in self.edges)


@dataclass(frozen=True, slots=True)
class _Node:
    id: str
    kind: str
    label: str
    tags: tuple[Mapping[str, JsonValue], ...]
    stop: str


@dataclass(frozen=True, slots=True)
class _Edge:
    source: str
    target: str
    asset: str
    value: int
    attributed: int


def short_id(text: str) -> str:
    """'0x1b4130d7…7c2d' for long ids; short ones as they are."""
    return text if len(text) <= 16 else f"{text[:10]}…{text[-4:]}"


def format_amount(value: int, asset: str) -> str:
    """Whole coins for ETH and BTC (exact, trailing zeros dropped); tokens in
    raw units with their contract shortened."""
    return f"{_units(value, asset)} {asset if asset in _DECIMALS else short_id(asset)}"


def _units(value: int, asset: str) -> str:
    decimals = _DECIMALS.get(asset)
    if decimals is None:
        return f"{value:,}" if value < 10**12 else f"{value:.3e}"
    coins = Decimal(value).scaleb(-decimals)
    text = f"{coins:.8f}".rstrip("0").rstrip(".")
    return f"{coins:.2e}" if text == "0" and value else text


def _int(value: JsonValue) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _parse(graph: Mapping[str, JsonValue]) -> tuple[dict[str, _Node], list[_Edge]]:
    """Nodes and edges of a stored trace; malformed entries are skipped (the
    stored trace is data, not trusted)."""
    nodes: dict[str, _Node] = {}
    raw_nodes = graph.get("nodes")
    for raw in raw_nodes if isinstance(raw_nodes, list) else []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            continue
        tags = raw.get("tags")
        node_id = str(raw["id"])
        nodes[node_id] = _Node(
            node_id,
            str(raw.get("kind") or "address"),
            str(raw.get("label") or node_id),
            tuple(t for t in tags if isinstance(t, Mapping)) if isinstance(tags, list) else (),
            str(raw.get("stop") or ""),
        )
    edges: list[_Edge] = []
    raw_edges = graph.get("edges")
    for raw in raw_edges if isinstance(raw_edges, list) else []:
        if not isinstance(raw, Mapping):
            continue
        source, target = raw.get("source"), raw.get("target")
        value, attributed = _int(raw.get("value")), _int(raw.get("attributed"))
        if source not in nodes or target not in nodes or value is None or attributed is None:
            continue
        assert isinstance(source, str) and isinstance(target, str)
        edges.append(_Edge(source, target, str(raw.get("asset") or ""), value, attributed))
    return nodes, edges


def _layers(
    origin: str, nodes: Mapping[str, _Node], edges: Sequence[_Edge], backward: bool
) -> tuple[dict[str, int], dict[str, str]]:
    """Breadth-first distance from the origin following the money (forward)
    or against it (backward), and each node's parent on that walk."""
    step: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        a, b = (e.target, e.source) if backward else (e.source, e.target)
        step[a].append(b)
    layer = {origin: 0} if origin in nodes else {}
    parent: dict[str, str] = {}
    queue = deque(layer)
    while queue:
        here = queue.popleft()
        for there in step[here]:
            if there not in layer:
                layer[there] = layer[here] + 1
                parent[there] = here
                queue.append(there)
    deepest = max(layer.values(), default=0)
    for node_id in nodes:  # not reachable (a cut trace): after everything else
        layer.setdefault(node_id, deepest + 1)
    return layer, parent


def _colour(node: _Node, origin: str) -> str:
    if node.id == origin:
        return "origin"
    if node.kind == "tx":
        return "tx"
    risks: set[str] = set()
    for tag in node.tags:
        found = tag.get("risks")
        if isinstance(found, list):
            risks.update(str(r) for r in found)
    if risks & set(RISK_CLASSES):
        return "risk"
    if any(t.get("service") is True for t in node.tags):
        return "service"
    return "tagged" if node.tags else "plain"


def _choose(
    origin: str,
    nodes: Mapping[str, _Node],
    layer: Mapping[str, int],
    parent: Mapping[str, str],
    weight: Mapping[str, int],
    max_nodes: int,
    max_per_layer: int,
) -> list[str]:
    """Which nodes the picture shows, most telling first."""
    by_rank = sorted(nodes, key=lambda n: (layer[n], -weight.get(n, 0), n))
    tagged = [n for n in by_rank if nodes[n].tags and n != origin]
    wanted: list[str] = [origin] if origin in nodes else []
    for node_id in tagged:  # each tagged node with the path that reached it
        chain = [node_id]
        while chain[-1] in parent:
            chain.append(parent[chain[-1]])
        wanted.extend(reversed(chain))
    wanted.extend(by_rank)
    chosen: list[str] = []
    seen: set[str] = set()
    per_layer: dict[int, int] = defaultdict(int)
    for node_id in wanted:
        if node_id in seen or len(chosen) >= max_nodes:
            continue
        if per_layer[layer[node_id]] >= max_per_layer:
            continue
        seen.add(node_id)
        chosen.append(node_id)
        per_layer[layer[node_id]] += 1
    return chosen


def _rows(
    chosen: Iterable[str],
    layer: Mapping[str, int],
    edges: Sequence[_Edge],
    weight: Mapping[str, int],
) -> dict[str, float]:
    """Row of each node within its layer: barycentre of its neighbours in the
    layer before, ties broken by attributed value."""
    columns: dict[int, list[str]] = defaultdict(list)
    for node_id in chosen:
        columns[layer[node_id]].append(node_id)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    row: dict[str, float] = {}
    for depth in sorted(columns):
        members = columns[depth]
        centre = {}
        for node_id in members:
            placed = [row[n] for n in neighbours[node_id] if n in row and layer[n] == depth - 1]
            centre[node_id] = sum(placed) / len(placed) if placed else math.inf
        members.sort(key=lambda n: (centre[n], -weight.get(n, 0), n))
        for index, node_id in enumerate(members):
            row[node_id] = index
    return row


def flow_picture(
    graph: Mapping[str, JsonValue],
    *,
    max_nodes: int = MAX_PICTURE_NODES,
    max_per_layer: int = MAX_LAYER_NODES,
) -> FlowPicture:
    """Lay out a stored trace graph (`FlowGraph.to_dict()`) for drawing."""
    nodes, edges = _parse(graph)
    origin = str(graph.get("origin") or "")
    backward = graph.get("direction") == "backward"
    layer, parent = _layers(origin, nodes, edges, backward)
    weight: dict[str, int] = defaultdict(int)
    for e in edges:
        weight[e.source] += e.attributed
        weight[e.target] += e.attributed
    chosen = _choose(origin, nodes, layer, parent, weight, max_nodes, max_per_layer)
    shown = set(chosen)
    drawn = [e for e in edges if e.source in shown and e.target in shown]
    row = _rows(chosen, layer, drawn, weight)
    deepest = max((layer[n] for n in chosen), default=0)
    per_column = Counter(layer[n] for n in chosen)
    tallest = max(per_column.values(), default=1)
    boxes: dict[str, PictureNode] = {}
    for node_id in chosen:
        depth = layer[node_id]
        column = deepest - depth if backward else depth
        top = MARGIN + ((tallest - per_column[depth]) / 2 + row[node_id]) * ROW_HEIGHT
        boxes[node_id] = _box(nodes[node_id], origin, column, top)
    width = MARGIN * 2 + (deepest + 1) * ADDRESS_BOX[0] + deepest * COLUMN_GAP
    height = MARGIN * 2 + tallest * ROW_HEIGHT
    return FlowPicture(
        width,
        height,
        tuple(boxes[n] for n in chosen),
        tuple(_draw_edges(drawn, boxes)),
        len(nodes),
        len(edges),
    )


def _box(node: _Node, origin: str, column: int, top: float) -> PictureNode:
    """The node's box in its column, centred in its row."""
    width, height = TX_BOX if node.kind == "tx" else ADDRESS_BOX
    x = MARGIN + column * (ADDRESS_BOX[0] + COLUMN_GAP) + (ADDRESS_BOX[0] - width) // 2
    y = int(top + (ROW_HEIGHT - height) / 2)
    tags = [f"{t.get('label')} [{t.get('dataset')}]" for t in node.tags]
    note = str(node.tags[0].get("label") or "") if node.tags else node.stop
    title = "\n".join([node.label, *tags, *([f"stopped: {node.stop}"] if node.stop else [])])
    return PictureNode(
        node.id,
        node.kind,
        x,
        y,
        width,
        height,
        short_id(node.label),
        note if len(note) <= 24 else note[:23] + "…",
        title,
        _colour(node, origin),
        bool(node.stop),
    )


def _draw_edges(edges: Sequence[_Edge], boxes: Mapping[str, PictureNode]) -> list[PictureEdge]:
    """One drawn edge per (source, target, asset), its value summed; stroke
    width grows with the attributed value relative to the largest of the asset."""
    merged: dict[tuple[str, str, str], list[_Edge]] = defaultdict(list)
    for e in edges:
        merged[(e.source, e.target, e.asset)].append(e)
    largest: dict[str, int] = defaultdict(int)
    for (_, _, asset), group in merged.items():
        largest[asset] = max(largest[asset], sum(e.attributed for e in group))
    drawn = []
    for (source, target, asset), group in merged.items():
        a, b = boxes[source], boxes[target]
        x0, y0 = a.x + a.width, a.y + a.height / 2
        x3, y3 = b.x, b.y + b.height / 2
        bend = max(40.0, abs(x3 - x0) / 2)
        x1, x2, y1, y2 = x0 + bend, x3 - bend, y0, y3
        if x3 <= x0:  # back to an earlier column (a cycle): loop below both boxes
            y1, y2 = y0 + ROW_HEIGHT, y3 + ROW_HEIGHT
        attributed = sum(e.attributed for e in group)
        value = sum(e.value for e in group)
        label = format_amount(attributed, asset)
        if attributed != value:
            label = f"{_units(attributed, asset)} of {format_amount(value, asset)}"
        share = attributed / largest[asset] if largest[asset] else 0.0
        drawn.append(
            PictureEdge(
                source,
                target,
                asset,
                f"M{x0:.0f},{y0:.0f} C{x1:.0f},{y1:.0f} {x2:.0f},{y2:.0f} {x3:.0f},{y3:.0f}",
                label,
                round((x0 + 3 * x1 + 3 * x2 + x3) / 8),
                round((y0 + 3 * y1 + 3 * y2 + y3) / 8) - 4,
                round(1.0 + 4.0 * math.sqrt(share), 2),
                len(group),
            )
        )
    return drawn
