"""Images per second per core for each image detector, against a plain
Pillow decode (open, load, convert to RGB) of the same images in the same run.

The images are made here (no shared data needed): photo-like textured
scenes at 640x480 and 1024x768, saved as JPEG (quality 90) and PNG. The
face-swap detector is also timed on a second set with one drawn (not real)
face per 640x480 JPEG, where it detects, aligns, scores and describes each
face, against a Pillow decode of that set. Each
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

from vigil.detectors.base import DetectorServices, Registry, load_registry
from vigil.domain.model import Locator
from vigil.imaging.samples import copy_move_scene, drawn_face_png

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "image.json"
DETECTORS = (
    "image_provenance",
    "image_forensics",
    "image_copy_move",
    "image_synthetic",
    "image_face_swap",
)
FACE_DETECTORS = ("image_face_swap",)


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


def make_face_images(count: int) -> list[Evidence]:
    """640x480 JPEGs, each with one drawn face (a different noise seed) on a flat backdrop."""
    from PIL import Image

    images = []
    for i in range(count):
        canvas = Image.new("RGB", (640, 480), (90, 110, 140))
        canvas.paste(Image.open(io.BytesIO(drawn_face_png(400, seed=i))), (120 + 8 * i % 80, 40))
        out = io.BytesIO()
        canvas.save(out, "JPEG", quality=90)
        images.append(Evidence(out.getvalue(), "image/jpeg"))
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


def time_detector(
    registry: Registry, name: str, images: list[Evidence], base_s: float, repeats: int
) -> dict[str, object]:
    cls = registry.get(name)
    detector = cls(DetectorServices())
    options = cls.parse_options(None)

    def run(item: Evidence) -> None:
        list(detector.detect(item, options))  # type: ignore[arg-type]

    run(images[0])  # warm: imports and model loading are not timed
    runs = timed(run, images, repeats)
    seconds = statistics.median(runs)
    return {
        "seconds": round(seconds, 3),
        "runs": [round(r, 3) for r in runs],
        "images_per_second_per_core": round(len(images) / seconds, 2),
        "ratio_to_pillow_decode": round(base_s / seconds, 4),
    }


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
    results = {
        name: time_detector(registry, name, images, base_s, args.repeats) for name in DETECTORS
    }
    face_images = make_face_images(args.images)
    pillow_decode(face_images[0])
    face_baseline = timed(pillow_decode, face_images, args.repeats)
    face_base_s = statistics.median(face_baseline)
    face_results = {
        name: time_detector(registry, name, face_images, face_base_s, args.repeats)
        for name in FACE_DETECTORS
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
        "face_images": {
            "sizes": "640x480 JPEG q90, one drawn 400 px face each",
            "baseline_pillow_decode": {
                "seconds": round(face_base_s, 3),
                "runs": [round(r, 3) for r in face_baseline],
                "images_per_second_per_core": round(len(face_images) / face_base_s, 2),
            },
            "detectors": face_results,
        },
        "commit": commit(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
