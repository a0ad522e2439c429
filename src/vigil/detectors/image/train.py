"""Train the `image_synthetic` model on ../shared/data/images/real_vs_synthetic.

    .venv/bin/python -m vigil.detectors.image.train [--data DIR] [--out DIR] [--seed 0]

Every image becomes several training rows: the file as given plus random
variants (crop 60-100 %, resize 0.5-1x, JPEG quality 60-95), the same
augmentation for both classes, so the model cannot learn file format or
size. Evaluation is leave-one-group-out: each CNNDetection generator (its
fakes and the real photos paired with it), CIFAKE and the GRIP examples are
held out in turn. Each held-out image is scored clean (decoded as shipped)
and recompressed (0.5x resize, then JPEG quality 75). Scores are calibrated
with Platt scaling fitted on the out-of-fold scores; the positive threshold
and the negative bound are read from those calibrated out-of-fold scores.

Writes synthetic_model.npz (arrays only; loaded with allow_pickle=False) and
synthetic_metrics.json next to this module, and prints the metrics. The
`modern_generators` folder is scored as a separate smoke check.

Needs scikit-learn at training time only (the detector uses NumPy alone).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.detectors.image.synthetic_features import FEATURE_NAMES, features
from vigil.imaging import DecodedImage, ImageLimits, decode_image

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "images"
AUGMENTS = 3
FORMAT_VERSION = 1


def _rgb(data: bytes) -> NDArray[np.uint8] | None:
    decoded = decode_image(data, ImageLimits())
    return decoded.rgb if isinstance(decoded, DecodedImage) else None


def _jpeg(rgb: NDArray[np.uint8], quality: int) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"))


def _resize(rgb: NDArray[np.uint8], factor: float) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image

    h, w = rgb.shape[:2]
    size = (max(8, round(w * factor)), max(8, round(h * factor)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC))


def recompressed(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The evaluation degradation: 0.5x resize, then JPEG quality 75."""
    return _jpeg(_resize(rgb, 0.5), 75)


def augment(rgb: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    frac = float(rng.uniform(0.6, 1.0))
    ch, cw = max(8, int(h * frac)), max(8, int(w * frac))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = rgb[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.6:
        out = _resize(out, float(rng.uniform(0.5, 1.0)))
    if rng.random() < 0.8:
        out = _jpeg(out, int(rng.integers(60, 96)))
    return out


def load_rows(data_dir: Path) -> list[dict[str, str]]:
    folder = data_dir / "real_vs_synthetic"
    with (folder / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        subset = row["subset"]
        row["group"] = subset if subset.startswith("cnndetection/") else subset.split("/")[0]
        row["file"] = str(folder / row["path"])
    return rows


def _feature_rows(
    rows: list[dict[str, str]], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], list[int]]:
    """Per image: clean features, recompressed features, augmented features
    (AUGMENTS rows each); the indices of images that could be used."""
    import numpy as np

    clean, recomp, aug, kept = [], [], [], []
    for i, row in enumerate(rows):
        rgb = _rgb(Path(row["file"]).read_bytes())
        if rgb is None:
            log.warning("cannot decode %s", row["path"])
            continue
        fc = features(rgb)
        fr = features(recompressed(rgb))
        fa = [features(augment(rgb, rng)) for _ in range(AUGMENTS)]
        if fc is None:
            continue
        # a degraded copy can fall under the minimum size (CIFAKE is 32 px): reuse clean
        clean.append(fc)
        recomp.append(fr if fr is not None else np.full_like(fc, np.nan))
        aug.append([a if a is not None else fc for a in fa])
        kept.append(i)
    return np.array(clean), np.array(recomp), np.array(aug), kept


class Model:
    """Standardise, then a one-hidden-layer MLP or logistic regression; exported as arrays."""

    def __init__(self, kind: str, seed: int) -> None:
        self.kind = kind
        self.seed = seed

    def fit(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> Model:
        import warnings

        import numpy as np
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import MLPClassifier

        warnings.filterwarnings("ignore", category=ConvergenceWarning)

        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0) + 1e-9
        z = (x - self.mean) / self.scale
        if self.kind == "logistic":
            clf = LogisticRegression(C=0.3, max_iter=2000)
            clf.fit(z, y)
            self.layers = [(clf.coef_.T.astype(np.float64), clf.intercept_.astype(np.float64))]
        else:
            mlp = MLPClassifier(
                hidden_layer_sizes=(32,),
                alpha=1e-2,
                max_iter=600,
                random_state=self.seed,
                early_stopping=False,
            )
            mlp.fit(z, y)
            self.layers = list(zip(mlp.coefs_, mlp.intercepts_, strict=True))
        return self

    def decision(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return decision(x, self.mean, self.scale, self.layers)


def decision(
    x: NDArray[np.float64],
    mean: NDArray[np.float64],
    scale: NDArray[np.float64],
    layers: list[tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> NDArray[np.float64]:
    """Logit of the model (ReLU hidden layers, linear output); used by the detector too."""
    import numpy as np

    h = (x - mean) / scale
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return np.asarray(h[:, 0], dtype=np.float64)


def auc(y: NDArray[np.float64], s: NDArray[np.float64]) -> float | None:

    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def platt(s: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1e6, max_iter=1000)
    clf.fit(s.reshape(-1, 1), y)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def _sigmoid(v: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(v, -40, 40))), dtype=np.float64)


def logo(
    kind: str,
    groups: list[str],
    y: NDArray[np.float64],
    clean: NDArray[np.float64],
    recomp: NDArray[np.float64],
    aug: NDArray[np.float64],
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Out-of-fold logits for clean and recompressed images, one group held out at a time."""
    import numpy as np

    g = np.array(groups)
    oof_clean = np.zeros(len(y))
    oof_recomp = np.full(len(y), np.nan)
    for held in sorted(set(groups)):
        train = g != held
        x = np.concatenate([clean[train]] + [aug[train, k] for k in range(aug.shape[1])])
        t = np.concatenate([y[train]] * (1 + aug.shape[1]))
        model = Model(kind, seed).fit(x, t)
        test = ~train
        oof_clean[test] = model.decision(clean[test])
        ok = test & ~np.isnan(recomp).any(axis=1)
        if ok.any():
            oof_recomp[ok] = model.decision(recomp[ok])
    return oof_clean, oof_recomp


def _per_group(
    groups: list[str], y: NDArray[np.float64], p: NDArray[np.float64], threshold: float
) -> dict[str, dict[str, float | int | None]]:
    import numpy as np

    g = np.array(groups)
    out: dict[str, dict[str, float | int | None]] = {}
    for name in sorted(set(groups)):
        sel = (g == name) & ~np.isnan(p)
        if not sel.any():
            out[name] = {"n": 0}
            continue
        correct = ((p[sel] >= threshold) == (y[sel] == 1)).mean()
        out[name] = {
            "n": int(sel.sum()),
            "auc": auc(y[sel], p[sel]),
            "accuracy_at_threshold": round(float(correct), 3),
        }
    return out


def smoke_modern(
    data_dir: Path, score: Callable[[NDArray[np.uint8]], float | None]
) -> dict[str, object]:
    """Scores on modern_generators (pixels only, metadata ignored)."""
    import numpy as np

    folder = data_dir / "modern_generators"
    labels = folder / "labels.csv"
    if not labels.is_file():
        return {"available": False}
    with labels.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    per: dict[str, list[float]] = {}
    ys, ss = [], []
    fair_y, fair_s = [], []
    for row in rows:
        rgb = _rgb((folder / row["path"]).read_bytes())
        s = score(rgb) if rgb is not None else None
        if s is None:
            continue
        key = f"{row['label']}:{row['generator']}"
        per.setdefault(key, []).append(round(s, 3))
        ys.append(1.0 if row["label"] == "synthetic" else 0.0)
        ss.append(s)
        if row["path"].startswith("ai_image_filter/"):
            fair_y.append(ys[-1])
            fair_s.append(s)
    return {
        "available": True,
        "n": len(ss),
        "auc_all": auc(np.array(ys), np.array(ss)),
        "auc_ai_image_filter_format_matched": auc(np.array(fair_y), np.array(fair_s)),
        "scores": per,
    }


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="reuse/store computed features in this .npz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(args.seed)
    started = time.time()
    rows = load_rows(args.data)
    if args.cache is not None and args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as cached:
            clean, recomp, aug = cached["clean"], cached["recomp"], cached["aug"]
            kept = [int(i) for i in cached["kept"]]
    else:
        clean, recomp, aug, kept = _feature_rows(rows, rng)
        if args.cache is not None:
            np.savez(args.cache, clean=clean, recomp=recomp, aug=aug, kept=np.array(kept))
    rows = [rows[i] for i in kept]
    y = np.array([1.0 if r["label"] == "synthetic" else 0.0 for r in rows])
    groups = [r["group"] for r in rows]
    log.info("features for %d images in %.0f s", len(rows), time.time() - started)

    results: dict[str, dict[str, object]] = {}
    oofs = {}
    for kind in ("logistic", "mlp"):
        oc, orc = logo(kind, groups, y, clean, recomp, aug, args.seed)
        ok = ~np.isnan(orc)
        results[kind] = {"auc_clean": auc(y, oc), "auc_recompressed": auc(y[ok], orc[ok])}
        oofs[kind] = (oc, orc)
        log.info("%s: %s", kind, results[kind])

    def total(name: str) -> float:
        values = [results[name]["auc_clean"], results[name]["auc_recompressed"]]
        return sum(v for v in values if isinstance(v, float))

    kind = max(results, key=total)
    oc, orc = oofs[kind]
    ok = ~np.isnan(orc)
    a, b = platt(np.concatenate([oc, orc[ok]]), np.concatenate([y, y[ok]]))
    pc, pr = _sigmoid(a * oc + b), np.where(ok, _sigmoid(a * orc + b), np.nan)
    both_p = np.concatenate([pc, pr[ok]])
    both_y = np.concatenate([y, y[ok]])
    # positive where at most 10 % of out-of-fold real images land; negative below the
    # score that at most 10 % of out-of-fold synthetic images fall under
    threshold = float(max(0.5, np.quantile(both_p[both_y == 0], 0.90)))
    negative_below = float(min(threshold, np.quantile(both_p[both_y == 1], 0.10)))

    def band(p: NDArray[np.float64], yy: NDArray[np.float64]) -> dict[str, float]:
        pos, neg = p >= threshold, p < negative_below
        inc = ~(pos | neg)
        return {
            "positive": round(float(pos.mean()), 3),
            "negative": round(float(neg.mean()), 3),
            "inconclusive": round(float(inc.mean()), 3),
            "precision_positive": round(float((yy[pos] == 1).mean()), 3) if pos.any() else 0.0,
            "npv_negative": round(float((yy[neg] == 0).mean()), 3) if neg.any() else 0.0,
            "tpr": round(float(pos[yy == 1].mean()), 3),
            "fpr": round(float(pos[yy == 0].mean()), 3),
        }

    final = Model(kind, args.seed).fit(
        np.concatenate([clean] + [aug[:, k] for k in range(aug.shape[1])]),
        np.concatenate([y] * (1 + aug.shape[1])),
    )
    arrays: dict[str, NDArray[np.float64]] = {
        "format_version": np.array([FORMAT_VERSION], dtype=np.float64),
        "mean": final.mean,
        "scale": final.scale,
        "platt": np.array([a, b]),
        "band": np.array([threshold, negative_below]),
        "n_layers": np.array([len(final.layers)], dtype=np.float64),
    }
    for i, (w, bias) in enumerate(final.layers):
        arrays[f"w{i}"] = np.asarray(w, dtype=np.float64)
        arrays[f"b{i}"] = np.asarray(bias, dtype=np.float64)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "synthetic_model.npz", **arrays)  # type: ignore[arg-type]

    def score(rgb: NDArray[np.uint8]) -> float | None:
        f = features(rgb)
        if f is None:
            return None
        return float(_sigmoid(a * final.decision(f[None, :]) + b)[0])

    metrics = {
        "model": kind,
        "features": list(FEATURE_NAMES),
        "images": len(rows),
        "augments_per_image": AUGMENTS,
        "seed": args.seed,
        "candidates_logo": results,
        "threshold": round(threshold, 4),
        "negative_below": round(negative_below, 4),
        "platt": [round(a, 5), round(b, 5)],
        "logo_auc_clean": auc(y, pc),
        "logo_auc_recompressed": auc(y[ok], pr[ok]),
        "band_clean": band(pc, y),
        "band_recompressed": band(pr[ok], y[ok]),
        "per_group_clean": _per_group(groups, y, pc, threshold),
        "per_group_recompressed": _per_group(groups, y, pr, threshold),
        "modern_generators_smoke": smoke_modern(args.data, score),
        "seconds": round(time.time() - started, 1),
    }
    (args.out / "synthetic_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log.info("%s", json.dumps({k: v for k, v in metrics.items() if k != "features"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
