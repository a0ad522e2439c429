"""Ingest throughput against `sha256sum` on the same files, in the same run.

Generates a set of random files of mixed sizes (a few large, many small) in a
temporary folder, then times, alternately and `--repeats` times each:

(a) `sha256sum` over every file (output discarded): the baseline;
(b) Vigil's `add_evidence` of the folder into a fresh temporary workspace,
    which computes SHA-256, MD5 and SHA-1, writes the write-once copy
    (staging file, fsync, atomic rename) and records one item and custody
    entry per file in SQLite.

Both read the files from the page cache (they are read once before timing).
Medians are compared; the result goes to bench/results/hashing.json.

    .venv/bin/python bench/hashing.py [--size-mb 1024] [--files 1000]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import logging
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _provenance import commit

from vigil.services.cases import add_evidence, create_case
from vigil.services.config import load_settings
from vigil.services.workspace import open_workspace
from vigil.store import BlobStore

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "hashing.json"
TARGET = 0.9
MB = 1_000_000
CHUNK = 1 << 20


def file_sizes(total: int, count: int, seed: int) -> list[int]:
    """A few large files holding 60% of the bytes, the rest spread log-uniformly
    (1 KiB to 4 MiB before scaling) over many small ones."""
    rng = random.Random(seed)
    large = min(4, max(count - 1, 1))
    small = count - large
    large_total = int(total * 0.6) if small else total
    sizes = [large_total // large] * large
    sizes[0] += large_total - sum(sizes)
    if small:
        weights = [2 ** rng.uniform(10, 22) for _ in range(small)]
        scale = (total - large_total) / sum(weights)
        smalls = [max(1, int(w * scale)) for w in weights]
        smalls[0] += total - large_total - sum(smalls)
        sizes += smalls
    return sizes


def generate(folder: Path, sizes: list[int], seed: int) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for index, size in enumerate(sizes):
        path = folder / f"d{index % 16:02}" / f"f{index:05}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            left = size
            while left:
                step = min(CHUNK, left)
                out.write(rng.randbytes(step))
                left -= step
        paths.append(path)
    return paths


def read_all(paths: list[Path]) -> None:
    """Pull every file into the page cache so both contenders read from memory."""
    for path in paths:
        with path.open("rb") as stream:
            while stream.read(8 * CHUNK):
                pass


def time_sha256sum(paths: list[Path]) -> float:
    start = time.perf_counter()
    for first in range(0, len(paths), 500):
        batch = [str(p) for p in paths[first : first + 500]]
        subprocess.run(["sha256sum", "--", *batch], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def time_vigil(folder: Path, scratch: Path, profile: Path | None = None) -> float:
    home = Path(tempfile.mkdtemp(prefix="vigil-bench-", dir=scratch))
    try:
        with open_workspace(load_settings(home=home, actor="bench", db=None)) as ws:
            case = create_case(ws, "bench")
            profiler = cProfile.Profile() if profile else None
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            summary = add_evidence(ws, case.id, [folder], "bench")
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
            if profiler and profile:
                profiler.dump_stats(profile)
            if summary.warnings:
                raise SystemExit(f"the ingest gave {summary.warnings} warnings")
            return seconds
    finally:
        shutil.rmtree(home)


def time_hashing_stage(paths: list[Path], scratch: Path) -> float:
    """The ingest's own digest code (SHA-256, MD5, SHA-1 side by side) over
    every file, without the copy: the hashing stage of an ingest."""
    blobs = BlobStore(scratch / "digest-only")
    start = time.perf_counter()
    for path in paths:
        with path.open("rb") as stream:
            blobs.digest(stream)
    return time.perf_counter() - start


def time_copy_floor(paths: list[Path], scratch: Path) -> float:
    """A plain copy of every file plus one os.sync: the disk cost of any
    durable write-once copy, whatever the hashing."""
    target = scratch / "copy-floor"
    target.mkdir()
    start = time.perf_counter()
    for number, path in enumerate(paths):
        with path.open("rb") as source, (target / str(number)).open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
    os.sync()
    seconds = time.perf_counter() - start
    shutil.rmtree(target)
    return seconds


def breakdown(paths: list[Path], scratch: Path) -> dict[str, float]:
    """Seconds for the pieces of an ingest, each over all files: reading alone,
    SHA-256 alone, the three digests one after the other, and writing a copy
    with fsync."""

    def over_files(work: Callable[[bytes], None], per_file: Callable[[], None] | None = None):
        start = time.perf_counter()
        for path in paths:
            with path.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    work(chunk)
            if per_file:
                per_file()
        return time.perf_counter() - start

    out: dict[str, float] = {"read": over_files(lambda chunk: None)}
    sha = hashlib.sha256()
    out["sha256_only"] = over_files(sha.update)
    digests = [hashlib.sha256(), hashlib.md5(), hashlib.sha1()]
    out["sha256_md5_sha1_serial"] = over_files(lambda c: [d.update(c) for d in digests])
    md5 = hashlib.md5()
    out["md5_only"] = over_files(md5.update)
    target = scratch / "copy.bin"
    sink: list[io.BufferedWriter] = [target.open("wb")]

    def fsync_and_reopen() -> None:
        sink[0].flush()
        os.fsync(sink[0].fileno())
        sink[0].close()
        sink[0] = target.open("wb")

    out["write_copy_fsync"] = over_files(lambda c: sink[0].write(c), fsync_and_reopen)
    sink[0].close()
    target.unlink()
    return {k: round(v, 3) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="total size, MiB")
    parser.add_argument("--files", type=int, default=1000, help="number of files")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time reading, each digest and the fsynced copy alone",
    )
    parser.add_argument("--profile", type=Path, help="cProfile one extra ingest to this file")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    total = args.size_mb << 20
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="vigil-hashing-") as tmp:
        scratch = Path(tmp)
        folder = scratch / "seized"
        paths = generate(folder, file_sizes(total, args.files, args.seed), args.seed)
        read_all(paths)
        baseline: list[float] = []
        vigil: list[float] = []
        hashing: list[float] = []
        floor: list[float] = []
        for _ in range(args.repeats):
            baseline.append(time_sha256sum(paths))
            vigil.append(time_vigil(folder, scratch))
            hashing.append(time_hashing_stage(paths, scratch))
            floor.append(time_copy_floor(paths, scratch))
        pieces = breakdown(paths, scratch) if args.breakdown else None
        if args.profile:
            time_vigil(folder, scratch, args.profile)
            pstats.Stats(str(args.profile), stream=sys.stderr).sort_stats("tottime").print_stats(15)

    base_s, vigil_s = statistics.median(baseline), statistics.median(vigil)
    base_rate, vigil_rate = total / MB / base_s, total / MB / vigil_s
    ratio = vigil_rate / base_rate
    hashing_ratio = base_s / statistics.median(hashing)
    floor_ratio = base_s / statistics.median(floor)
    result = {
        "benchmark": "hashing",
        "description": "vigil add_evidence (sha256+md5+sha1, fsynced write-once copy, one "
        "SQLite item and custody entry per file) vs sha256sum over the same files",
        "bytes": total,
        "files": args.files,
        "repeats": args.repeats,
        "sha256sum_seconds": round(base_s, 3),
        "vigil_seconds": round(vigil_s, 3),
        "sha256sum_runs": [round(s, 3) for s in baseline],
        "vigil_runs": [round(s, 3) for s in vigil],
        "sha256sum_mb_per_s": round(base_rate, 1),
        "vigil_mb_per_s": round(vigil_rate, 1),
        "ratio": round(ratio, 3),
        "target": TARGET,
        "pass": ratio >= TARGET,
        "hashing_stage_seconds": round(statistics.median(hashing), 3),
        "hashing_stage_ratio": round(hashing_ratio, 3),
        "hashing_stage_pass": hashing_ratio >= TARGET,
        "copy_floor_seconds": round(statistics.median(floor), 3),
        "copy_floor_ratio": round(floor_ratio, 3),
        "note": "ratio: full durable ingest; hashing_stage_ratio: the ingest's digest code "
        "alone; copy_floor_ratio: a plain copy plus os.sync alone, the ceiling for any "
        "ingest that keeps a durable copy on this disk",
        "breakdown_seconds": pieces,
        "commit": commit(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "openssl": __import__("ssl").OPENSSL_VERSION,
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"hashing: {total / MB:.0f} MB in {args.files} files; sha256sum {base_rate:.0f} MB/s, "
        f"vigil {vigil_rate:.0f} MB/s; ratio {ratio:.2f} (target {TARGET}) "
        f"{'PASS' if ratio >= TARGET else 'FAIL'}; hashing stage {hashing_ratio:.2f}, "
        f"copy floor {floor_ratio:.2f} -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
