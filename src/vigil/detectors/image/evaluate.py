"""Measure the rule-based image detectors on ../shared/data/images and write
forensics_metrics.json next to this module (quoted in the model cards).

    .venv/bin/python -m vigil.detectors.image.evaluate [--data DIR] [--out FILE]

* copy-move: pixel F1 per NoSo forgery (mask thresholded at 127; the mask
  marks source and target), pooled F1, image-level hits, and false
  positives on untouched photos (NoSo originals, camera JPEGs from the
  provenance set, real photos from modern_generators);
* double JPEG compression: the 11 never-compressed ComfyUI PNGs saved once
  (quality 75/85/95) against saved twice (a random first quality 50-95);
* noise inconsistency: the 99th-percentile |z| on untouched images and on
  copies with Gaussian noise (sigma 6) added to one block, a crude splice.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.imaging import DecodedImage, decode_image
from vigil.imaging.jpeg import parse_jpeg

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "images"


def _rgb(path: Path) -> NDArray[np.uint8]:
    decoded = decode_image(path.read_bytes())
    assert isinstance(decoded, DecodedImage), path
    return decoded.rgb


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def untouched_photos(data: Path) -> list[Path]:
    noso = data / "copy_move" / "noso"
    prov = data / "provenance" / "c2pa_public_testfiles"
    real = data / "modern_generators" / "ml72_playground" / "real"
    photos = [noso / "12.png", noso / "13.png"]
    photos += [prov / "adobe-20220124-A.jpg", prov / "adobe-20220124-I.jpg"]
    photos += sorted(real.glob("*.jpg"))
    photos += sorted((data / "modern_generators" / "ai_image_filter" / "real").glob("*.jpg"))
    return [p for p in photos if p.is_file()]


def copy_move(data: Path) -> dict[str, object]:
    import cv2
    import numpy as np

    from vigil.imaging.copy_move import detect_copy_move

    folder = data / "copy_move"
    per: dict[str, object] = {}
    tp = fp = fn = 0
    f1s, hits = [], 0
    started = time.time()
    for row in _rows(folder / "pairs.csv"):
        rgb = _rgb(folder / row["forged"])
        gt = np.asarray(_rgb(folder / row["mask"]).max(axis=2)) > 127
        result = detect_copy_move(rgb)
        assert result.mask is not None
        mask = result.mask
        if result.scale < 1.0:
            mask = cv2.resize(
                mask.astype(np.uint8), (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST
            ).astype(bool)
        inter = int((mask & gt).sum())
        f1 = 2 * inter / (int(mask.sum()) + int(gt.sum()))
        tp, fp, fn = tp + inter, fp + int(mask.sum()) - inter, fn + int(gt.sum()) - inter
        f1s.append(f1)
        hits += bool(result.regions)
        per[row["forged"]] = {"f1": round(f1, 3), "regions": len(result.regions)}
    seconds = time.time() - started
    false_alarms = {}
    for path in untouched_photos(data):
        result = detect_copy_move(_rgb(path))
        false_alarms[path.name] = len(result.regions)
    return {
        "images": len(f1s),
        "mean_pixel_f1": round(float(np.mean(f1s)), 3),
        "pooled_pixel_f1": round(2 * tp / (2 * tp + fp + fn), 3),
        "images_with_a_region": hits,
        "per_image": per,
        "untouched_images": len(false_alarms),
        "untouched_with_a_region": sum(1 for v in false_alarms.values() if v),
        "seconds_per_forgery": round(seconds / max(len(f1s), 1), 2),
    }


def double_jpeg(data: Path, seed: int = 0) -> dict[str, object]:
    import numpy as np
    from PIL import Image

    from vigil.detectors.image.forensics import DOUBLE_JPEG_LEVEL
    from vigil.imaging.forensics import double_compression_score

    rng = np.random.default_rng(seed)

    def save(image: Image.Image, quality: int) -> bytes:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        return out.getvalue()

    def score(jpeg: bytes) -> float:
        info = parse_jpeg(jpeg)
        assert info is not None
        rgb = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
        return double_compression_score(rgb, info.quant_tables[0].values)[0]

    single, double = [], []
    files = sorted((data / "modern_generators" / "comfyui_examples").glob("*.png"))
    for path in files:
        image = Image.fromarray(_rgb(path))
        for q2 in (75, 85, 95):
            single.append(score(save(image, q2)))
            q1 = int(rng.choice([q for q in range(50, 100, 5) if abs(q - q2) >= 5]))
            once = Image.open(io.BytesIO(save(image, q1))).convert("RGB")
            double.append((score(save(once, q2)), q1, q2))
    called = [d for d in double if d[0] >= DOUBLE_JPEG_LEVEL]
    return {
        "source_images": len(files),
        "level": DOUBLE_JPEG_LEVEL,
        "single_n": len(single),
        "single_called_double": sum(s >= DOUBLE_JPEG_LEVEL for s in single),
        "single_max": round(max(single), 3) if single else None,
        "double_n": len(double),
        "double_detected": len(called),
        "double_detected_first_quality_lower": sum(1 for d in called if d[1] < d[2]),
        "double_first_quality_lower_n": sum(1 for d in double if d[1] < d[2]),
    }


def noise(data: Path, seed: int = 1) -> dict[str, object]:
    import numpy as np

    from vigil.detectors.image.forensics import NOISE_FULL_SCALE, NOISE_THRESHOLD
    from vigil.imaging.forensics import noise_inconsistency

    rng = np.random.default_rng(seed)
    level = NOISE_THRESHOLD * NOISE_FULL_SCALE
    clean, spliced = [], []
    for path in untouched_photos(data):
        rgb = _rgb(path)
        clean.append(noise_inconsistency(rgb)[1])
        noisy = rgb.astype(np.float64)
        h, w = rgb.shape[:2]
        box = noisy[h // 3 : h // 3 + h // 4, w // 3 : w // 3 + w // 4]
        box += rng.normal(0, 6, size=box.shape)
        spliced.append(noise_inconsistency(np.clip(noisy, 0, 255).astype(np.uint8))[1])
    return {
        "images": len(clean),
        "p99_level_for_positive": round(level, 2),
        "untouched_p99": [round(v, 2) for v in clean],
        "untouched_positive": sum(v >= level for v in clean),
        "noise_block_p99": [round(v, 2) for v in spliced],
        "noise_block_positive": sum(v >= level for v in spliced),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=HERE / "forensics_metrics.json")
    args = parser.parse_args(argv)
    metrics = {
        "copy_move": copy_move(args.data),
        "double_jpeg": double_jpeg(args.data),
        "noise": noise(args.data),
    }
    args.out.write_text(json.dumps(metrics, indent=1) + "\n")
    sys.stdout.write(json.dumps(metrics, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
