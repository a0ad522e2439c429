"""Indicator extraction speed over the SMS corpora in ../shared/data/text.

Reports texts per second for `vigil.indicators` (all kinds, no phone region
hint, then with one) against a baseline run in the same process over the
same texts: one `re.findall` of a plain URL regex. Writes
bench/results/text_indicators.json with the commit and the machine.

    .venv/bin/python bench/text_indicators.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from _provenance import commit

from vigil.indicators import IndicatorExtractor

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "text"
OUT = ROOT / "bench" / "results" / "text_indicators.json"
BASELINE_URL = re.compile(r"https?://[^\s<>\"']+|www\.[^\s<>\"']+")


def load_texts() -> list[tuple[str, str]]:
    """(language, text) of every SMS row."""
    csv.field_size_limit(1 << 24)
    texts: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("sms_*/*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            texts.extend((row["lang"], row["text"]) for row in csv.DictReader(handle))
    return texts


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 2
    texts = load_texts()
    plain = [t for _, t in texts]
    extractor = IndicatorExtractor()
    hinted = {
        lang: IndicatorExtractor(region=region)
        for lang, region in {
            "en": "GB",
            "th": "TH",
            "id": "ID",
            "de": "DE",
            "fr": "FR",
            "hi": "IN",
            "sw": "KE",
        }.items()
    }
    extractor.extract("warm up https://example.com +44 20 7946 0018")  # loads the suffix list

    baseline = best_of(args.repeat, lambda: [BASELINE_URL.findall(t) for t in plain])
    no_hint = best_of(args.repeat, lambda: [extractor.extract(t) for t in plain])
    with_hint = best_of(
        args.repeat, lambda: [hinted.get(lang, extractor).extract(t) for lang, t in texts]
    )
    kinds = Counter(h.kind.value for t in plain for h in extractor.extract(t))
    hinted_kinds = Counter(
        h.kind.value for lang, t in texts for h in hinted.get(lang, extractor).extract(t)
    )
    result = {
        "benchmark": "text_indicators",
        "what": "vigil.indicators extraction over every SMS row of ../shared/data/text/sms_*",
        "texts": len(plain),
        "characters": sum(len(t) for t in plain),
        "repeat": args.repeat,
        "baseline": {
            "what": "re.findall of a plain URL regex per text",
            "seconds": round(baseline, 4),
            "texts_per_second": round(len(plain) / baseline),
        },
        "extraction_no_region_hint": {
            "seconds": round(no_hint, 4),
            "texts_per_second": round(len(plain) / no_hint),
            "slowdown_vs_baseline": round(no_hint / baseline, 1),
            "indicators_by_kind": dict(sorted(kinds.items())),
        },
        "extraction_region_hint_by_language": {
            "seconds": round(with_hint, 4),
            "texts_per_second": round(len(plain) / with_hint),
            "slowdown_vs_baseline": round(with_hint / baseline, 1),
            "indicators_by_kind": dict(sorted(hinted_kinds.items())),
        },
        "commit": commit(),
        "machine": {
            "node": platform.node(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
