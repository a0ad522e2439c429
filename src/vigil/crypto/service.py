"""Service-level API for the CLI (`vigil trace`) and the report: explicit paths
in, plain dicts out. Nothing here prints or reads global state.

    store = default_store_path(home)                     # <home>/crypto/chain.duckdb
    import_chain_data(store, "esplora", path)            # or bitcoin-core, bitcoin-etl, ...
    tags = load_tags(TagSources(tagpack_dirs=[...], ofac_dirs=[...]))
    run_clustering(store)
    result = trace_address(store, address, hops=3, method="haircut", tags=tags)
    risk = risk_summary(store, address, tags=tags)
    paths = path_between(store, source, target, tags=tags)

`trace_address` returns {"graph": ..., "table": [...], "graphml": str,
"summary": {...}}; every tag hit in any result names its dataset and source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.crypto.clustering import cluster_addresses, cluster_of, explain_cluster
from vigil.crypto.sources.base import ChainSource
from vigil.crypto.sources.bitcoin_core import BitcoinCoreFileSource, BitcoinCoreRpcSource
from vigil.crypto.sources.esplora import EsploraClient, EsploraFileSource, EsploraRestSource
from vigil.crypto.sources.ethereum import TRACE_MODES, EthereumFileSource, EthereumRpcSource
from vigil.crypto.sources.etl import BitcoinEtlSource, EthereumEtlSource
from vigil.crypto.sources.graphsense import GraphSenseFixtureSource
from vigil.crypto.sources.http import JsonRpcClient
from vigil.crypto.store import TxStore
from vigil.crypto.tags import RISK_CLASSES, Tag, TagIndex
from vigil.crypto.tracing import Method, find_paths, trace
from vigil.domain.errors import UsageError

__all__ = [
    "NODE_KINDS",
    "RISK_CLASSES",
    "SOURCE_KINDS",
    "NodeRange",
    "TagSources",
    "cluster_report",
    "default_store_path",
    "import_chain_data",
    "import_node_data",
    "load_tags",
    "open_node_source",
    "open_source",
    "path_between",
    "risk_summary",
    "run_clustering",
    "trace_address",
]

SOURCE_KINDS = (
    "bitcoin-core",
    "esplora",
    "bitcoin-etl",
    "ethereum-rpc-files",
    "ethereum-etl",
    "graphsense-fixture",
)

NODE_KINDS = ("bitcoin-core-rpc", "esplora-rest", "ethereum-rpc")
MAX_NODE_BLOCKS = 100_000
"""One import reads at most this many blocks from a node; split larger ranges."""


@dataclass(frozen=True, slots=True)
class NodeRange:
    """Which blocks to read from a live node, and how to reach it."""

    start: int
    stop: int
    chain: str | None = None
    traces: str | None = None
    """Ethereum internal transfers: parity, geth or structlog (None: none)."""
    user: str | None = None
    password: str | None = None


def default_store_path(home: Path) -> Path:
    """Where a workspace keeps its transaction store."""
    folder = Path(home) / "crypto"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "chain.duckdb"


def open_source(kind: str, path: Path, *, chain: str | None = None) -> ChainSource:
    """A file-based chain source by name (live nodes: build the *RpcSource /
    EsploraRestSource classes with a client instead)."""
    path = Path(path)
    if kind == "bitcoin-core":
        return BitcoinCoreFileSource(path, chain=chain or "bitcoin")
    if kind == "esplora":
        return EsploraFileSource(path, chain=chain or "bitcoin")
    if kind == "bitcoin-etl":
        return BitcoinEtlSource(path, chain=chain or "bitcoin")
    if kind == "ethereum-rpc-files":
        return EthereumFileSource(path, chain=chain or "ethereum")
    if kind == "ethereum-etl":
        return EthereumEtlSource(path, chain=chain or "ethereum")
    if kind == "graphsense-fixture":
        return GraphSenseFixtureSource(path, chain=chain or "bitcoin")
    raise UsageError(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")


def open_node_source(kind: str, url: str, blocks: NodeRange) -> ChainSource:
    """A live-node chain source by name, reading blocks start..stop."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"a node URL starts with http:// or https://, not {url!r}")
    if not 0 <= blocks.start <= blocks.stop:
        raise UsageError("blocks run from a start height to a stop height not below it")
    if blocks.stop - blocks.start >= MAX_NODE_BLOCKS:
        raise UsageError(f"read at most {MAX_NODE_BLOCKS} blocks per import")
    if kind == "bitcoin-core-rpc":
        client = JsonRpcClient(url, user=blocks.user, password=blocks.password)
        return BitcoinCoreRpcSource(
            client, blocks.start, blocks.stop, chain=blocks.chain or "bitcoin"
        )
    if kind == "esplora-rest":
        return EsploraRestSource(
            EsploraClient(url),
            heights=range(blocks.start, blocks.stop + 1),
            chain=blocks.chain or "bitcoin",
        )
    if kind == "ethereum-rpc":
        if blocks.traces not in TRACE_MODES:
            raise UsageError("traces is one of parity, geth, structlog or none")
        client = JsonRpcClient(url, user=blocks.user, password=blocks.password)
        return EthereumRpcSource(
            client,
            blocks.start,
            blocks.stop,
            chain=blocks.chain or "ethereum",
            traces=blocks.traces,
        )
    raise UsageError(f"unknown node kind {kind!r}; one of {', '.join(NODE_KINDS)}")


def import_node_data(store_path: Path, kind: str, url: str, blocks: NodeRange) -> dict[str, object]:
    """Import blocks from a live node into the store; returns counts and every warning."""
    return _ingest(store_path, open_node_source(kind, url, blocks))


def import_chain_data(
    store_path: Path, kind: str, path: Path, *, chain: str | None = None
) -> dict[str, object]:
    """Import files into the store; returns counts and every warning."""
    return _ingest(store_path, open_source(kind, path, chain=chain))


def _ingest(store_path: Path, source: ChainSource) -> dict[str, object]:
    with TxStore(store_path) as store:
        report = store.ingest(source.records())
        return {**report.to_dict(), "store": store.counts()}


@dataclass(frozen=True, slots=True)
class TagSources:
    tagpack_dirs: Sequence[Path] = ()
    ofac_dirs: Sequence[Path] = ()
    cryptoscamdb_files: Sequence[Path] = ()
    user_files: Sequence[Path] = ()
    extra: Sequence[Tag] = field(default_factory=tuple)


def load_tags(sources: TagSources) -> TagIndex:
    index = TagIndex.from_paths(
        tagpack_dirs=sources.tagpack_dirs,
        ofac_dirs=sources.ofac_dirs,
        cryptoscamdb_files=sources.cryptoscamdb_files,
        user_files=sources.user_files,
    )
    index.add(sources.extra)
    return index


def run_clustering(
    store_path: Path, *, exclude_at: float = 0.3, merge_change_at: float | None = None
) -> dict[str, object]:
    with TxStore(store_path) as store:
        return cluster_addresses(
            store, exclude_at=exclude_at, merge_change_at=merge_change_at
        ).to_dict()


def cluster_report(
    store_path: Path, address: str, *, tags: TagIndex | None = None
) -> dict[str, object]:
    """The cluster of an address, why it is what it is, and the tags on it."""
    with TxStore(store_path) as store:
        cluster_id = cluster_of(store, address)
        if cluster_id is None:
            return {"address": address, "known": False}
        explanation = explain_cluster(store, cluster_id).to_dict()
    hits: list[dict[str, object]] = []
    if tags is not None:
        members: list[str] = list(explanation["addresses"])  # type: ignore[call-overload]
        for member in members:
            hits += [t.to_dict() for t in tags.lookup(str(member))]
    return {"address": address, "known": True, **explanation, "tags": hits}


def _summary(graph: dict[str, Any]) -> dict[str, object]:
    """Attributed value per asset at each tagged node, by risk class: what
    reached it (forward) or what it supplied towards the origin (backward).
    Amounts of different assets (wei, token units, satoshi) are never added."""
    backward = graph["direction"] == "backward"
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for edge in graph["edges"]:
        end = edge["source"] if backward else edge["target"]
        flows[str(end)][str(edge["asset"])] += int(str(edge["attributed"]))
    exposure: dict[str, dict[str, Any]] = {}
    reached = []
    for node in graph["nodes"]:
        tags = node.get("tags") or []
        if not tags or node.get("kind") != "address" or node.get("hop") == 0:
            continue
        classes = sorted({r for t in tags for r in t["risks"]})
        amounts = dict(sorted(flows[str(node["id"])].items()))
        reached.append(
            {
                "address": node["id"],
                "hop": node["hop"],
                "attributed": amounts,
                "labels": sorted({f"{t['label']} [{t['dataset']}]" for t in tags}),
                "risks": classes,
                "stop": node.get("stop", ""),
            }
        )
        for risk in classes:
            slot = exposure.setdefault(
                risk, {"attributed": {}, "addresses": 0, "nearest_hop": None}
            )
            for asset, amount in amounts.items():
                slot["attributed"][asset] = slot["attributed"].get(asset, 0) + amount
            slot["addresses"] += 1
            hop = int(str(node["hop"]))
            nearest = slot["nearest_hop"]
            slot["nearest_hop"] = hop if nearest is None else min(hop, nearest)
    return {
        "reached": sorted(reached, key=lambda r: (r["hop"], str(r["address"]))),
        "exposure": exposure,
    }


def trace_address(
    store_path: Path,
    address: str | None = None,
    *,
    txid: str | None = None,
    hops: int = 3,
    method: str = "haircut",
    direction: str = "forward",
    tags: TagIndex | None = None,
    stop_at_services: bool = True,
    max_nodes: int = 5000,
) -> dict[str, object]:
    """Trace; returns {'graph', 'table', 'graphml', 'summary'}."""
    with TxStore(store_path, read_only=False) as store:
        graph = trace(
            store,
            address=address,
            txid=txid,
            direction=direction,
            hops=hops,
            method=Method(method),
            tags=tags.lookup if tags is not None else None,
            stop_at_services=stop_at_services,
            max_nodes=max_nodes,
        )
    data: dict[str, Any] = graph.to_dict()
    return {
        "graph": data,
        "table": graph.table(),
        "graphml": graph.to_graphml(),
        "summary": _summary(data),
    }


def path_between(
    store_path: Path, source: str, target: str, *, max_hops: int = 6, tags: TagIndex | None = None
) -> dict[str, object]:
    with TxStore(store_path) as store:
        return find_paths(
            store, source, target, max_hops=max_hops, tags=tags.lookup if tags is not None else None
        ).to_dict()


def risk_summary(
    store_path: Path,
    address: str,
    *,
    tags: TagIndex,
    hops: int = 3,
    method: str = "haircut",
) -> dict[str, object]:
    """Direct hits (tags on the address), cluster hits (tags on other addresses
    of its cluster) and indirect exposure (tagged addresses reached within
    `hops`, forward: where its money went; backward: where it came from), per
    risk class, each hit with its dataset and source."""
    direct: list[dict[str, Any]] = [t.to_dict() for t in tags.lookup(address)]
    cluster: dict[str, Any] = cluster_report(store_path, address, tags=tags)
    cluster_hits = [t for t in cluster.get("tags", []) if t["address"] != direct_key(address)]
    indirect: dict[str, Any] = {}
    for direction in ("forward", "backward"):
        try:
            result = trace_address(
                store_path, address, hops=hops, method=method, direction=direction, tags=tags
            )
        except Exception as exc:  # an address with no chain data still gets its direct hits
            from vigil.domain.errors import NotFoundError

            if not isinstance(exc, NotFoundError):
                raise
            indirect[direction] = {"reached": [], "exposure": {}, "note": str(exc)}
            continue
        indirect[direction] = result["summary"]
    classes = {}
    for risk in RISK_CLASSES:
        classes[risk] = {
            "direct": any(risk in t["risks"] for t in direct),
            "cluster": any(risk in t["risks"] for t in cluster_hits),
            "sent_to": indirect.get("forward", {}).get("exposure", {}).get(risk),
            "received_from": indirect.get("backward", {}).get("exposure", {}).get(risk),
        }
    flagged = sorted(
        r
        for r, c in classes.items()
        if c["direct"] or c["cluster"] or c["sent_to"] or c["received_from"]
    )
    return {
        "address": direct_key(address),
        "method": method,
        "hops": hops,
        "flagged": flagged,
        "classes": classes,
        "direct_hits": direct,
        "cluster": {k: cluster.get(k) for k in ("cluster_id", "size", "addresses") if k in cluster},
        "cluster_hits": cluster_hits,
        "indirect": indirect,
    }


def direct_key(address: str) -> str:
    from vigil.crypto._values import normalize_address

    return normalize_address(address)
