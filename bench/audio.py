"""Real-time factor per CPU core of the audio detectors, against decoding
alone, in the same run.

For a set of speech files (the shared audio clips when ../shared/data/audio
exists, else made-up formant-synthesiser notes), times in CPU seconds of this
process (`time.process_time`, so other load on the machine matters less than
in wall time), `--repeats` times each, medians compared:

(a) decode only: PyAV to 16 kHz mono float32, every block consumed (baseline);
(b) decode + energy VAD + speech segments;
(c) decode + silero-vad (ONNX, when installed) + speech segments;
(d) `voice_spoof` detect() end to end with its defaults (energy VAD, features,
    model, spectrogram PNG);
(e) the same with vad=silero;
(f) `embed()`: the speaker embedding (energy VAD, its default).

Real-time factor = seconds of audio / CPU seconds; the target is >= 100 for
(d) and (f). BLAS and onnxruntime run on one thread (set below, before numpy
is imported), so the figures are per core. Writes bench/results/audio.json.

    .venv/bin/python bench/audio.py [--clips 120] [--repeats 3]
"""

from __future__ import annotations

import os

from _provenance import commit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from vigil.audio import AudioReader, load_vad, segment_all  # noqa: E402
from vigil.detectors.audio.speaker import embed  # noqa: E402
from vigil.detectors.audio.voice_spoof import (  # noqa: E402
    VoiceSpoofDetector,
    _wav,
    synthetic_vowels,
)
from vigil.detectors.base import DetectorServices  # noqa: E402
from vigil.domain.model import Locator  # noqa: E402
from vigil.runner.jobs import BlobEvidence  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "audio.json"
SHARED = ROOT.parent / "shared" / "data" / "audio"
TARGET = 100.0


def inputs(limit: int, scratch: Path) -> tuple[list[Path], str]:
    if (SHARED / "labels.csv").is_file():
        with (SHARED / "labels.csv").open(newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if not r["speaker"].startswith("fsdd:")]
        step = max(1, len(rows) // limit)
        return [SHARED / r["path"] for r in rows[::step][:limit]], "shared audio clips (no FSDD)"
    paths = []
    for seed in range(limit):
        path = scratch / f"note_{seed}.wav"
        path.write_bytes(_wav(synthetic_vowels(seed=seed, seconds=3.0)))
        paths.append(path)
    return paths, "made-up formant-synthesiser notes"


def audio_seconds(paths: list[Path]) -> float:
    total = 0
    for path in paths:
        with path.open("rb") as stream:
            reader = AudioReader(stream)
            for block in reader.blocks():
                total += block.size
    return total / 16_000


def decode_only(path: Path) -> None:
    with path.open("rb") as stream:
        for _ in AudioReader(stream).blocks():
            pass


def make_segmenter(kind: str) -> Callable[[Path], None]:
    vad = load_vad(kind)

    def run(path: Path) -> None:
        with path.open("rb") as stream:
            for _ in segment_all(AudioReader(stream).blocks(), vad):
                pass

    return run


def make_spoof(options_given: dict[str, object] | None = None) -> Callable[[Path], None]:
    detector = VoiceSpoofDetector(DetectorServices())
    options = VoiceSpoofDetector.parse_options(options_given)

    def run(path: Path) -> None:
        data_len = path.stat().st_size
        view = BlobEvidence(
            "0" * 64, "", "", "audio/x-flac", path.name, data_len, Locator(), str(path)
        )
        for _ in detector.detect(view, options):
            pass

    return run


def embed_one(path: Path) -> None:
    try:
        embed(path)
    except Exception:  # a clip with too little speech still cost its time
        pass


def cpu_seconds(fn: Callable[[Path], None], paths: list[Path]) -> float:
    started = time.process_time()
    for path in paths:
        fn(path)
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vigil-audio-bench-") as tmp:
        paths, source = inputs(args.clips, Path(tmp))
        seconds = audio_seconds(paths)
        stages: dict[str, Callable[[Path], None]] = {
            "decode_only": decode_only,
            "decode_energy_vad_segments": make_segmenter("energy"),
            "decode_silero_vad_segments": make_segmenter("silero"),
            "voice_spoof_detect": make_spoof(),
            "voice_spoof_detect_silero": make_spoof({"vad": "silero"}),
            "speaker_embed": embed_one,
        }
        for fn in stages.values():  # warm caches, load models
            fn(paths[0])
        runs: dict[str, list[float]] = {name: [] for name in stages}
        load_before = os.getloadavg()[0]
        for _ in range(args.repeats):
            for name, fn in stages.items():  # alternate, so drift hits all alike
                runs[name].append(cpu_seconds(fn, paths))
        load_after = os.getloadavg()[0]
        vad_name = load_vad("silero").name
        digest = hashlib.sha256(b"".join(p.name.encode() for p in paths)).hexdigest()[:16]

    medians = {name: statistics.median(values) for name, values in runs.items()}
    rtf = {name: round(seconds / max(value, 1e-9), 1) for name, value in medians.items()}
    result = {
        "benchmark": "audio",
        "description": __doc__.split("\n\n")[0],
        "inputs": source,
        "inputs_digest": digest,
        "files": len(paths),
        "audio_seconds": round(seconds, 2),
        "repeats": args.repeats,
        "silero_stage_ran": vad_name,
        "cpu_seconds_median": {k: round(v, 3) for k, v in medians.items()},
        "cpu_seconds_runs": {k: [round(v, 3) for v in vals] for k, vals in runs.items()},
        "realtime_factor_per_core": rtf,
        "cost_relative_to_decode": {
            k: round(v / max(medians["decode_only"], 1e-9), 2) for k, v in medians.items()
        },
        "target_realtime_factor": TARGET,
        "pass": {
            "voice_spoof_detect": rtf["voice_spoof_detect"] >= TARGET,
            "speaker_embed": rtf["speaker_embed"] >= TARGET,
        },
        "commit": commit(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before, 2),
            "load_average_after": round(load_after, 2),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("realtime_factor_per_core", "pass")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
