"""PDQ bank matching at 1M and 10M hashes: candidate indexes vs a linear scan.

For each bank size it generates random 256-bit hashes, overwrites 0.1 % of
them with perturbed copies of other rows (planted near-duplicates inside the
bank, 1..31 bits away), and makes queries that are perturbed copies of bank
rows at distances cycling 1..31 (each query's planted target is known; some
targets have a planted twin, so a query can have two true matches). Then,
per candidate index, in a forked child (so memory is measured alone):

- build time, RSS growth during the build, and the index's own bytes
  (codes + ids + tables, where the index can tell);
- ms per single query at threshold 31 (mean, p50, p95);
- planted recall: share of queries whose planted target is returned;
- exactness: share of a query sample whose full result list equals the
  linear-scan reference's (computed once, in the parent, on that sample);
- for the pick (multi-index hashing), save + load time (checksums, rebuild).

The linear scan's own ms/query (numpy popcount, same process and data) is the
baseline; each candidate's speed-up over it is reported. Results go to
bench/results/matching.json (or --out).

    .venv/bin/python bench/matching.py [--sizes 1000000 10000000] [--queries 300]

Candidates: mih (vigil.signals.hamming.MultiIndexHashIndex), faiss_flat
(IndexBinaryFlat, exact brute force), faiss_multihash (IndexBinaryMultiHash,
16 x 16-bit tables, nflip=1). Targets: planted recall 100 %, < 5 ms/query,
< 2 GB at 10M.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _provenance import commit, machine

from vigil.signals.hamming import HammingIndex, LinearScanIndex, MultiIndexHashIndex

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "matching.json"
THRESHOLD = 31
TARGETS = {"planted_recall": 1.0, "ms_per_query": 5.0, "memory_gb_at_10m": 2.0}
MB = 1 << 20


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def flip(rng: np.random.Generator, code: np.ndarray, k: int) -> np.ndarray:
    out = code.copy()
    for bit in rng.choice(256, size=k, replace=False):
        out[bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    return out


def make_data(n: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bank codes (n x 32), query codes, and each query's planted target row."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    planted = max(1, n // 1000)
    sources = rng.integers(0, n - planted, size=planted)
    for j, src in enumerate(sources):  # near-duplicates inside the bank
        codes[n - planted + j] = flip(rng, codes[src], 1 + j % 31)
    targets = rng.integers(0, n, size=queries)
    half = queries // 4  # a quarter of the queries aim at planted twins
    targets[:half] = sources[rng.integers(0, planted, size=half)]
    query_codes = np.stack([flip(rng, codes[t], 1 + i % THRESHOLD) for i, t in enumerate(targets)])
    return codes, query_codes, targets


def make_index(name: str) -> HammingIndex:
    if name == "mih":
        return MultiIndexHashIndex()
    if name == "linear":
        return LinearScanIndex()
    from vigil.signals.faiss_index import FaissFlatIndex, FaissMultiHashIndex

    return FaissFlatIndex() if name == "faiss_flat" else FaissMultiHashIndex()


def index_bytes(index: HammingIndex) -> int | None:
    base = index.codes.nbytes + index.ids.nbytes
    if isinstance(index, MultiIndexHashIndex):
        return base + index.table_bytes()
    if isinstance(index, LinearScanIndex):
        return base
    return None  # faiss keeps its own copy: see the RSS growth


def run_candidate(
    name: str,
    codes: np.ndarray,
    queries: np.ndarray,
    targets: np.ndarray,
    sample: int,
    reference: list[list[tuple[int, int]]],
    timed_queries: int,
    save_load: bool,
) -> dict[str, Any]:
    before = rss_bytes()
    start = time.perf_counter()
    index = make_index(name)
    index.build_codes(codes, np.arange(len(codes), dtype=np.int64))
    build_s = time.perf_counter() - start
    grown = rss_bytes() - before
    # warm up (faiss threads, numpy caches), then time single queries
    index.query_code(queries[0], THRESHOLD)
    times, found = [], 0
    exact = 0
    for i in range(min(timed_queries, len(queries))):
        t0 = time.perf_counter()
        ids, dists = index.query_code(queries[i], THRESHOLD)
        times.append((time.perf_counter() - t0) * 1000)
        found += int(targets[i] in set(ids.tolist()))
        if i < sample:
            got = sorted(zip(dists.tolist(), ids.tolist(), strict=True))
            exact += int(got == [(d, j) for j, d in reference[i]])
    timed = len(times)
    result: dict[str, Any] = {
        "candidate": name,
        "build_s": round(build_s, 3),
        "rss_growth_mb": round(grown / MB, 1),
        "index_mb": None if (b := index_bytes(index)) is None else round(b / MB, 1),
        "ms_per_query_mean": round(statistics.fmean(times), 3),
        "ms_per_query_p50": round(statistics.median(times), 3),
        "ms_per_query_p95": round(float(np.percentile(times, 95)), 3),
        "queries_timed": timed,
        "planted_recall": round(found / timed, 4),
        "exact_vs_linear": f"{exact}/{min(sample, timed)}",
    }
    if isinstance(index, MultiIndexHashIndex):
        result["chunks"] = index.chunks
        result["table_mb"] = round(index.table_bytes() / MB, 1)
    if save_load:
        folder = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
        try:
            t0 = time.perf_counter()
            index.save(folder / "idx")
            result["save_s"] = round(time.perf_counter() - t0, 3)
            result["saved_mb"] = round(
                sum(p.stat().st_size for p in (folder / "idx").iterdir()) / MB, 1
            )
            del index
            t0 = time.perf_counter()
            loaded = type(make_index(name)).load(folder / "idx")
            result["load_s"] = round(time.perf_counter() - t0, 3)
            ids, _ = loaded.query_code(queries[0], THRESHOLD)
            result["load_ok"] = bool(targets[0] in set(ids.tolist()))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def _child(conn: Any, *args: Any) -> None:
    try:
        conn.send(run_candidate(*args))
    except Exception as exc:  # report, do not hang the parent
        conn.send({"candidate": args[0], "error": f"{type(exc).__name__}: {exc}"})
    conn.close()


def in_child(*args: Any) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, *args))
    proc.start()
    child.close()
    result = parent.recv()
    proc.join()
    return dict(result)


def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"== {n:,} hashes", flush=True)
    t0 = time.perf_counter()
    codes, queries, targets = make_data(n, args.queries, args.seed)
    print(f"   data in {time.perf_counter() - t0:.1f} s", flush=True)
    sample = args.reference_queries if n > 2_000_000 else args.reference_queries * 2
    sample = min(sample, args.queries)
    linear = LinearScanIndex()
    linear.build_codes(codes, np.arange(n, dtype=np.int64))
    reference, times = [], []
    for i in range(sample):
        t1 = time.perf_counter()
        ids, dists = linear.query_code(queries[i], THRESHOLD)
        times.append((time.perf_counter() - t1) * 1000)
        reference.append(
            sorted(zip(ids.tolist(), dists.tolist(), strict=True), key=lambda m: (m[1], m[0]))
        )
    found = sum(int(targets[i] in {j for j, _ in reference[i]}) for i in range(sample))
    baseline = {
        "candidate": "linear",
        "ms_per_query_mean": round(statistics.fmean(times), 3),
        "ms_per_query_p50": round(statistics.median(times), 3),
        "queries_timed": sample,
        "planted_recall": round(found / sample, 4),
        "index_mb": round((codes.nbytes + n * 8) / MB, 1),
        "note": "numpy XOR + bitwise_count over every row: the reference",
    }
    print(f"   linear: {baseline['ms_per_query_mean']} ms/query", flush=True)
    del linear
    rows: list[dict[str, Any]] = [baseline]
    for name in args.candidates:
        if name == "faiss_multihash" and n > args.multihash_max:
            rows.append(
                {"candidate": name, "skipped": f"over --multihash-max {args.multihash_max}"}
            )
            continue
        timed = args.queries if name != "faiss_flat" else min(args.queries, args.flat_queries)
        result = in_child(
            name,
            codes,
            queries,
            targets,
            sample,
            reference,
            timed,
            name == "mih" and args.save_load,
        )
        if "ms_per_query_mean" in result:
            result["speedup_vs_linear"] = round(
                baseline["ms_per_query_mean"] / result["ms_per_query_mean"], 1
            )
        print(f"   {name}: {json.dumps(result)}", flush=True)
        rows.append(result)
    return {
        "hashes": n,
        "planted_in_bank": max(1, n // 1000),
        "queries": args.queries,
        "results": rows,
    }


def verdict(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in sizes:
        for row in size["results"]:
            if "ms_per_query_mean" not in row or row["candidate"] == "linear":
                continue
            memory_mb = row.get("index_mb") or row.get("rss_growth_mb") or 0
            out[f"{row['candidate']}@{size['hashes']}"] = {
                "recall_ok": row["planted_recall"] >= TARGETS["planted_recall"]
                and row["exact_vs_linear"].split("/")[0] == row["exact_vs_linear"].split("/")[1],
                "speed_ok": row["ms_per_query_mean"] < TARGETS["ms_per_query"],
                "memory_ok": size["hashes"] < 10_000_000
                or memory_mb / 1024 < TARGETS["memory_gb_at_10m"],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--reference-queries", type=int, default=20)
    parser.add_argument("--flat-queries", type=int, default=60)
    parser.add_argument("--candidates", nargs="+", default=["mih", "faiss_flat", "faiss_multihash"])
    parser.add_argument("--multihash-max", type=int, default=10_000_000)
    parser.add_argument("--no-save-load", dest="save_load", action="store_false")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    sizes = [bench_size(n, args) for n in args.sizes]
    report = {
        "benchmark": "matching",
        "description": (
            "PDQ range queries at threshold 31 over random 256-bit hashes with planted "
            "near-duplicates (1..31 bits); candidates vs the numpy linear scan in the same run"
        ),
        "threshold": THRESHOLD,
        "targets": TARGETS,
        "sizes": sizes,
        "verdict": verdict(sizes),
        "wall_s": round(time.perf_counter() - started, 1),
        "commit": commit(),
        "machine": machine(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "note": (
            "the 2-core machine is shared with other jobs; compare ratios within one run, "
            "not absolute times across runs"
        ),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
