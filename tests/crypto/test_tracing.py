# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""Tracing: attribution rules, forward/backward traces, stops at services, exports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vigil.crypto.model import Transfer, TransferKind
from vigil.crypto.sources.graphsense import GraphSenseFixtureSource
from vigil.crypto.store import TxStore
from vigil.crypto.tags import Tag, TagIndex
from vigil.crypto.tracing import Method, attribute_utxo, find_paths, trace
from vigil.domain.errors import NotFoundError, UsageError

GS = "graphsense-lib/spark_utxo_test_resources/test_txs.json"
SOURCE = "138cWsiAGpW9yqfjMVCCsFcnaiSHyoWMnJ"
SINK = "1Fm1rJe1CtGuTKxWjQ4MyU7GEwrgkHYn5k"


def test_attribution_rules_on_one_transaction() -> None:
    inputs = [(60, 60), (40, 0)]  # first input wholly tainted, second clean
    outputs = [50, 45]  # 5 fee
    assert attribute_utxo(Method.POISON, inputs, outputs) == [50, 45]
    assert attribute_utxo(Method.HAIRCUT, inputs, outputs) == [30, 27]
    assert attribute_utxo(Method.FIFO, inputs, outputs) == [50, 10]
    assert attribute_utxo(Method.FIFO, [(60, 0), (40, 40)], outputs) == [0, 35]
    assert attribute_utxo(Method.HAIRCUT, [(10, 0)], [9]) == [0]


@pytest.fixture
def store(etl: Path) -> TxStore:
    s = TxStore(":memory:")
    s.ingest(GraphSenseFixtureSource(etl / GS).records())
    return s


def test_forward_trace_methods_bound_each_other(store: TxStore) -> None:
    reached = {}
    for method in Method:
        graph = trace(store, address=SOURCE, hops=3, method=method)
        rows = [r for r in graph.table() if r["to"] == SINK]
        reached[method] = sum(int(r["attributed"]) for r in rows)
        for row in graph.table():
            assert 0 <= int(row["attributed"]) <= int(row["value"])
    assert reached[Method.POISON] == 1_400_000
    assert 0 < reached[Method.HAIRCUT] < reached[Method.FIFO] <= reached[Method.POISON]


def test_backward_trace_finds_the_sources(store: TxStore) -> None:
    graph = trace(store, address=SINK, hops=3, method="haircut", direction="backward")
    sources = {n.label for n in graph.nodes.values() if n.kind == "address"}
    assert SOURCE in sources
    # the 2,500,000 coinbase of block 2 reaches it through the CoinJoin-flagged tx
    assert "1HxbaBMF2jXBVnagoHvaA6rLxmaYL8gb8T" in sources


def test_trace_stops_at_tagged_services(store: TxStore) -> None:
    tags = TagIndex(
        [
            Tag(
                "1FDCgJ8m2xDyVmYuankk13XReVC2Zvs5cz",
                "Some Exchange",
                "user:test.csv",
                "test",
                category="exchange",
                risks=("exchange",),
            )
        ]
    )
    graph = trace(store, address=SOURCE, hops=3, method="poison", tags=tags.lookup)
    node = graph.nodes["1FDCgJ8m2xDyVmYuankk13XReVC2Zvs5cz"]
    assert (
        node.stop.startswith("service: Some Exchange")
        and node.tags[0]["dataset"] == "user:test.csv"
    )
    assert not any(e.source == node.id for e in graph.edges)
    unstopped = trace(
        store, address=SOURCE, hops=3, method="poison", tags=tags.lookup, stop_at_services=False
    )
    assert any(e.source == node.id for e in unstopped.edges)


def test_exports(store: TxStore) -> None:
    graph = trace(store, address=SOURCE, hops=2)
    root = ET.fromstring(graph.to_graphml())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == len(graph.nodes)
    assert len(root.findall(".//g:edge", ns)) == len(graph.edges)
    data = graph.to_dict()
    assert data["method"] == "haircut" and len(data["edges"]) == len(graph.table())


def test_trace_from_a_transaction(store: TxStore) -> None:
    txid = "ab20101c4ca509cd1bbb31bef15b96cc5f987e6438f770e105e41d012057930a"
    graph = trace(store, txid=txid, hops=1, method="poison")
    assert f"tx:{txid}" in graph.nodes and graph.edges


def test_path_search(store: TxStore) -> None:
    result = find_paths(store, SOURCE, SINK, max_hops=4)
    assert result.found and len(result.paths) == 2
    for path in result.paths:
        assert path[0]["from"] == SOURCE and path[-1]["to"] == SINK
        assert all(a["to"] == b["from"] for a, b in zip(path, path[1:], strict=False))
    assert not find_paths(store, SINK, SOURCE, max_hops=4).found
    with pytest.raises(NotFoundError):
        find_paths(store, SOURCE, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")


def test_bad_parameters(store: TxStore) -> None:
    with pytest.raises(UsageError):
        trace(store, address=SOURCE, hops=0)
    with pytest.raises(UsageError):
        trace(store, address=SOURCE, txid="ab" * 32)
    with pytest.raises(NotFoundError):
        trace(store, address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT")


def _t(n: int, a: str, b: str, value: int, block: int) -> Transfer:
    return Transfer(
        "ethereum", f"0x{n:064x}", TransferKind.NATIVE, "ETH", a, b, value, block, None, "tx"
    )


def test_account_chain_attribution() -> None:
    a, b, c, d, e = ("0x" + ch * 40 for ch in "abcde")
    with TxStore(":memory:") as store:
        store.ingest(
            [
                _t(1, a, b, 60, 1),  # tainted lot into b
                _t(2, e, b, 40, 2),  # clean lot into b
                _t(3, b, c, 50, 3),
                _t(4, b, d, 50, 4),
            ]
        )
        got = {}
        for method in Method:
            graph = trace(store, address=a, hops=2, method=method)
            got[method] = {r["to"]: int(r["attributed"]) for r in graph.table() if r["hop"] == 2}
        assert got[Method.POISON] == {c: 50, d: 50}
        assert got[Method.FIFO] == {c: 50, d: 10}
        assert got[Method.HAIRCUT] == {c: 30, d: 30}
        back = trace(store, address=c, hops=2, method="fifo", direction="backward")
        assert {r["from"]: int(r["attributed"]) for r in back.table() if r["hop"] == 2} == {a: 50}
