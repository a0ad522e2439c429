# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""Node clients against a fake transport and a stub HTTP server on 127.0.0.1,
replaying the real fixture replies; malformed replies become warnings."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from vigil.crypto.model import (
    AccountTransaction,
    BlockHeader,
    ChainWarning,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.bitcoin_core import BitcoinCoreRpcSource
from vigil.crypto.sources.esplora import EsploraClient, EsploraRestSource
from vigil.crypto.sources.ethereum import EthereumRpcSource
from vigil.crypto.sources.http import HttpResponse, JsonRpcClient, NodeError, UrllibTransport

STREAM = "bitcoin-etl/test_export_blocks_job/bitcoin/stream_50001_50002"


class FakeRpc:
    """Answers JSON-RPC calls from a {(method, first param): result} table."""

    def __init__(self, table: Mapping[tuple[str, str], object]):
        self.table = table
        self.calls: list[str] = []

    def __call__(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> HttpResponse:
        request = json.loads(body or b"{}")
        key = (request["method"], str(request["params"][0]) if request["params"] else "")
        self.calls.append(key[0])
        if key not in self.table:
            return HttpResponse(
                200,
                json.dumps(
                    {"id": request["id"], "error": {"code": -5, "message": "not found"}}
                ).encode(),
            )
        result = self.table[key]
        if isinstance(result, bytes):
            return HttpResponse(200, result)
        return HttpResponse(
            200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}).encode()
        )


def _load(path: Path) -> object:
    data = json.loads(path.read_text())
    return (
        data["result"]
        if isinstance(data, dict) and set(data) <= {"jsonrpc", "id", "result"}
        else data
    )


def test_bitcoin_core_rpc_with_prevouts(etl: Path) -> None:
    folder = etl / STREAM
    table: dict[tuple[str, str], object] = {}
    for path in folder.glob("rpc_response_getblock_*_2.json"):
        block = _load(path)
        table[("getblockhash", str(block["height"]))] = block["hash"]
        table[("getblock", block["hash"])] = block
    for path in folder.glob("rpc_response_getrawtransaction_*.json"):
        table[("getrawtransaction", path.stem.split("_")[-1])] = _load(path)
    fake = FakeRpc(table)
    source = BitcoinCoreRpcSource(JsonRpcClient("http://node", transport=fake), 50001, 50003)
    records = list(source.records())
    txs = [r for r in records if isinstance(r, UtxoTransaction)]
    assert len(txs) == 4 and all(
        i.value is not None for t in txs for i in t.inputs if not i.is_coinbase
    )
    warnings = [r for r in records if isinstance(r, ChainWarning)]
    assert [w.code for w in warnings] == [WarningCode.RPC_ERROR]  # height 50003 is unknown
    assert "getrawtransaction" in fake.calls


def test_malformed_and_error_replies() -> None:
    hashes = {
        ("getblockhash", "1"): "ab" * 32,
        ("getblock", "ab" * 32): b"{not json",
        ("getblockhash", "2"): "cd" * 32,
        ("getblock", "cd" * 32): {"hash": "ee" * 32, "height": 2, "tx": []},
    }
    records = list(
        BitcoinCoreRpcSource(JsonRpcClient("http://n", transport=FakeRpc(hashes)), 1, 2).records()
    )
    assert [r.code for r in records if isinstance(r, ChainWarning)] == [
        WarningCode.RPC_ERROR,
        WarningCode.REORG,
    ]
    client = JsonRpcClient("http://n", transport=lambda *a: HttpResponse(500, b"<html>"))
    with pytest.raises(NodeError):
        client.call("getblockcount")
    client = JsonRpcClient(
        "http://n", transport=lambda *a: HttpResponse(200, b'{"id": 99, "result": 1}')
    )
    with pytest.raises(NodeError, match="does not match"):
        client.call("getblockcount")


def test_ethereum_rpc_with_receipts(etl: Path) -> None:
    folder = etl / "ethereum-etl/test_stream/blocks_1755634_1755635"
    table: dict[tuple[str, str], object] = {}
    for path in folder.glob("web3_response.eth_getBlockByNumber_0x*_true.json"):
        table[("eth_getBlockByNumber", path.name.split("_")[3])] = _load(path)
    for path in folder.glob("web3_response.eth_getTransactionReceipt_*.json"):
        table[("eth_getTransactionReceipt", path.stem.split("_")[-1])] = _load(path)
    records = list(
        EthereumRpcSource(
            JsonRpcClient("http://eth", transport=FakeRpc(table)), 1755634, 1755635
        ).records()
    )
    txs = [r for r in records if isinstance(r, AccountTransaction)]
    expected = [
        json.loads(line)
        for line in (folder / "expected_transactions.json").read_text().splitlines()
        if line
    ]
    assert sorted(t.txid for t in txs) == sorted(e["hash"] for e in expected)
    assert {t.txid: t.status for t in txs} == {e["hash"]: e["receipt_status"] for e in expected}
    assert sum(1 for r in records if isinstance(r, BlockHeader)) == 2


class _Esplora(BaseHTTPRequestHandler):
    txs: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        parts = self.path.strip("/").split("/")
        if parts[0] == "tx" and parts[1] in self.txs:
            body, status = self.txs[parts[1]], 200
        elif parts[0] == "tx" and parts[1] == "bad":
            body, status = b"[1, 2", 200
        else:
            body, status = b"not found", 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def esplora_server(etl: Path) -> Iterator[str]:
    manifest = json.loads((etl / "esplora_prevout_txs_manifest.json").read_text())[:3]
    _Esplora.txs = {m["txid"]: (etl.parent / m["file"]).read_bytes() for m in manifest}
    server = HTTPServer(("127.0.0.1", 0), _Esplora)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_esplora_rest_against_local_stub(esplora_server: str) -> None:
    client = EsploraClient(esplora_server, transport=UrllibTransport(timeout_s=5))
    txids = list(_Esplora.txs)
    records = list(EsploraRestSource(client, txids=[*txids, "bad", "ff" * 32]).records())
    assert [r.txid for r in records if isinstance(r, UtxoTransaction)] == txids
    codes = [r.code for r in records if isinstance(r, ChainWarning)]
    assert codes.count(WarningCode.RPC_ERROR) == 2  # 'bad' is not JSON, ff.. is 404


def test_transport_refuses_other_schemes() -> None:
    with pytest.raises(NodeError):
        UrllibTransport()("GET", "file:///etc/passwd", None, {})
