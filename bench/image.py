"""Images per second per core for each image detector, against a plain
Pillow decode (open, load, convert to RGB) of the same images in the same run.

The images are made here (no shared data needed): photo-like textured
scenes at 640x480 and 1024x768, saved as JPEG (quality 90) and PNG. Each
detector runs in this process on one core (OpenCV is limited to one thread);
medians of `--repeats` passes are compared. The result goes to
bench/results/image.json.

    .venv/bin/python bench/image.py [--images 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _provenance import commit

from vigil.detectors.base import DetectorServices, load_registry
from vigil.domain.model import Locator
from vigil.imaging.samples import copy_move_scene

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "image.json"
DETECTORS = ("image_provenance", "image_forensics", "image_copy_move", "image_synthetic")


class Evidence:
    def __init__(self, data: bytes, media_type: str) -> None:
        self.data = data
        self.media_type = media_type
        self.name = "bench." + media_type.split("/")[1]
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.md5 = hashlib.md5(data).hexdigest()
        self.sha1 = hashlib.sha1(data).hexdigest()
        self.size = len(data)
        self.locator = Locator()

    def open(self) -> io.BytesIO:
        return io.BytesIO(self.data)


def make_images(count: int) -> list[Evidence]:
    from PIL import Image

    images = []
    for i in range(count):
        size = (640, 480) if i % 2 == 0 else (1024, 768)
        png, _, _ = copy_move_scene(*size, seed=100 + i)
        scene = Image.open(io.BytesIO(png)).convert("RGB")
        if i % 4 < 2:
            out = io.BytesIO()
            scene.save(out, "JPEG", quality=90)
            images.append(Evidence(out.getvalue(), "image/jpeg"))
        else:
            images.append(Evidence(png, "image/png"))
    return images


def pillow_decode(item: Evidence) -> None:
    from PIL import Image

    with Image.open(item.open()) as image:
        image.load()
        image.convert("RGB")


def timed(run: Callable[[Evidence], object], images: list[Evidence], repeats: int) -> list[float]:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for item in images:
            run(item)
        runs.append(time.perf_counter() - started)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2

    cv2.setNumThreads(1)
    images = make_images(args.images)
    registry = load_registry()
    pillow_decode(images[0])  # warm the imports
    baseline = timed(pillow_decode, images, args.repeats)
    base_s = statistics.median(baseline)
    results: dict[str, object] = {}
    for name in DETECTORS:
        cls = registry.get(name)
        detector = cls(DetectorServices())
        options = cls.parse_options(None)

        def run(item: Evidence, detector: object = detector, options: object = options) -> None:
            list(detector.detect(item, options))  # type: ignore[attr-defined]

        run(images[0])  # warm: imports and model loading are not timed
        runs = timed(run, images, args.repeats)
        seconds = statistics.median(runs)
        results[name] = {
            "seconds": round(seconds, 3),
            "runs": [round(r, 3) for r in runs],
            "images_per_second_per_core": round(len(images) / seconds, 2),
            "ratio_to_pillow_decode": round(base_s / seconds, 4),
        }
    report = {
        "benchmark": "image",
        "description": "image detectors, one process, one core (cv2 threads 1), vs a plain "
        "Pillow decode (open, load, convert RGB) of the same images in the same run",
        "images": len(images),
        "sizes": "640x480 and 1024x768 alternately; JPEG q90 and PNG",
        "repeats": args.repeats,
        "baseline_pillow_decode": {
            "seconds": round(base_s, 3),
            "runs": [round(r, 3) for r in baseline],
            "images_per_second_per_core": round(len(images) / base_s, 2),
        },
        "detectors": results,
        "commit": commit(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
