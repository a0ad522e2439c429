"""Train the `image_face_swap` model on face chips from ../shared/data.

    vigil train face-swap [-- --data DIR --out DIR --seed 0 --cache FILE.npz]

Sources: every clip of `video/labels.csv` (a few frames each, evenly spaced:
4 per DeepFaceLive half, 10 per other clip, so the 78 DeepFaceLive halves do
not swamp the rest) and the FaceForensics++ face-swap pairs of
`images/real_vs_synthetic` (cnndetection/deepfake). On every frame the largest
HOG face is aligned into a chip (`face_swap_features.CHIP_SIZE`/`CHIP_PADDING`).
Each frame gives a clean chip, AUGMENTS augmented chips (frame resized
0.5-1x, JPEG quality 60-95, the same for both classes) and a recompressed chip
(0.5x resize then JPEG quality 75) used only for evaluation.

Evaluation is leave-one-method-out: each group below is held out in turn
(its fakes together with the reals that share their `pair_id` or source), the
model is trained on the rest and scores the held-out chips:
DeepFaceLive, FF++ Deepfakes, FF++ FaceSwap, FF++ Face2Face, DFDC, DF-VAE,
CNNDetection FF++ swaps, and the real-only talking-head clips (false
positives). The lip-sync / audio-driven fakes (Wav2Lip+GFPGAN, SadTalker)
are never trained on: they are scored with the talking-head fold, as an
out-of-scope check. A second, pair-grouped 5-fold split (methods seen,
identities and clips unseen) is reported for comparison. Scores are
calibrated (Platt) on the leave-one-method-out scores, where the threshold
and negative bound are read too.

Writes face_swap_model.npz (arrays only) and face_swap_metrics.json next to
this module. Needs scikit-learn at training time only.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.detectors.image.face_swap_features import (
    CHIP_PADDING,
    CHIP_SIZE,
    FEATURE_NAMES,
    features,
)
from vigil.detectors.image.train import FORMAT_VERSION, auc, decision, platt
from vigil.imaging import DecodedImage, decode_image
from vigil.imaging.faces import Face, detect_faces, face_chip

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[5] / "shared" / "data"
AUGMENTS = 2
FRAMES_PER_CLIP = {"deepfacelive": 4}
DEFAULT_FRAMES = 10
C_CANDIDATES = (0.001, 0.003, 0.01, 0.1)
"""Inverse L2 strengths tried; the one with the best leave-one-method-out AUC ships."""
OUT_OF_SCOPE = ("Wav2Lip+GFPGAN", "SadTalker")
"""Lip-sync and audio-driven fakes: not swaps, never trained on, scored as a check."""
TALKING_HEAD = "talking-head reals"


@dataclass(frozen=True, slots=True)
class Source:
    """One clip or image with its label and evaluation group."""

    path: Path
    label: int
    method: str
    group: str
    pair_id: str
    frames: int
    subset: str


def _video_group(row: dict[str, str], pair_methods: dict[str, str]) -> tuple[str, str]:
    """(group, subset) of a labels.csv row; reals join the method they pair with."""
    folder = row["path"].split("/")[1]
    subset = row["path"].split("/")[-1].split("_")[0] if folder == "talking_head" else folder
    method = row["method"]
    if method in OUT_OF_SCOPE or (folder == "talking_head" and method == "original"):
        return TALKING_HEAD, subset
    if method == "original":
        method = pair_methods.get(row["pair_id"], "DFDC-unspecified")
    names = {
        "DeepFaceLive": "DeepFaceLive",
        "DFDC-unspecified": "DFDC",
        "DF-VAE": "DF-VAE",
    }
    return names.get(method, f"FF++ {method}"), subset


def load_sources(data: Path) -> list[Source]:
    video = data / "video"
    with (video / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    pair_methods = {r["pair_id"]: r["method"] for r in rows if r["label"] == "fake"}
    sources = []
    for row in rows:
        group, subset = _video_group(row, pair_methods)
        sources.append(
            Source(
                video / row["path"],
                int(row["label"] == "fake"),
                row["method"],
                group,
                row["pair_id"],
                int(row["frames"]),
                subset,
            )
        )
    images = data / "images" / "real_vs_synthetic"
    with (images / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["subset"] != "cnndetection/deepfake":
                continue
            fake = row["label"] == "synthetic"
            sources.append(
                Source(
                    images / row["path"],
                    int(fake),
                    "FF++ face swap (CNNDetection)" if fake else "original",
                    "CNNDetection FF++ swaps",
                    f"cnn_{row['path'].split('/')[-1].split('_')[0]}",
                    1,
                    "cnndetection",
                )
            )
    return sources


def sample_frames(source: Source) -> list[NDArray[np.uint8]]:
    """A few frames spread evenly over a clip, or the image itself."""
    import av
    import numpy as np

    if source.path.suffix.lower() != ".mp4":
        decoded = decode_image(source.path.read_bytes())
        return [decoded.rgb] if isinstance(decoded, DecodedImage) else []
    count = FRAMES_PER_CLIP.get(source.subset, DEFAULT_FRAMES)
    wanted = set(np.linspace(0, max(source.frames - 1, 0), count).round().astype(int).tolist())
    out = []
    with av.open(str(source.path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                out.append(np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8))
            if i >= max(wanted):
                break
    return out


def _largest(found: list[Face]) -> Face | None:
    return max(found, key=lambda f: f.box[2] * f.box[3]) if found else None


def _scaled(face: Face, factor: float) -> Face:
    x, y, w, h = face.box
    box = (
        round(x * factor),
        round(y * factor),
        max(1, round(w * factor)),
        max(1, round(h * factor)),
    )
    points = tuple((px * factor, py * factor) for px, py in face.landmarks)
    return Face(box, points, face.detection_score)


def _degraded(rgb: NDArray[np.uint8], factor: float, quality: int | None) -> NDArray[np.uint8]:
    from vigil.detectors.image.train import _jpeg, _resize

    out = _resize(rgb, factor) if factor < 0.999 else rgb
    return _jpeg(out, quality) if quality is not None else out


def frame_chips(
    rgb: NDArray[np.uint8], rng: np.random.Generator
) -> tuple[NDArray[np.uint8], NDArray[np.uint8], list[NDArray[np.uint8]]] | None:
    """Clean, recompressed and augmented chips of the largest face, or None."""
    face = _largest(detect_faces(rgb))
    if face is None:
        return None

    def chip(factor: float, quality: int | None) -> NDArray[np.uint8]:
        frame = _degraded(rgb, factor, quality)
        actual = frame.shape[1] / rgb.shape[1]
        return face_chip(frame, _scaled(face, actual), CHIP_SIZE, CHIP_PADDING)

    augmented = []
    for _ in range(AUGMENTS):
        factor = float(rng.uniform(0.5, 1.0)) if rng.random() < 0.7 else 1.0
        quality = int(rng.integers(60, 96)) if rng.random() < 0.8 else None
        augmented.append(chip(factor, quality))
    return chip(1.0, None), chip(0.5, 75), augmented


@dataclass
class Chips:
    clean: NDArray[np.uint8]
    recomp: NDArray[np.uint8]
    aug: NDArray[np.uint8]
    source: NDArray[np.int64]
    """Index into the source list of each chip row."""


def extract_chips(sources: list[Source], rng: np.random.Generator) -> Chips:
    import numpy as np

    clean, recomp, aug, owner = [], [], [], []
    for i, source in enumerate(sources):
        found = 0
        for rgb in sample_frames(source):
            chips = frame_chips(rgb, rng)
            if chips is None:
                continue
            clean.append(chips[0])
            recomp.append(chips[1])
            aug.append(np.stack(chips[2]))
            owner.append(i)
            found += 1
        log.info("%s: %d face chips", source.path.name, found)
    return Chips(np.stack(clean), np.stack(recomp), np.stack(aug), np.array(owner))


def _feature_matrix(chips: NDArray[np.uint8]) -> NDArray[np.float64]:
    import numpy as np

    return np.stack([features(c) for c in chips])


class BalancedLogistic:
    """Standardise, then L2 logistic regression with classes weighted equally;
    exported in the synthetic model's array format (one linear layer)."""

    def __init__(self, c: float) -> None:
        self.c = c

    def fit(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> BalancedLogistic:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0) + 1e-9
        clf = LogisticRegression(C=self.c, max_iter=5000, class_weight="balanced")
        clf.fit((x - self.mean) / self.scale, y)
        self.layers = [(clf.coef_.T.astype(np.float64), clf.intercept_.astype(np.float64))]
        return self

    def decision(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return decision(x, self.mean, self.scale, self.layers)


def _fit(
    c: float,
    train: NDArray[np.bool_],
    y: NDArray[np.float64],
    feats: dict[str, NDArray[np.float64]],
) -> BalancedLogistic:
    """Fit on the clean and augmented chips of the training rows."""
    import numpy as np

    aug = feats["aug"]
    x = np.concatenate([feats["clean"][train]] + [aug[train, k] for k in range(aug.shape[1])])
    return BalancedLogistic(c).fit(x, np.concatenate([y[train]] * (1 + aug.shape[1])))


def out_of_fold(
    c: float,
    folds: NDArray[np.int64],
    trainable: NDArray[np.bool_],
    y: NDArray[np.float64],
    feats: dict[str, NDArray[np.float64]],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Logits of every chip (clean, recompressed) from the model that did not see its fold."""
    import numpy as np

    oof_clean, oof_recomp = np.zeros(len(y)), np.zeros(len(y))
    for fold in np.unique(folds):
        test = folds == fold
        model = _fit(c, ~test & trainable, y, feats)
        oof_clean[test] = model.decision(feats["clean"][test])
        oof_recomp[test] = model.decision(feats["recomp"][test])
    return oof_clean, oof_recomp


def _sigmoid(v: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(v, -40, 40))), dtype=np.float64)


def tpr_at_fpr(y: NDArray[np.float64], s: NDArray[np.float64], fpr: float) -> float | None:
    """Share of fakes scored above the (1 - fpr) quantile of reals."""
    import numpy as np

    if not (y == 1).any() or not (y == 0).any():
        return None
    cut = float(np.quantile(s[y == 0], 1 - fpr))
    return round(float((s[y == 1] > cut).mean()), 3)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def summary(
    y: NDArray[np.float64], p: NDArray[np.float64], threshold: float, negative: float
) -> dict[str, object]:

    pos, neg = p >= threshold, p < negative
    out: dict[str, object] = {
        "chips": int(len(y)),
        "fakes": int((y == 1).sum()),
        "reals": int((y == 0).sum()),
        "auc": _rounded(auc(y, p)),
        "tpr_at_fpr_0.05": tpr_at_fpr(y, p, 0.05),
        "tpr_at_fpr_0.10": tpr_at_fpr(y, p, 0.10),
        "positive_rate_fakes": _rounded(float(pos[y == 1].mean())) if (y == 1).any() else None,
        "positive_rate_reals": _rounded(float(pos[y == 0].mean())) if (y == 0).any() else None,
        "negative_rate_fakes": _rounded(float(neg[y == 1].mean())) if (y == 1).any() else None,
        "negative_rate_reals": _rounded(float(neg[y == 0].mean())) if (y == 0).any() else None,
    }
    return out


def _clip_means(
    owner: NDArray[np.int64], y: NDArray[np.float64], p: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    import numpy as np

    ids = np.unique(owner)
    return (
        np.array([y[owner == i][0] for i in ids]),
        np.array([p[owner == i].mean() for i in ids]),
    )


def _breakdown(
    keys: list[str], y: NDArray[np.float64], p: NDArray[np.float64], threshold: float, neg: float
) -> dict[str, dict[str, object]]:
    import numpy as np

    k = np.array(keys)
    return {name: summary(y[k == name], p[k == name], threshold, neg) for name in sorted(set(keys))}


def pair_folds(pairs: list[str], n: int, seed: int) -> NDArray[np.int64]:
    """Fold number per chip, whole pair_ids per fold."""
    import numpy as np

    unique = sorted(set(pairs))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[i]: int(rank % n) for rank, i in enumerate(order)}
    return np.array([fold_of[p] for p in pairs])


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="reuse/store the face chips in this .npz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.time()
    sources = load_sources(args.data)
    chips = _load_or_extract(sources, args.cache, np.random.default_rng(args.seed))
    log.info(
        "%d chips from %d sources in %.0f s", len(chips.source), len(sources), time.time() - started
    )
    feats = {
        "clean": _feature_matrix(chips.clean),
        "recomp": _feature_matrix(chips.recomp),
        "aug": np.stack([_feature_matrix(chips.aug[:, k]) for k in range(chips.aug.shape[1])], 1),
    }
    log.info("features in %.0f s", time.time() - started)
    rows = [sources[i] for i in chips.source]
    y = np.array([float(s.label) for s in rows])
    groups = [s.group for s in rows]
    methods = [s.method if s.label else f"real: {s.subset}" for s in rows]
    trainable = np.array([s.method not in OUT_OF_SCOPE for s in rows])
    group_ids = {g: i for i, g in enumerate(sorted(set(groups)))}
    lomo = np.array([group_ids[g] for g in groups])
    by_pair = pair_folds([s.pair_id for s in rows], 5, args.seed)
    in_scope = trainable

    candidates: dict[str, dict[str, object]] = {}
    oofs = {}
    for c in C_CANDIDATES:
        kind = f"logistic C={c}"
        oc, orc = out_of_fold(c, lomo, trainable, y, feats)
        oofs[kind] = (oc, orc)
        candidates[kind] = {
            "lomo_auc_clean": _rounded(auc(y[in_scope], oc[in_scope])),
            "lomo_auc_recompressed": _rounded(auc(y[in_scope], orc[in_scope])),
        }
        log.info("%s: %s", kind, candidates[kind])

    def total(name: str) -> float:
        return sum(v for v in candidates[name].values() if isinstance(v, float))

    kind = max(candidates, key=total)
    best_c = C_CANDIDATES[list(candidates).index(kind)]
    oc, orc = oofs[kind]
    a, b = platt(np.concatenate([oc[in_scope], orc[in_scope]]), np.concatenate([y[in_scope]] * 2))
    pc, pr = _sigmoid(a * oc + b), _sigmoid(a * orc + b)
    both_p = np.concatenate([pc[in_scope], pr[in_scope]])
    both_y = np.concatenate([y[in_scope]] * 2)
    # positive above all but 5 % of held-out reals, negative below all but 5 % of
    # held-out fakes: a near-chance model then leaves almost everything inconclusive
    threshold = float(max(0.5, np.quantile(both_p[both_y == 0], 0.95)))
    negative = float(min(threshold, np.quantile(both_p[both_y == 1], 0.05)))

    pair_clean, pair_recomp = out_of_fold(best_c, by_pair, trainable, y, feats)
    ppc, ppr = _sigmoid(a * pair_clean + b), _sigmoid(a * pair_recomp + b)
    clip_y, clip_p = _clip_means(chips.source[in_scope], y[in_scope], pc[in_scope])

    final = _fit(best_c, trainable, y, feats)
    _save_model(args.out / "face_swap_model.npz", final, (a, b), (threshold, negative))
    metrics = {
        "model": kind,
        "features": list(FEATURE_NAMES),
        "chip": {"size": CHIP_SIZE, "padding": CHIP_PADDING},
        "sources": len(sources),
        "chips": int(len(y)),
        "augments_per_chip": AUGMENTS,
        "seed": args.seed,
        "candidates": candidates,
        "platt": [round(a, 5), round(b, 5)],
        "threshold": round(threshold, 4),
        "negative_below": round(negative, 4),
        "lomo_clean": summary(y[in_scope], pc[in_scope], threshold, negative),
        "lomo_recompressed": summary(y[in_scope], pr[in_scope], threshold, negative),
        "lomo_clip_mean_clean": summary(clip_y, clip_p, threshold, negative),
        "lomo_per_group_clean": _breakdown(groups, y, pc, threshold, negative),
        "lomo_per_group_recompressed": _breakdown(groups, y, pr, threshold, negative),
        "lomo_per_method_clean": _breakdown(methods, y, pc, threshold, negative),
        "pair_5fold_clean": summary(y[in_scope], ppc[in_scope], threshold, negative),
        "pair_5fold_recompressed": summary(y[in_scope], ppr[in_scope], threshold, negative),
        "pair_5fold_per_group_clean": _breakdown(groups, y, ppc, threshold, negative),
        "seconds": round(time.time() - started, 1),
    }
    (args.out / "face_swap_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log.info("%s", json.dumps({k: v for k, v in metrics.items() if k != "features"}, indent=1))
    return 0


def _load_or_extract(sources: list[Source], cache: Path | None, rng: np.random.Generator) -> Chips:
    import numpy as np

    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as cached:
            return Chips(cached["clean"], cached["recomp"], cached["aug"], cached["source"])
    chips = extract_chips(sources, rng)
    if cache is not None:
        np.savez(cache, clean=chips.clean, recomp=chips.recomp, aug=chips.aug, source=chips.source)
    return chips


def _save_model(
    path: Path, model: BalancedLogistic, platt_ab: tuple[float, float], band: tuple[float, float]
) -> None:
    import numpy as np

    arrays: dict[str, NDArray[np.float64]] = {
        "format_version": np.array([FORMAT_VERSION], dtype=np.float64),
        "mean": model.mean,
        "scale": model.scale,
        "platt": np.array(platt_ab),
        "band": np.array(band),
        "n_layers": np.array([len(model.layers)], dtype=np.float64),
    }
    for i, (w, bias) in enumerate(model.layers):
        arrays[f"w{i}"] = np.asarray(w, dtype=np.float64)
        arrays[f"b{i}"] = np.asarray(bias, dtype=np.float64)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
