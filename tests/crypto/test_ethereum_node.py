"""The Ethereum JSON-RPC adapter against a real local node.

ganache (pinned in tools/eth-node, installed by `make setup` when npm is
present) runs on a free port with deterministic accounts and instant mining.
The test creates accounts, sends ETH through a few hops (with a split, a
payout made by a contract, dilution by clean funds and a reverted payment),
moves an ERC-20 token through a few hops, imports every block through
`EthereumRpcSource` into the DuckDB store and traces the money from the
victim and back to the last receiver. Expected hops and values are computed
from what the test sent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vigil.crypto import service
from vigil.crypto.model import AccountTransaction, ChainRecord, ChainWarning, WarningCode
from vigil.crypto.sources.ethereum import EthereumRpcSource
from vigil.crypto.sources.http import JsonRpcClient, NodeError, UrllibTransport
from vigil.crypto.store import TxStore
from vigil.crypto.tags import Tag
from vigil.crypto.tracing import Method, trace

ETH_NODE = Path(__file__).resolve().parents[2] / "tools" / "eth-node"
GANACHE = ETH_NODE / "node_modules" / "ganache" / "dist" / "node" / "cli.js"
CONTRACTS = ETH_NODE / "contracts"
ETHER = 10**18
ZERO_ADDRESS = "0x" + "0" * 40
STARTUP_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(client: JsonRpcClient, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            client.call("eth_chainId")
            return True
        except NodeError:
            time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsonRpcClient]:
    """A ganache node on 127.0.0.1 for this module; stopped at the end."""
    node_bin = shutil.which("node")
    if node_bin is None:
        pytest.skip("Node.js is not installed: the local Ethereum node cannot run")
    if not GANACHE.is_file():
        pytest.skip(f"ganache is not installed in {ETH_NODE}: run `make setup` (needs npm)")
    log = tmp_path_factory.mktemp("ganache") / "stderr.log"
    for _ in range(3):  # another process may take the free port before ganache does
        port = _free_port()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    node_bin,
                    str(GANACHE),
                    "--wallet.deterministic",
                    "--miner.instamine=eager",
                    "--chain.vmErrorsOnRPCResponse=false",
                    "--logging.quiet",
                    "--server.host=127.0.0.1",
                    f"--server.port={port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        client = JsonRpcClient(f"http://127.0.0.1:{port}", transport=UrllibTransport(timeout_s=10))
        if _wait_until_ready(client, process):
            break
        _stop(process)
    else:
        pytest.fail(f"ganache did not start: {log.read_text(errors='replace')[-2000:]}")
    try:
        yield client
    finally:
        _stop(process)


def _word(value: int | str) -> str:
    number = int(value, 16) if isinstance(value, str) else value
    return f"{number:064x}"


@dataclass
class Chain:
    """Drives the node: accounts, payments, contracts; remembers what was sent."""

    client: JsonRpcClient
    contracts: dict[str, dict[str, object]] = field(default_factory=dict)
    receipts: dict[str, dict[str, object]] = field(default_factory=dict)

    def new_account(self, balance: int = ETHER) -> str:
        """A fresh account; its balance (gas money, the victim's savings) is set
        on the node, not sent by a transaction: like any funds from outside the
        store it is untraced."""
        address = str(self.client.call("personal_newAccount", ["vigil"]))
        assert self.client.call("personal_unlockAccount", [address, "vigil", 0]) is True
        assert self.client.call("evm_setAccountBalance", [address, hex(balance)]) is True
        return address.lower()

    def send(self, sender: str, to: str | None, value: int = 0, data: str = "0x") -> str:
        tx: dict[str, str] = {"from": sender, "value": hex(value), "data": data}
        tx["gas"] = hex(3_000_000 if to is None else 300_000)
        if to is not None:
            tx["to"] = to
        txid = str(self.client.call("eth_sendTransaction", [tx]))
        receipt = self.client.call("eth_getTransactionReceipt", [txid])
        assert isinstance(receipt, dict)
        self.receipts[txid] = receipt
        return txid

    def succeeded(self, txid: str) -> bool:
        return self.receipts[txid]["status"] == "0x1"

    def deploy(self, sender: str, name: str, *args: int | str) -> tuple[str, str]:
        """(txid, contract address)."""
        code = str(self.contracts[name]["bytecode"]) + "".join(_word(a) for a in args)
        txid = self.send(sender, None, data=code)
        assert self.succeeded(txid)
        return txid, str(self.receipts[txid]["contractAddress"]).lower()

    def call(self, sender: str, contract: str, name: str, signature: str, *args: int | str,
             value: int = 0) -> str:  # fmt: skip
        methods = self.contracts[name]["methods"]
        assert isinstance(methods, dict)
        return self.send(
            sender, contract, value, "0x" + methods[signature] + "".join(_word(a) for a in args)
        )


@dataclass(frozen=True)
class Scenario:
    """Who is who, what moved, and the store it was imported into."""

    who: dict[str, str]
    token: str
    splitter: str
    txids: dict[str, str]
    eth: dict[str, int]
    tokens: dict[str, int]
    split_bps: int
    records: list[ChainRecord]
    store: Path


def _contracts() -> dict[str, dict[str, object]]:
    built = json.loads((CONTRACTS / "contracts.json").read_text())
    return dict(built["contracts"])


@pytest.fixture(scope="module")
def scenario(node: JsonRpcClient, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    chain = Chain(node, _contracts())
    outsiders = [str(a).lower() for a in node.call("eth_accounts")]  # type: ignore[union-attr]
    deployer, clean_funder = outsiders[0], outsiders[1]
    who = {name: chain.new_account() for name in ("b", "c", "d", "e", "f", "g", "h")}
    who["victim"] = chain.new_account(balance=20 * ETHER)
    who["x"] = clean_funder
    eth = {
        "victim>b": 10 * ETHER,
        "b>c": 6 * ETHER,
        "b>e": 3 * ETHER,
        "c>d": 5 * ETHER,
        "c>splitter": 8 * ETHER // 10,
        "x>d": 5 * ETHER,
        "d>h": 8 * ETHER,
        "e>splitter(reverted)": ETHER,
    }
    tokens = {"mint": 1000 * ETHER, "victim>b": 700 * ETHER, "b>c": 400 * ETHER}
    tokens |= {"b>e": 300 * ETHER, "c>d": 250 * ETHER}
    split_bps = 2500
    txids: dict[str, str] = {}
    txids["deploy token"], token = chain.deploy(
        deployer, "TestToken", who["victim"], tokens["mint"]
    )
    txids["deploy splitter"], splitter = chain.deploy(deployer, "Splitter")
    for step in ("victim>b", "b>c", "b>e", "c>d", "x>d", "d>h"):
        sender, receiver = step.split(">")
        txids[step] = chain.send(who[sender], who[receiver], eth[step])
    transfer = "transfer(address,uint256)"
    for step in ("victim>b", "b>c", "b>e", "c>d"):
        sender, receiver = step.split(">")
        txids[f"token {step}"] = chain.call(
            who[sender], token, "TestToken", transfer, who[receiver], tokens[step]
        )
    split = "split(address,address,uint256)"
    txids["c>splitter"] = chain.call(
        who["c"], splitter, "Splitter", split, who["f"], who["g"], split_bps,
        value=eth["c>splitter"],
    )  # fmt: skip
    txids["e>splitter(reverted)"] = chain.call(
        who["e"], splitter, "Splitter", split, who["f"], who["g"], 20_000,
        value=eth["e>splitter(reverted)"],
    )  # fmt: skip
    assert all(chain.succeeded(t) for k, t in txids.items() if "reverted" not in k)
    assert not chain.succeeded(txids["e>splitter(reverted)"])
    latest = int(str(node.call("eth_blockNumber")), 16)
    # ganache has neither trace_block nor a callTracer: the adapter must step down to struct logs
    records = list(EthereumRpcSource(node, 0, latest, traces="parity").records())
    store = tmp_path_factory.mktemp("eth-store") / "chain.duckdb"
    with TxStore(store) as tx_store:
        tx_store.ingest(records)
    return Scenario(
        who, token, splitter, txids, eth, tokens, split_bps, records, store
    )  # fmt: skip


def _edges(scenario: Scenario, address: str, direction: str, hops: int, method: Method
           ) -> set[tuple[str, str, str, int, int, int]]:  # fmt: skip
    with TxStore(scenario.store) as store:
        graph = trace(store, address=address, direction=direction, hops=hops, method=method)
    return {(e.source, e.target, e.asset, e.value, e.attributed, e.hop) for e in graph.edges}


def test_import_reads_blocks_receipts_logs_and_struct_log_traces(scenario: Scenario) -> None:
    who, eth, tokens = scenario.who, scenario.eth, scenario.tokens
    warnings = [r for r in scenario.records if isinstance(r, ChainWarning)]
    fallback = [w for w in warnings if "trace_block" in w.message]
    assert len(fallback) == 1 and "struct logs" in fallback[0].message
    reverted = scenario.txids["e>splitter(reverted)"]
    assert [(w.code, w.txid) for w in warnings if w.code is WarningCode.FAILED_TX] == [
        (WarningCode.FAILED_TX, reverted)
    ]
    assert len(warnings) == 2
    txs = {r.txid: r for r in scenario.records if isinstance(r, AccountTransaction)}
    # blocks say `to: null` for a creation; the receipt names the contract
    assert txs[scenario.txids["deploy token"]].to_address == scenario.token
    assert txs[scenario.txids["deploy splitter"]].to_address == scenario.splitter
    assert txs[reverted].status == 0 and not txs[reverted].transfers

    with TxStore(scenario.store) as store:
        rows = store.con.execute(
            "SELECT t.txid, f.kind, f.asset, fa.address, ta.address, f.value FROM transfers f "
            "JOIN txs t USING (tx_id) JOIN addresses fa ON fa.address_id = f.from_id "
            "JOIN addresses ta ON ta.address_id = f.to_id"
        ).fetchall()
    by_kind: dict[str, set[tuple[str, str, str, int]]] = {}
    for txid, kind, asset, sender, receiver, value in rows:
        by_kind.setdefault(kind, set()).add((txid, sender, receiver, int(value)))
        assert asset == ("ETH" if kind != "erc20" else scenario.token)
    txids = scenario.txids
    payments = [s for s in eth if "splitter" not in s]
    native = {s: (txids[s], who[s.split(">")[0]], who[s.split(">")[1]]) for s in payments}
    assert by_kind["native"] == {(*native[s], eth[s]) for s in payments} | {
        (txids["c>splitter"], who["c"], scenario.splitter, eth["c>splitter"])
    }
    to_f = eth["c>splitter"] * scenario.split_bps // 10_000
    assert by_kind["internal"] == {
        (txids["c>splitter"], scenario.splitter, who["f"], to_f),
        (txids["c>splitter"], scenario.splitter, who["g"], eth["c>splitter"] - to_f),
    }
    mint = {(txids["deploy token"], ZERO_ADDRESS, who["victim"], tokens["mint"])}
    moved = {
        (txids[f"token {s}"], who[s.split(">")[0]], who[s.split(">")[1]], tokens[s])
        for s in tokens
        if s != "mint"
    }
    assert by_kind["erc20"] == mint | moved
    assert not any(reverted == row[0] for row in rows)


@pytest.mark.parametrize("method", list(Method))
def test_forward_trace_from_the_victim(scenario: Scenario, method: Method) -> None:
    who, eth, tokens, token = scenario.who, scenario.eth, scenario.tokens, scenario.token
    to_f = eth["c>splitter"] * scenario.split_bps // 10_000
    d_balance = eth["c>d"] + eth["x>d"]  # d forwards after receiving tainted and clean money
    tainted_to_h = {
        Method.HAIRCUT: eth["c>d"] * eth["d>h"] // d_balance,
        Method.FIFO: min(eth["c>d"], eth["d>h"]),  # the tainted lot arrived first
        Method.POISON: eth["d>h"],
    }[method]
    s = scenario.splitter
    expected = {
        (who["victim"], who["b"], "ETH", eth["victim>b"], eth["victim>b"], 1),
        (who["b"], who["c"], "ETH", eth["b>c"], eth["b>c"], 2),
        (who["b"], who["e"], "ETH", eth["b>e"], eth["b>e"], 2),
        (who["c"], who["d"], "ETH", eth["c>d"], eth["c>d"], 3),
        (who["c"], s, "ETH", eth["c>splitter"], eth["c>splitter"], 3),
        (s, who["f"], "ETH", to_f, to_f, 4),
        (s, who["g"], "ETH", eth["c>splitter"] - to_f, eth["c>splitter"] - to_f, 4),
        (who["d"], who["h"], "ETH", eth["d>h"], tainted_to_h, 4),
    } | {
        (who[a], who[b], token, tokens[f"{a}>{b}"], tokens[f"{a}>{b}"], hop)
        for a, b, hop in (("victim", "b", 1), ("b", "c", 2), ("b", "e", 2), ("c", "d", 3))
    }
    assert _edges(scenario, who["victim"], "forward", 4, method) == expected


def test_backward_trace_from_the_last_receiver(scenario: Scenario) -> None:
    """Haircut backwards: of what h got from d, the share d's balance owed to
    c, of that the share c's owed to b, and so on up to the victim."""
    who, eth = scenario.who, scenario.eth
    from_c = eth["c>d"] * eth["d>h"] // (eth["c>d"] + eth["x>d"])
    from_x = eth["x>d"] * eth["d>h"] // (eth["c>d"] + eth["x>d"])
    # c paid d out of its one lot (b's payment), b paid c out of the victim's
    c_lot_used = eth["b>c"] * eth["c>d"] // eth["b>c"]
    from_b = c_lot_used * from_c // eth["c>d"]
    b_lot_used = eth["victim>b"] * eth["b>c"] // eth["victim>b"]
    from_victim = b_lot_used * from_b // eth["b>c"]
    expected = {
        (who["d"], who["h"], "ETH", eth["d>h"], eth["d>h"], 1),
        (who["c"], who["d"], "ETH", eth["c>d"], from_c, 2),
        (who["x"], who["d"], "ETH", eth["x>d"], from_x, 2),
        (who["b"], who["c"], "ETH", eth["b>c"], from_b, 3),
        (who["victim"], who["b"], "ETH", eth["victim>b"], from_victim, 4),
    }
    assert _edges(scenario, who["h"], "backward", 4, Method.HAIRCUT) == expected


def test_compiled_contracts_match_their_source() -> None:
    """contracts.json is rebuilt by `npm run compile` whenever the source changes."""
    built = json.loads((CONTRACTS / "contracts.json").read_text())
    source = (CONTRACTS / built["source"]).read_bytes()
    assert built["source_sha256"] == hashlib.sha256(source).hexdigest()
    assert set(built["contracts"]) == {"TestToken", "Splitter"}


def test_risk_summary_keeps_assets_apart_both_ways(scenario: Scenario) -> None:
    """d (tagged an exchange) got ETH and tokens from the victim's money; x
    (tagged a scam) supplied part of what h received. Amounts stay per asset."""
    who, eth = scenario.who, scenario.eth
    exchange = Tag(who["d"], "Exchange deposit", "user:case.csv", "case 9", category="exchange",
                   risks=("exchange",))  # fmt: skip
    scam = Tag(who["x"], "Scam payout", "user:case.csv", "case 9", abuse="scam", risks=("scam",))
    tags = service.load_tags(service.TagSources(extra=(exchange,)))
    forward = service.trace_address(scenario.store, who["victim"], hops=4, tags=tags)
    reached = {r["address"]: r for r in forward["summary"]["reached"]}  # type: ignore[index]
    assert reached[who["d"]]["attributed"] == {
        "ETH": eth["c>d"],
        scenario.token: scenario.tokens["c>d"],
    }
    assert reached[who["d"]]["stop"].startswith("service: Exchange deposit")
    tags = service.load_tags(service.TagSources(extra=(scam,)))
    backward = service.trace_address(
        scenario.store, who["h"], hops=2, direction="backward", tags=tags
    )
    supplied = eth["x>d"] * eth["d>h"] // (eth["c>d"] + eth["x>d"])
    exposure = backward["summary"]["exposure"]  # type: ignore[index]
    assert exposure == {"scam": {"attributed": {"ETH": supplied}, "addresses": 1, "nearest_hop": 2}}


def test_chain_fetch_reads_the_live_node_into_the_workspace(
    scenario: Scenario, node: JsonRpcClient, tmp_path: Path
) -> None:
    """`vigil chain fetch ethereum-rpc URL` stores what the adapter reads directly."""
    latest = int(str(node.call("eth_blockNumber")), 16)
    home = tmp_path / "home"
    fetched = subprocess.run(
        [sys.executable, "-c", "from vigil.cli.main import run; run()", "--home", str(home),
         "chain", "fetch", "ethereum-rpc", node.url, "--from", "0", "--to", str(latest),
         "--traces", "parity"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    with TxStore(scenario.store) as direct, TxStore(home / "crypto" / "chain.duckdb") as via_cli:
        assert via_cli.counts() == direct.counts()
    refused = subprocess.run(
        [sys.executable, "-c", "from vigil.cli.main import run; run()", "--home", str(home),
         "chain", "fetch", "ethereum-rpc", "file:///etc/passwd", "--from", "0", "--to", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "http://" in refused.stdout + refused.stderr
