"""Crypto store benchmark: ingest rate, clustering time and 3-hop trace latency
on a synthetic UTXO chain, each against a simple baseline run in the same process.

Synthetic chain (fixed seed, numpy, documented so it can be rebuilt exactly):

- `--txs` transactions in order; each has 1-3 outputs (P = .55/.35/.10), and
  0.1 % are 5-output "equal split" transactions (CoinJoin-shaped).
- Every output is spent at most once, by the transaction `C + G` places later
  (C = chunk size 100,000, G ~ geometric(p=1e-5)), or never when that is past
  the end; a transaction whose outputs nobody assigned to it has no inputs
  (a coinbase). So inputs always spend earlier outputs, and a transaction has
  as many inputs as outputs were assigned to it (0 to ~6).
- Output values: a coinbase creates 50,000,000 sat split at random; any other
  transaction splits (sum of its inputs - 1,000 sat fee, floored at 0) at
  random. Values balance: outputs never exceed inputs.
- Addresses: an output reuses the address of a random earlier output with
  probability 0.15, else gets a new one; address strings are 'syn<id>'.

Measured, with the same data:
(a) ingest: `TxStore.bulk_load` of txs/inputs/outputs/addresses (numpy columns
    into DuckDB, txid strings made in SQL) vs. the baseline `CREATE TABLE AS`
    copy of the same numpy columns with no schema or string work;
(b) clustering: `cluster_addresses` (CoinJoin screen + multi-input union-find)
    vs. the baseline `SELECT count(DISTINCT address_id) FROM inputs`;
(c) 3-hop forward haircut trace from 20 random addresses (median, max) vs. the
    baseline: a Python dict BFS over an in-memory out-adjacency (3 hops, no
    attribution) from the same addresses.

    .venv/bin/python bench/crypto.py [--txs 10000000] [--seed 7]

Writes bench/results/crypto.json (ratios, raw numbers, commit, machine, date).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from _provenance import commit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vigil.crypto.clustering import cluster_addresses  # noqa: E402
from vigil.crypto.store import TxStore  # noqa: E402
from vigil.crypto.tracing import trace  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "crypto.json"
CHUNK = 100_000


def generate(n_txs: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    n_out = rng.choice([1, 2, 3], size=n_txs, p=[0.55, 0.35, 0.10]).astype(np.int64)
    equal = rng.random(n_txs) < 0.001
    n_out[equal] = 5
    out_tx = np.repeat(np.arange(n_txs, dtype=np.int64), n_out)
    n_outputs = len(out_tx)
    first_out = np.concatenate([[0], np.cumsum(n_out)[:-1]])
    vout = np.arange(n_outputs, dtype=np.int64) - first_out[out_tx]
    spender = out_tx + CHUNK + rng.geometric(1e-5, size=n_outputs)
    spent = spender < n_txs
    # addresses: 15 % reuse an earlier output's address
    address = np.arange(n_outputs, dtype=np.int64)
    reuse = rng.random(n_outputs) < 0.15
    reuse[0] = False
    idx = np.nonzero(reuse)[0]
    address[idx] = (rng.random(len(idx)) * idx).astype(np.int64)
    # chase reuse chains so every reused id points at an original
    for _ in range(64):
        nxt = address[address]
        if np.array_equal(nxt, address):
            break
        address = nxt
    _, address = np.unique(address, return_inverse=True)
    address = address.astype(np.int64) + 1
    # values, chunk by chunk: inputs of chunk j come from chunks < j
    value = np.zeros(n_outputs, dtype=np.int64)
    in_sum = np.zeros(n_txs, dtype=np.int64)
    has_inputs = np.zeros(n_txs, dtype=bool)
    has_inputs[spender[spent]] = True
    order = np.argsort(spender, kind="stable")
    for start in range(0, n_txs, CHUNK):
        stop = min(start + CHUNK, n_txs)
        lo, hi = np.searchsorted(spender[order], [start, stop])
        feeding = order[lo:hi]
        if len(feeding):
            in_sum[start:stop] += np.bincount(
                spender[feeding] - start, weights=value[feeding], minlength=stop - start
            ).astype(np.int64)
        tx = np.arange(start, stop)
        budget = np.where(has_inputs[tx], np.maximum(in_sum[tx] - 1_000, 0), 50_000_000)
        o_lo, o_hi = first_out[start], first_out[stop - 1] + n_out[stop - 1]
        weights = rng.random(o_hi - o_lo) + 0.05
        owners = out_tx[o_lo:o_hi]
        eq = equal[owners]
        weights[eq] = 1.0
        totals = np.bincount(owners - start, weights=weights, minlength=stop - start)
        value[o_lo:o_hi] = np.floor(
            budget[owners - start] * weights / totals[owners - start]
        ).astype(np.int64)
    in_idx = np.nonzero(spent)[0]
    in_idx = in_idx[np.argsort(spender[in_idx], kind="stable")]
    in_tx = spender[in_idx]
    starts = np.searchsorted(in_tx, np.arange(n_txs))
    vin = np.arange(len(in_tx), dtype=np.int64) - starts[in_tx]
    n_in = np.bincount(in_tx, minlength=n_txs).astype(np.int64)
    ids = np.arange(1, n_txs + 1, dtype=np.int64)
    return {
        "txs": {
            "tx_id": ids,
            "n_in": n_in,
            "n_out": n_out,
            "height": np.arange(n_txs) // 2000,
            "is_coinbase": n_in == 0,
        },
        "outputs": {"tx_id": out_tx + 1, "vout": vout, "address_id": address, "value": value},
        "inputs": {
            "tx_id": in_tx + 1,
            "vin": vin,
            "prev_tx_id": out_tx[in_idx] + 1,
            "prev_vout": vout[in_idx],
            "address_id": address[in_idx],
            "value": value[in_idx],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--txs", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--traces", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed + 1)

    t0 = time.perf_counter()
    data = generate(args.txs, args.seed)
    generate_s = time.perf_counter() - t0
    n_outputs, n_inputs = len(data["outputs"]["tx_id"]), len(data["inputs"]["tx_id"])
    n_addresses = int(data["outputs"]["address_id"].max())
    print(
        f"generated {args.txs:,} txs, {n_inputs:,} inputs, {n_outputs:,} outputs, "
        f"{n_addresses:,} addresses in {generate_s:.1f} s"
    )

    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        import duckdb

        base = duckdb.connect(str(Path(tmp) / "baseline.duckdb"))
        t0 = time.perf_counter()
        for table, columns in data.items():
            frame = columns  # noqa: F841 - scanned by duckdb
            base.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
        baseline_ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        base.execute("SELECT count(DISTINCT address_id) FROM inputs").fetchone()
        baseline_cluster_s = time.perf_counter() - t0
        base.close()

        store = TxStore(Path(tmp) / "chain.duckdb")
        t0 = time.perf_counter()
        addr_ids = np.arange(1, n_addresses + 1, dtype=np.int64)
        store.bulk_load(
            {
                "txs": {**data["txs"], "chain": np.full(args.txs, "bitcoin", dtype=object)},
                "outputs": data["outputs"],
                "inputs": data["inputs"],
            }
        )
        store.con.execute("UPDATE txs SET txid = lpad(to_hex(tx_id), 64, '0')")
        frame = {"address_id": addr_ids}  # noqa: F841
        store.con.execute("INSERT INTO addresses SELECT address_id, 'syn' || address_id FROM frame")
        ingest_s = time.perf_counter() - t0
        print(f"ingest {ingest_s:.1f} s (baseline {baseline_ingest_s:.1f} s)")

        t0 = time.perf_counter()
        clustering = cluster_addresses(store)
        cluster_s = time.perf_counter() - t0
        print(
            f"clustering {cluster_s:.1f} s (baseline {baseline_cluster_s:.2f} s): "
            f"{clustering.to_dict()}"
        )

        starts = rng.choice(data["inputs"]["address_id"], size=args.traces, replace=False)
        names = [f"syn{int(a)}" for a in starts]
        latencies, sizes = [], []
        for name in names:
            t0 = time.perf_counter()
            graph = trace(store, address=name, hops=3, method="haircut", max_nodes=20_000)
            latencies.append(time.perf_counter() - t0)
            sizes.append(len(graph.edges))
        print(
            f"3-hop trace median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )

        # baseline: dict BFS over an in-memory adjacency (address -> next addresses)
        ins, outs = data["inputs"], data["outputs"]
        t0 = time.perf_counter()
        by_tx_out: dict[int, list[int]] = {}
        for tx, a in zip(outs["tx_id"].tolist(), outs["address_id"].tolist(), strict=True):
            by_tx_out.setdefault(tx, []).append(a)
        spends: dict[int, set[int]] = {}
        for tx, a in zip(ins["tx_id"].tolist(), ins["address_id"].tolist(), strict=True):
            spends.setdefault(a, set()).add(tx)
        adjacency_s = time.perf_counter() - t0
        bfs = []
        for a in starts.tolist():
            t0 = time.perf_counter()
            frontier, seen = {a}, {a}
            for _ in range(3):
                nxt = set()
                for node in frontier:
                    for tx in spends.get(node, ()):
                        nxt.update(by_tx_out.get(tx, ()))
                frontier = nxt - seen
                seen |= nxt
            bfs.append(time.perf_counter() - t0)
        store.close()

    result = {
        "benchmark": "crypto",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "generator": {
            "txs": args.txs,
            "seed": args.seed,
            "inputs": n_inputs,
            "outputs": n_outputs,
            "addresses": n_addresses,
            "seconds": round(generate_s, 2),
        },
        "ingest": {
            "seconds": round(ingest_s, 2),
            "txs_per_second": round(args.txs / ingest_s),
            "baseline": "CREATE TABLE AS copy of the same numpy columns",
            "baseline_seconds": round(baseline_ingest_s, 2),
            "ratio_to_baseline": round(ingest_s / baseline_ingest_s, 2),
        },
        "clustering": {
            **clustering.to_dict(),
            "wall_seconds": round(cluster_s, 2),
            "baseline": "SELECT count(DISTINCT address_id) FROM inputs",
            "baseline_seconds": round(baseline_cluster_s, 3),
            "ratio_to_baseline": round(cluster_s / baseline_cluster_s, 1),
        },
        "trace_3hop_haircut": {
            "starts": args.traces,
            "median_seconds": round(statistics.median(latencies), 4),
            "max_seconds": round(max(latencies), 4),
            "median_edges": statistics.median(sizes),
            "target_seconds": 1.0,
            "meets_target": statistics.median(latencies) < 1.0,
            "baseline": "Python dict BFS, 3 hops, no attribution, adjacency prebuilt in memory",
            "baseline_median_seconds": round(statistics.median(bfs), 6),
            "baseline_adjacency_build_seconds": round(adjacency_s, 2),
            "ratio_to_baseline": round(
                statistics.median(latencies) / max(statistics.median(bfs), 1e-9), 1
            ),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    name = RESULTS if args.txs >= 10_000_000 else RESULTS.with_name(f"crypto-{args.txs}.json")
    name.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {name}")


if __name__ == "__main__":
    main()
