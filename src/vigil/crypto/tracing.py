"""Forward and backward k-hop flow tracing with value attribution, and path search.

Methods (see docs/crypto-tracing.md for worked examples):

- poison: anything that touches tainted value is wholly tainted. Upper bound;
  explodes quickly, good for "could any of it have reached X".
- haircut: taint spreads pro rata. In a UTXO transaction each output gets
  (tainted input value / total input value) of its value; at an account
  address each outgoing transfer takes its share of every lot in the balance.
- fifo: first in, first out. UTXO: inputs and outputs are laid end to end in
  order and the tainted byte ranges are followed; account: incoming lots form
  a queue that outgoing transfers consume.

Backward tracing asks where the value an address received came from, with the
same three rules applied in reverse. A trace stops at addresses tagged as a
service (exchange, mixer, gambling, market, ...): the trail goes on inside
the service's books, which is a subpoena target, not chain data.
"""

from __future__ import annotations

import html
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from vigil.crypto._values import normalize_address
from vigil.crypto.tags import Tag
from vigil.domain.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from vigil.crypto.store import TxStore

__all__ = [
    "FlowEdge",
    "FlowGraph",
    "FlowNode",
    "Method",
    "PathResult",
    "attribute_utxo",
    "find_paths",
    "trace",
]

TagLookup = Callable[[str], Sequence[Tag]]


class Method(StrEnum):
    POISON = "poison"
    HAIRCUT = "haircut"
    FIFO = "fifo"


@dataclass(slots=True)
class FlowNode:
    id: str
    kind: str
    """'address' or 'tx'."""
    label: str
    hop: int
    tags: list[dict[str, object]] = field(default_factory=list)
    stop: str = ""
    """Why the trace did not go on from here ('' when it did)."""


@dataclass(frozen=True, slots=True)
class FlowEdge:
    source: str
    target: str
    txid: str
    asset: str
    value: int
    """Full value of the input, output or transfer."""
    attributed: int
    """The part of it the method attributes to the traced funds."""
    hop: int


@dataclass(slots=True)
class FlowGraph:
    """The result of one trace: nodes, edges, and the parameters that made it."""

    origin: str
    direction: str
    method: Method
    hops: int
    nodes: dict[str, FlowNode] = field(default_factory=dict)
    edges: list[FlowEdge] = field(default_factory=list)
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def node(self, id_: str, kind: str, label: str, hop: int) -> FlowNode:
        found = self.nodes.get(id_)
        if found is None:
            found = self.nodes[id_] = FlowNode(id_, kind, label, hop)
        return found

    def reached(self) -> list[FlowNode]:
        """Tagged addresses the trace reached, nearest first."""
        return sorted(
            (n for n in self.nodes.values() if n.kind == "address" and n.tags),
            key=lambda n: (n.hop, n.label),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "direction": self.direction,
            "method": self.method.value,
            "hops": self.hops,
            "truncated": self.truncated,
            "notes": list(self.notes),
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "label": n.label,
                    "hop": n.hop,
                    "tags": n.tags,
                    "stop": n.stop,
                }
                for n in self.nodes.values()
            ],
            "edges": [
                {
                    "source": e.source,
                    "target": e.target,
                    "txid": e.txid,
                    "asset": e.asset,
                    "value": str(e.value),
                    "attributed": str(e.attributed),
                    "hop": e.hop,
                }
                for e in self.edges
            ],
        }

    def table(self) -> list[dict[str, object]]:
        """One row per value movement: hop, txid, from, to, asset, value,
        attributed value and share, and the tags of the receiving side."""
        rows = []
        for e in sorted(self.edges, key=lambda e: (e.hop, e.txid, e.source, e.target)):
            target = self.nodes.get(e.target)
            rows.append(
                {
                    "hop": e.hop,
                    "txid": e.txid,
                    "from": self.nodes[e.source].label if e.source in self.nodes else e.source,
                    "to": target.label if target else e.target,
                    "asset": e.asset,
                    "value": e.value,
                    "attributed": e.attributed,
                    "share": round(e.attributed / e.value, 6) if e.value else 0.0,
                    "to_tags": "; ".join(
                        f"{t['label']} [{t['dataset']}]" for t in (target.tags if target else [])
                    ),
                    "stop": target.stop if target else "",
                }
            )
        return rows

    def to_graphml(self) -> str:
        """GraphML (yEd, Gephi, Cytoscape): node kind/label/hop/tags/stop,
        edge txid/asset/value/attributed/hop."""
        out = io.StringIO()
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
        keys = [
            ("kind", "node", "string"),
            ("label", "node", "string"),
            ("hop", "node", "int"),
            ("tags", "node", "string"),
            ("stop", "node", "string"),
            ("txid", "edge", "string"),
            ("asset", "edge", "string"),
            ("value", "edge", "string"),
            ("attributed", "edge", "string"),
            ("ehop", "edge", "int"),
        ]
        for name, domain, kind in keys:
            attr = "hop" if name == "ehop" else name
            out.write(
                f'  <key id="{name}" for="{domain}" attr.name="{attr}" attr.type="{kind}"/>\n'
            )
        out.write(f'  <graph id="{html.escape(self.origin)}" edgedefault="directed">\n')
        esc = html.escape
        for n in self.nodes.values():
            tags = "; ".join(f"{t['label']} [{t['dataset']}]" for t in n.tags)
            out.write(f'    <node id="{esc(n.id)}">')
            out.write(f'<data key="kind">{n.kind}</data><data key="label">{esc(n.label)}</data>')
            out.write(f'<data key="hop">{n.hop}</data><data key="tags">{esc(tags)}</data>')
            out.write(f'<data key="stop">{esc(n.stop)}</data></node>\n')
        for i, e in enumerate(self.edges):
            out.write(f'    <edge id="e{i}" source="{esc(e.source)}" target="{esc(e.target)}">')
            out.write(
                f'<data key="txid">{esc(e.txid)}</data><data key="asset">{esc(e.asset)}</data>'
            )
            out.write(
                f'<data key="value">{e.value}</data><data key="attributed">{e.attributed}</data>'
            )
            out.write(f'<data key="ehop">{e.hop}</data></edge>\n')
        out.write("  </graph>\n</graphml>\n")
        return out.getvalue()


def attribute_utxo(
    method: Method,
    inputs: Sequence[tuple[int, int]],
    outputs: Sequence[int],
) -> list[int]:
    """Forward attribution through one UTXO transaction.

    inputs: (value, tainted part) in input order; outputs: values in output order.
    Returns the tainted part of each output (integers; haircut rounds down)."""
    total_in = sum(v for v, _ in inputs)
    tainted_in = sum(min(t, v) for v, t in inputs)
    if tainted_in <= 0:
        return [0] * len(outputs)
    if method is Method.POISON:
        return list(outputs)
    if method is Method.HAIRCUT:
        if total_in <= 0:
            return [0] * len(outputs)
        return [w * tainted_in // total_in for w in outputs]
    # FIFO: the tainted part of each input is its first t units
    ranges = []
    cursor = 0
    for value, tainted in inputs:
        if tainted > 0:
            ranges.append((cursor, cursor + min(tainted, value)))
        cursor += value
    result = []
    cursor = 0
    for w in outputs:
        lo, hi = cursor, cursor + w
        result.append(sum(max(0, min(hi, b) - max(lo, a)) for a, b in ranges))
        cursor = hi
    return result


def _backward_utxo(
    method: Method, inputs: Sequence[int], outputs: Sequence[int], demand: Sequence[int]
) -> list[int]:
    """How much of the demanded output amounts each input supplied."""
    total_in = sum(inputs)
    wanted = sum(demand)
    if wanted <= 0 or total_in <= 0:
        return [0] * len(inputs)
    if method is Method.POISON:
        return list(inputs)
    if method is Method.HAIRCUT:
        return [wanted * v // total_in for v in inputs]
    ranges = []
    cursor = 0
    for w, d in zip(outputs, demand, strict=True):
        if d > 0:
            ranges.append((cursor, cursor + min(d, w)))
        cursor += w
    result = []
    cursor = 0
    for v in inputs:
        lo, hi = cursor, cursor + v
        result.append(sum(max(0, min(hi, b) - max(lo, a)) for a, b in ranges))
        cursor = hi
    return result


def _execution_order(position: str) -> tuple[int, ...]:
    """Order of transfers inside one transaction: its own value first (it moves
    before any code runs), then calls in trace order (pre-order: 0, 0_0, 0_1, 1)
    and logs by index, compared as numbers ('log:9' before 'log:10'). Calls and
    logs interleave in execution, but they move different assets (ETH, tokens)
    and lots are kept per asset, so their relative order does not matter."""
    kind, _, rest = position.partition(":")
    rank = {"tx": 0, "trace": 1, "log": 2}.get(kind, 3)
    try:
        return (rank, *(int(p) for p in rest.split("_") if p))
    except ValueError:
        return (rank,)


def _frame(**columns: Iterable[int]) -> dict[str, object]:
    import numpy as np

    return {k: np.array(list(v), dtype=np.int64) for k, v in columns.items()}


class _Tracer:
    def __init__(
        self,
        store: TxStore,
        method: Method,
        tags: TagLookup | None,
        max_nodes: int,
        stop_at_services: bool,
    ):
        self.store = store
        self.method = method
        self.tags = tags
        self.max_nodes = max_nodes
        self.stop_at_services = stop_at_services
        self.names: dict[int, str] = {}
        self.txids: dict[int, str] = {}

    def address_node(self, graph: FlowGraph, address_id: int, hop: int) -> FlowNode:
        name = self.names.get(address_id)
        if name is None:
            name = self.store.address_of([address_id]).get(address_id, f"#{address_id}")
            self.names[address_id] = name
        node = graph.nodes.get(name)
        if node is not None:
            return node
        node = graph.node(name, "address", name, hop)
        if self.tags is not None:
            found = self.tags(name)
            node.tags = [t.to_dict() for t in found]
            services = [t for t in found if t.is_service]
            if services and self.stop_at_services and hop > 0:
                node.stop = (
                    f"service: {services[0].label} ({services[0].category}, {services[0].dataset})"
                )
        if len(graph.nodes) > self.max_nodes:
            graph.truncated = True
        return node

    def preload_names(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if i not in self.names]
        self.names.update(self.store.address_of(missing))

    def preload_txids(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if i not in self.txids]
        self.txids.update(self.store.txid_of(missing))

    # -- UTXO ---------------------------------------------------------------------

    def _details(
        self, tx_ids: Sequence[int]
    ) -> tuple[
        dict[int, list[tuple[int, int | None, int | None, int | None, int]]],
        dict[int, list[tuple[int, int | None, int]]],
    ]:
        frame = _frame(tx_id=sorted(set(tx_ids)))  # noqa: F841 - scanned by duckdb
        con = self.store.con
        ins: dict[int, list[tuple[int, int | None, int | None, int | None, int]]] = defaultdict(
            list
        )
        for tx_id, vin, prev_tx, prev_vout, address_id, value in con.execute(
            "SELECT i.tx_id, i.vin, i.prev_tx_id, i.prev_vout, i.address_id, coalesce(i.value, 0) "
            "FROM inputs i JOIN frame USING (tx_id) ORDER BY i.tx_id, i.vin"
        ).fetchall():
            ins[int(tx_id)].append((int(vin), prev_tx, prev_vout, address_id, int(value)))
        outs: dict[int, list[tuple[int, int | None, int]]] = defaultdict(list)
        for tx_id, vout, address_id, value in con.execute(
            "SELECT o.tx_id, o.vout, o.address_id, coalesce(o.value, 0) "
            "FROM outputs o JOIN frame USING (tx_id) ORDER BY o.tx_id, o.vout"
        ).fetchall():
            outs[int(tx_id)].append((int(vout), address_id, int(value)))
        return ins, outs

    def utxo_forward(
        self, graph: FlowGraph, frontier: dict[tuple[int, int], int], origin_hop: int = 0
    ) -> None:
        con = self.store.con
        for hop in range(origin_hop + 1, origin_hop + graph.hops + 1):
            if not frontier or graph.truncated:
                break
            keys = list(frontier)
            frame = _frame(prev_tx_id=[k[0] for k in keys], prev_vout=[k[1] for k in keys])  # noqa: F841
            spenders = con.execute(
                "SELECT DISTINCT i.tx_id FROM inputs i JOIN frame f "
                "ON i.prev_tx_id = f.prev_tx_id AND i.prev_vout = f.prev_vout"
            ).fetchall()
            tx_ids = [int(r[0]) for r in spenders]
            if not tx_ids:
                break
            ins, outs = self._details(tx_ids)
            self.preload_txids(tx_ids)
            self.preload_names(
                [a for t in tx_ids for *_, a, _ in ins[t] if a is not None]
                + [a for t in tx_ids for _, a, _ in outs[t] if a is not None]
            )
            next_frontier: dict[tuple[int, int], int] = {}
            for tx_id in tx_ids:
                txid = self.txids.get(tx_id, f"#{tx_id}")
                tainted_inputs = [
                    (
                        value,
                        frontier.get((prev_tx, prev_vout), 0)
                        if prev_tx is not None and prev_vout is not None
                        else 0,
                    )
                    for _, prev_tx, prev_vout, _, value in ins[tx_id]
                ]
                shares = attribute_utxo(self.method, tainted_inputs, [v for _, _, v in outs[tx_id]])
                tx_node = graph.node(f"tx:{txid}", "tx", txid, hop)
                for (_, _, _, address_id, value), (_, tainted) in zip(
                    ins[tx_id], tainted_inputs, strict=True
                ):
                    if tainted > 0 and address_id is not None:
                        src = self.address_node(graph, address_id, hop - 1)
                        graph.edges.append(
                            FlowEdge(src.id, tx_node.id, txid, "BTC", value, tainted, hop)
                        )
                for (vout, address_id, value), share in zip(outs[tx_id], shares, strict=True):
                    if share <= 0:
                        continue
                    if address_id is None:
                        graph.edges.append(
                            FlowEdge(tx_node.id, f"{txid}:{vout}", txid, "BTC", value, share, hop)
                        )
                        graph.node(
                            f"{txid}:{vout}", "address", f"(no address) {txid}:{vout}", hop
                        ).stop = "output without an address"
                        continue
                    dst = self.address_node(graph, address_id, hop)
                    graph.edges.append(FlowEdge(tx_node.id, dst.id, txid, "BTC", value, share, hop))
                    if not dst.stop:
                        next_frontier[(tx_id, vout)] = share
            frontier = next_frontier

    def utxo_backward(self, graph: FlowGraph, demand: dict[tuple[int, int], int]) -> None:
        for hop in range(1, graph.hops + 1):
            if not demand or graph.truncated:
                break
            tx_ids = sorted({k[0] for k in demand})
            ins, outs = self._details(tx_ids)
            self.preload_txids(tx_ids)
            self.preload_names(
                [a for t in tx_ids for *_, a, _ in ins[t] if a is not None]
                + [a for t in tx_ids for _, a, _ in outs[t] if a is not None]
            )
            next_demand: dict[tuple[int, int], int] = {}
            for tx_id in tx_ids:
                txid = self.txids.get(tx_id, f"#{tx_id}")
                tx_node = graph.node(f"tx:{txid}", "tx", txid, hop)
                wanted = [demand.get((tx_id, vout), 0) for vout, _, _ in outs[tx_id]]
                for (_vout, address_id, value), d in zip(outs[tx_id], wanted, strict=True):
                    if d > 0 and address_id is not None:
                        dst = self.address_node(graph, address_id, hop - 1)
                        graph.edges.append(FlowEdge(tx_node.id, dst.id, txid, "BTC", value, d, hop))
                if not ins[tx_id]:
                    tx_node.stop = "coinbase: newly mined coins"
                    continue
                supplied = _backward_utxo(
                    self.method, [v for *_, v in ins[tx_id]], [v for _, _, v in outs[tx_id]], wanted
                )
                for (_, prev_tx, prev_vout, address_id, value), amount in zip(
                    ins[tx_id], supplied, strict=True
                ):
                    if amount <= 0:
                        continue
                    if address_id is None:
                        tx_node.stop = "input whose spent output is not in the store"
                        continue
                    src = self.address_node(graph, address_id, hop)
                    graph.edges.append(
                        FlowEdge(src.id, tx_node.id, txid, "BTC", value, amount, hop)
                    )
                    if prev_tx is None:
                        src.stop = src.stop or "spent output not in the store"
                    elif not src.stop and prev_vout is not None:
                        next_demand[(int(prev_tx), int(prev_vout))] = (
                            next_demand.get((int(prev_tx), int(prev_vout)), 0) + amount
                        )
            demand = next_demand

    # -- account ------------------------------------------------------------------

    def _ledger(self, address_id: int) -> list[tuple[tuple[int, ...], int, str, int, int, int]]:
        """Transfers in and out of one address in chain order:
        (key, tx_id, asset, from_id, to_id, value)."""
        rows = self.store.con.execute(
            """
            SELECT f.tx_id, f.position, f.asset, f.from_id, f.to_id, f.value, f.block_number,
                   coalesce(t.position, 0)
            FROM transfers f JOIN txs t USING (tx_id)
            WHERE (f.from_id = ? OR f.to_id = ?) AND f.value IS NOT NULL
            """,
            [address_id, address_id],
        ).fetchall()
        rows.sort(
            key=lambda r: (
                r[6] is not None,
                r[6] or 0,
                int(r[7]),
                int(r[0]),
                _execution_order(str(r[1])),
            )
        )
        ledger: list[tuple[tuple[int, ...], int, str, int, int, int]] = []
        for order, (tx_id, position, asset, from_id, to_id, value, _, _) in enumerate(rows):
            ledger.append(
                ((order,), int(tx_id), f"{asset}|{position}", int(from_id), int(to_id), int(value))
            )
        return ledger

    def _compositions(
        self, address_id: int
    ) -> dict[tuple[int, str], list[tuple[tuple[int, str], int]]]:
        """For each outgoing transfer of the address: which incoming transfers
        (lots) funded it and how much of each, under the method. Lots are per
        asset; value beyond the known balance came from unknown earlier funds."""
        lots: dict[str, list[list[object]]] = defaultdict(
            list
        )  # asset -> [[key, remaining, value]]
        result: dict[tuple[int, str], list[tuple[tuple[int, str], int]]] = {}
        for _, tx_id, asset_pos, from_id, to_id, value in self._ledger(address_id):
            asset = asset_pos.split("|", 1)[0]
            key = (tx_id, asset_pos)
            if to_id == address_id and from_id != address_id:
                lots[asset].append([key, value, value])
                continue
            if from_id != address_id:
                continue
            queue = lots[asset]
            balance = sum(int(str(lot[1])) for lot in queue)
            taken: list[tuple[tuple[int, str], int]] = []
            if self.method is Method.POISON:
                taken = [(lot[0], int(str(lot[2]))) for lot in queue]  # type: ignore[misc]
            elif self.method is Method.HAIRCUT:
                if balance > 0:
                    part = min(value, balance)
                    for lot in queue:
                        share = int(str(lot[1])) * part // balance
                        lot[1] = int(str(lot[1])) - share
                        if share:
                            taken.append((lot[0], share))  # type: ignore[arg-type]
            else:
                need = value
                for lot in queue:
                    if need <= 0:
                        break
                    use = min(need, int(str(lot[1])))
                    if use:
                        lot[1] = int(str(lot[1])) - use
                        need -= use
                        taken.append((lot[0], use))  # type: ignore[arg-type]
            result[key] = taken
        return result

    def account_forward(self, graph: FlowGraph, origin: int) -> None:
        # the origin's own funds are the traced funds: every outgoing transfer is tainted
        tainted: dict[int, dict[tuple[int, str], int]] = {origin: {}}
        whole = {origin}
        for hop in range(1, graph.hops + 1):
            if not tainted or graph.truncated:
                break
            next_tainted: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
            for address_id, lots in tainted.items():
                compositions = self._compositions(address_id)
                ledger = {(t, p): (f, to, v) for _, t, p, f, to, v in self._ledger(address_id)}
                self.preload_txids([k[0] for k in compositions])
                src = self.address_node(graph, address_id, hop - 1)
                for key, parts in compositions.items():
                    _, to_id, value = ledger[key]
                    if address_id in whole:
                        amount = value
                    elif self.method is Method.POISON:
                        amount = value if any(k in lots for k, _ in parts) else 0
                    else:
                        amount = sum(min(used, lots.get(k, 0)) for k, used in parts)
                    if amount <= 0:
                        continue
                    txid = self.txids.get(key[0], f"#{key[0]}")
                    dst = self.address_node(graph, to_id, hop)
                    asset = key[1].split("|", 1)[0]
                    graph.edges.append(FlowEdge(src.id, dst.id, txid, asset, value, amount, hop))
                    if not dst.stop and to_id != address_id:
                        next_tainted[to_id][key] = amount
            tainted = dict(next_tainted)
            whole = set()

    def account_backward(self, graph: FlowGraph, origin: int) -> None:
        # demand: the incoming transfers of the origin, wholly
        demand: dict[int, dict[tuple[int, str], int]] = {}
        ledger = self._ledger(origin)
        self.preload_txids([t for _, t, *_ in ledger])
        dst = self.address_node(graph, origin, 0)
        for _, tx_id, pos, from_id, to_id, value in ledger:
            if to_id == origin and from_id != origin:
                src = self.address_node(graph, from_id, 1)
                graph.edges.append(
                    FlowEdge(
                        src.id,
                        dst.id,
                        self.txids.get(tx_id, ""),
                        pos.split("|", 1)[0],
                        value,
                        value,
                        1,
                    )
                )
                if not src.stop:
                    demand.setdefault(from_id, {})[(tx_id, pos)] = value
        for hop in range(2, graph.hops + 1):
            if not demand or graph.truncated:
                break
            next_demand: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
            for address_id, wanted in demand.items():
                compositions = self._compositions(address_id)
                ledger_map = {(t, p): (f, v) for _, t, p, f, _, v in self._ledger(address_id)}
                self.preload_txids([k[0] for k in ledger_map])
                here = self.address_node(graph, address_id, hop - 1)
                for out_key, amount in wanted.items():
                    parts = compositions.get(out_key, [])
                    out_value = ledger_map.get(out_key, (0, 0))[1] or 1
                    for lot_key, used in parts:
                        share = used if self.method is Method.POISON else used * amount // out_value
                        if share <= 0:
                            continue
                        from_id, lot_value = ledger_map[lot_key]
                        src = self.address_node(graph, from_id, hop)
                        txid = self.txids.get(lot_key[0], f"#{lot_key[0]}")
                        graph.edges.append(
                            FlowEdge(
                                src.id,
                                here.id,
                                txid,
                                lot_key[1].split("|", 1)[0],
                                lot_value,
                                share,
                                hop,
                            )
                        )
                        if not src.stop:
                            prior = next_demand[from_id].get(lot_key, 0)
                            next_demand[from_id][lot_key] = min(lot_value, prior + share)
            demand = dict(next_demand)


def trace(
    store: TxStore,
    *,
    address: str | None = None,
    txid: str | None = None,
    direction: str = "forward",
    hops: int = 3,
    method: Method | str = Method.HAIRCUT,
    tags: TagLookup | None = None,
    stop_at_services: bool = True,
    max_nodes: int = 5000,
) -> FlowGraph:
    """Trace value from (forward) or into (backward) an address or a transaction.

    UTXO addresses and transactions follow inputs and outputs; account-chain
    addresses follow transfers per asset. Raises NotFoundError when the start
    is not in the store, UsageError for bad parameters."""
    method = Method(method)
    if direction not in ("forward", "backward"):
        raise UsageError("direction must be 'forward' or 'backward'")
    if hops < 1 or hops > 20:
        raise UsageError("hops must be between 1 and 20")
    if (address is None) == (txid is None):
        raise UsageError("give an address or a txid")
    tracer = _Tracer(store, method, tags, max_nodes, stop_at_services)
    con = store.con
    if txid is not None:
        rows = con.execute("SELECT tx_id FROM txs WHERE txid = ?", [txid.lower()]).fetchall()
        if not rows:
            raise NotFoundError(f"transaction {txid} is not in the store")
        tx_id = int(rows[-1][0])
        graph = FlowGraph(f"tx:{txid.lower()}", direction, method, hops)
        graph.node(f"tx:{txid.lower()}", "tx", txid.lower(), 0)
        outputs = con.execute(
            "SELECT vout, value FROM outputs WHERE tx_id = ? AND value IS NOT NULL", [tx_id]
        ).fetchall()
        frontier = {(tx_id, int(v)): int(val) for v, val in outputs}
        if direction == "forward":
            for _vout, address_id, value in tracer._details([tx_id])[1][tx_id]:
                if address_id is not None:
                    dst = tracer.address_node(graph, address_id, 0)
                    graph.edges.append(
                        FlowEdge(f"tx:{txid.lower()}", dst.id, txid.lower(), "BTC", value, value, 0)
                    )
            tracer.utxo_forward(graph, frontier)
        else:
            tracer.utxo_backward(graph, frontier)
        return graph
    assert address is not None
    name = normalize_address(address)
    ids = store.address_ids([name], create=False)
    if not ids:
        raise NotFoundError(f"address {name} is not in the store")
    address_id = ids[name]
    graph = FlowGraph(name, direction, method, hops)
    origin = tracer.address_node(graph, address_id, 0)
    origin.stop = ""
    received = con.execute(
        "SELECT tx_id, vout, value FROM outputs WHERE address_id = ? AND value IS NOT NULL",
        [address_id],
    ).fetchall()
    has_transfers = store._scalar(
        "SELECT count(*) FROM transfers WHERE from_id = ? OR to_id = ?", [address_id, address_id]
    )
    if received:
        frontier = {(int(t), int(v)): int(val) for t, v, val in received}
        if direction == "forward":
            tracer.utxo_forward(graph, frontier)
        else:
            tracer.utxo_backward(graph, frontier)
    if has_transfers:
        if direction == "forward":
            tracer.account_forward(graph, address_id)
        else:
            tracer.account_backward(graph, address_id)
    if graph.truncated:
        graph.notes.append(f"stopped after {max_nodes} nodes: raise max_nodes or lower hops")
    if method is Method.POISON:
        graph.notes.append("poison marks everything touched as wholly tainted: an upper bound")
    return graph


@dataclass(frozen=True, slots=True)
class PathResult:
    source: str
    target: str
    found: bool
    paths: tuple[tuple[dict[str, str], ...], ...]
    """Each path: steps {from, to, txid}."""
    explored: int

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "target": self.target,
            "found": self.found,
            "explored": self.explored,
            "paths": [list(p) for p in self.paths],
        }


def find_paths(
    store: TxStore,
    source: str,
    target: str,
    *,
    max_hops: int = 6,
    max_paths: int = 5,
    max_frontier: int = 100_000,
    tags: TagLookup | None = None,
    stop_at_services: bool = True,
) -> PathResult:
    """Shortest value paths from source to target (address -> address through
    transactions), by breadth-first search in both directions at once.
    Paths through tagged services are not followed when stop_at_services."""
    src_name, dst_name = normalize_address(source), normalize_address(target)
    ids = store.address_ids([src_name, dst_name], create=False)
    if src_name not in ids or dst_name not in ids:
        missing = [n for n in (src_name, dst_name) if n not in ids]
        raise NotFoundError(f"not in the store: {', '.join(missing)}")
    start, goal = ids[src_name], ids[dst_name]
    names: dict[int, str] = {}

    def blocked(address_id: int) -> bool:
        if tags is None or not stop_at_services or address_id in (start, goal):
            return False
        if address_id not in names:
            names.update(store.address_of([address_id]))
        return any(t.is_service for t in tags(names.get(address_id, "")))

    # parents: node -> list of (previous node, tx_id) on some shortest path
    fwd: dict[int, list[tuple[int, int]]] = {start: []}
    bwd: dict[int, list[tuple[int, int]]] = {goal: []}
    f_front, b_front = {start}, {goal}
    meet: set[int] = {start} if start == goal else set()
    explored = 0
    depth = 0
    while not meet and depth < max_hops and f_front and b_front:
        depth += 1
        forward = len(f_front) <= len(b_front)
        front = f_front if forward else b_front
        seen = fwd if forward else bwd
        new: set[int] = set()
        for a, b, tx_id in store.neighbours(sorted(front), direction="out" if forward else "in"):
            here, there = (a, b) if forward else (b, a)
            if here not in front or there == here:
                continue
            explored += 1
            if there in seen and there not in new:
                continue
            if blocked(there):
                continue
            seen.setdefault(there, []).append((here, tx_id))
            new.add(there)
        if forward:
            f_front = new
        else:
            b_front = new
        meet = set(fwd) & set(bwd)
        if len(new) > max_frontier:
            break
    if not meet:
        return PathResult(src_name, dst_name, False, (), explored)

    def walk(
        node: int, parents: Mapping[int, list[tuple[int, int]]]
    ) -> list[list[tuple[int, int, int]]]:
        if not parents.get(node):
            return [[]]
        out = []
        for prev, tx_id in parents[node][:max_paths]:
            for rest in walk(prev, parents):
                out.append([*rest, (prev, node, tx_id)])
                if len(out) >= max_paths:
                    return out
        return out

    paths: list[list[tuple[int, int, int]]] = []
    for middle in sorted(meet):
        for head in walk(middle, fwd):
            for tail in walk(middle, bwd):
                paths.append(head + [(b, a, t) for a, b, t in reversed(tail)])
                if len(paths) >= max_paths:
                    break
    paths = paths[:max_paths]
    all_ids = {x for p in paths for a, b, _ in p for x in (a, b)}
    names.update(store.address_of(all_ids))
    txids = store.txid_of({t for p in paths for _, _, t in p})
    rendered = tuple(
        tuple({"from": names[a], "to": names[b], "txid": txids.get(t, "")} for a, b, t in p)
        for p in paths
    )
    return PathResult(src_name, dst_name, True, rendered, explored)
