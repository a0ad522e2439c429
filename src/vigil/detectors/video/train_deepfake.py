"""Train the `video_deepfake` track model on ../shared/data/video.

    vigil train video-deepfake [-- --data DIR --out DIR --cache DIR --seed 0
                                   --face-chips FILE.npz]

1. Every clip of `video/labels.csv` is read as the detector reads it
   (`iter_frames` with the detector's spacing, bursts and caps; dlib faces
   from a sixth of the short side; tracks linked by `ClipAnalyser`); each face's aligned
   chip and observation are kept (cached per clip under --cache).
2. Chip scores must not come from a chip model that saw the clip: the shipped
   face-swap model was trained on these clips. So the clips are split into 5
   folds by `pair_id` (a real clip and the fakes made from it, and all
   segments of one video, stay together), and for each fold a chip model is
   trained with the face-swap trainer's own recipe (its chips, augmentations,
   model kind and Platt scaling) on every source outside that fold; it scores
   that fold's chips (out-of-fold scores).
3. Track features (analysis.TRACK_FEATURES) are computed from those scores.
   Candidates: the calibrated mean chip logit alone, chip statistics, chip
   statistics plus temporal features, temporal features alone; each is scored
   out of fold on the same pair folds, a clip taking its highest track score
   as the detector does. Temporal features are kept only if they raise the
   out-of-fold clip AUC by at least MIN_GAIN over chip statistics alone.
4. The threshold is the 90th percentile of real clips' out-of-fold scores
   (at least 0.5), the negative bound the 10th percentile of fakes' (at most
   the threshold). The chosen model is refit on all clips and written as
   deepfake_model.npz, with every number in deepfake_metrics.json.
5. Leave one method out: chip models retrained without each of the
   face-swap trainer's method groups score that group; the shipped track
   model and band are applied (how it fares on a method it never saw).

Caveat, stated in the card too: the combiner's inputs for fold k come from
chip models of the other folds, which did see fold k, so the second level is
not perfectly nested; with at most 8 weights its effect is small next to the
set's size (128 clips).

Needs scikit-learn at training time only.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.detectors.image import train_face_swap as fs
from vigil.detectors.video.deepfake import BURST, EVERY_S, MAX_FRAMES, MAX_SIDE
from vigil.video.analysis import (
    TRACK_FEATURES,
    AnalyserSettings,
    ClipAnalyser,
    DlibFaces,
    Observation,
    TrackModel,
    track_features,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[5] / "shared" / "data"
FOLDS = 5
MIN_GAIN = 0.02
MIN_TRACK_FRAMES = AnalyserSettings().min_track_frames
CHIP_STATS = ("chip_logit_mean", "chip_logit_q90", "chip_logit_std")
TEMPORAL = ("landmark_jitter", "colour_flicker", "boundary_flicker", "sharpness_ratio")
CANDIDATES: dict[str, tuple[str, ...]] = {
    "chip_mean": ("chip_logit_mean",),
    "chip_stats": CHIP_STATS,
    "chip_stats+temporal": CHIP_STATS + TEMPORAL,
    "temporal_only": TEMPORAL,
}


@dataclass
class Clip:
    path: Path
    label: int
    method: str
    pair_id: str
    subset: str
    chips: NDArray[np.uint8] | None = None
    chip_keys: list[tuple[int, float]] = field(default_factory=list)
    """(track id, t) of each chip row."""
    tracks: dict[int, list[Observation]] = field(default_factory=dict)
    frames: int = 0


def _subset(path: str) -> str:
    folder = path.split("/")[1]
    return path.split("/")[-1].split("_")[0] if folder == "talking_head" else folder


def load_clips(data: Path) -> list[Clip]:
    with (data / "video" / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Clip(
            data / "video" / r["path"],
            int(r["label"] == "fake"),
            r["method"],
            r["pair_id"],
            _subset(r["path"]),
        )
        for r in rows
    ]


class _RecordingScorer:
    """Stands in for the chip scorer during extraction: keeps every chip."""

    def __init__(self, size: int, padding: float) -> None:
        self.chip_size, self.chip_padding = size, padding
        self.chips: list[NDArray[np.uint8]] = []

    def score(self, chip: NDArray[np.uint8]) -> float:
        self.chips.append(chip)
        return 0.5


_PLACEHOLDER = TrackModel(["chip_logit_mean"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.5)


def _settings_key() -> str:
    from vigil.detectors.image.face_swap_features import CHIP_PADDING, CHIP_SIZE

    text = f"{EVERY_S}|{BURST}|{MAX_FRAMES}|{MAX_SIDE}|{DlibFaces()}|{CHIP_SIZE}|{CHIP_PADDING}|v1"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def extract(clip: Clip, cache: Path | None) -> None:
    """Fill clip.chips, chip_keys and tracks, from the cache when it has them."""
    import numpy as np

    from vigil.detectors.image.face_swap_features import CHIP_PADDING, CHIP_SIZE
    from vigil.video.frames import iter_frames

    cached = cache / f"{clip.path.stem}.{_settings_key()}.npz" if cache else None
    if cached is not None and cached.is_file():
        _load(clip, cached)
        return
    scorer = _RecordingScorer(CHIP_SIZE, CHIP_PADDING)
    analyser = ClipAnalyser(DlibFaces(), scorer, _PLACEHOLDER)
    keys: list[tuple[int, float]] = []
    for t, rgb in iter_frames(
        clip.path, every_s=EVERY_S, max_frames=MAX_FRAMES, max_side=MAX_SIDE, burst=BURST
    ):
        result = analyser.add_frame(t, rgb)
        keys.extend((face.track_id, t) for face in result.faces)
        clip.frames += 1
    clip.chip_keys = keys
    clip.chips = (
        np.stack(scorer.chips) if scorer.chips else np.zeros((0, CHIP_SIZE, CHIP_SIZE, 3), np.uint8)
    )
    clip.tracks = {k: list(v) for k, v in analyser.observations().items()}
    if cached is not None:
        _save(clip, cached)


def _save(clip: Clip, path: Path) -> None:
    import numpy as np

    obs = [(k, o) for k, track in clip.tracks.items() for o in track]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        frames=np.array([clip.frames]),
        chips=clip.chips if clip.chips is not None else np.zeros((0, 1, 1, 3), np.uint8),
        chip_track=np.array([k for k, _ in clip.chip_keys], dtype=np.int64),
        chip_t=np.array([t for _, t in clip.chip_keys], dtype=np.float64),
        obs_track=np.array([k for k, _ in obs], dtype=np.int64),
        obs_t=np.array([o.t for _, o in obs], dtype=np.float64),
        obs_box=np.array([o.box for _, o in obs], dtype=np.float64).reshape(-1, 4),
        obs_shape=np.array([o.shape for _, o in obs], dtype=np.float64).reshape(-1, 10),
        obs_colour=np.array([o.colour for _, o in obs], dtype=np.float64).reshape(-1, 3),
        obs_boundary=np.array([o.boundary for _, o in obs], dtype=np.float64),
        obs_sharpness=np.array([o.sharpness for _, o in obs], dtype=np.float64),
    )


def _load(clip: Clip, path: Path) -> None:
    import numpy as np

    with np.load(path, allow_pickle=False) as a:
        clip.frames = int(a["frames"][0])
        clip.chips = a["chips"]
        clip.chip_keys = [
            (int(k), float(t)) for k, t in zip(a["chip_track"], a["chip_t"], strict=True)
        ]
        clip.tracks = {}
        for i, k in enumerate(a["obs_track"]):
            box = tuple(float(v) for v in a["obs_box"][i])
            clip.tracks.setdefault(int(k), []).append(
                Observation(
                    float(a["obs_t"][i]),
                    box,  # type: ignore[arg-type]
                    0.5,
                    a["obs_shape"][i],
                    a["obs_colour"][i],
                    float(a["obs_boundary"][i]),
                    float(a["obs_sharpness"][i]),
                )
            )


# -- out-of-fold chip scores ---------------------------------------------------
def chip_features(chips: NDArray[np.uint8], cache: Path | None, name: str) -> NDArray[np.float64]:
    """face_swap_features of each chip, cached by name and feature list."""
    import numpy as np

    from vigil.detectors.image.face_swap_features import FEATURE_NAMES, features

    key = hashlib.sha256("|".join(FEATURE_NAMES).encode()).hexdigest()[:12]
    path = cache / f"{name}.features.{key}.npy" if cache is not None else None
    if path is not None and path.is_file():
        return np.asarray(np.load(path, allow_pickle=False), dtype=np.float64)
    matrix = (
        np.stack([features(c) for c in chips]) if len(chips) else np.zeros((0, len(FEATURE_NAMES)))
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix, allow_pickle=False)
    return matrix


def shipped_chip_recipe(metrics_file: Path | None = None) -> tuple[float, float, float]:
    """(regularisation C, Platt a, Platt b) of the shipped face-swap model
    (or of the face-swap metrics file given)."""
    from importlib.resources import files

    text = (
        metrics_file.read_text()
        if metrics_file is not None
        else files("vigil.detectors.image").joinpath("face_swap_metrics.json").read_text()
    )
    metrics = json.loads(text)
    found = re.search(r"C=([0-9.eE+-]+)", str(metrics["model"]))
    if found is None:
        raise ValueError(f"face-swap model {metrics['model']!r}: no C to retrain with")
    a, b = metrics["platt"]
    return float(found.group(1)), float(a), float(b)


@dataclass
class FaceSwapRows:
    """The face-swap trainer's training rows: its sources, chips and features."""

    sources: list[fs.Source]
    rows: list[fs.Source]
    feats: dict[str, NDArray[np.float64]]


def face_swap_rows(
    data: Path, chips_file: Path | None, cache: Path | None, seed: int
) -> FaceSwapRows:
    """The face-swap trainer's chips (its own recipe and augmentations), featurised."""
    import numpy as np

    sources = fs.load_sources(data)
    if chips_file is not None and chips_file.is_file():
        with np.load(chips_file, allow_pickle=False) as z:
            chips = fs.Chips(z["clean"], z["recomp"], z["aug"], z["source"])
    else:
        chips = fs.extract_chips(sources, np.random.default_rng(seed))
        if chips_file is not None:
            np.savez(
                chips_file,
                clean=chips.clean,
                recomp=chips.recomp,
                aug=chips.aug,
                source=chips.source,
            )
    rows = [sources[i] for i in chips.source]
    tag = f"face_swap_{seed}_{len(rows)}"
    augments = range(chips.aug.shape[1])
    feats = {
        "clean": chip_features(chips.clean, cache, f"{tag}_clean"),
        "recomp": chip_features(chips.recomp, cache, f"{tag}_recomp"),
        "aug": np.stack(
            [chip_features(chips.aug[:, k], cache, f"{tag}_aug{k}") for k in augments], 1
        ),
    }
    return FaceSwapRows(sources, rows, feats)


def out_of_fold_chip_scores(
    clips: list[Clip],
    clip_fold: Callable[[Clip], int],
    source_fold: Callable[[fs.Source], int],
    training: FaceSwapRows,
    cache: Path | None,
    metrics_file: Path | None = None,
) -> list[NDArray[np.float64]]:
    """Calibrated P(manipulated) of every clip chip, from a chip model trained
    by the face-swap trainer's own `out_of_fold` without the clip's fold.

    The face-swap trainer's rows are the training rows, each in the fold
    `source_fold` gives it; our clip chips join as rows that are scored but
    never trained on."""
    import numpy as np

    c, a, b = shipped_chip_recipe(metrics_file)
    rows, theirs = training.rows, training.feats
    ours = [
        chip_features(clip.chips, cache, f"{clip.path.stem}.{_settings_key()}")
        if clip.chips is not None and len(clip.chips)
        else np.zeros((0, theirs["clean"].shape[1]))
        for clip in clips
    ]
    mine = np.concatenate(ours)
    augments = theirs["aug"].shape[1]
    feats = {
        "clean": np.concatenate([theirs["clean"], mine]),
        "recomp": np.concatenate([theirs["recomp"], mine]),
        "aug": np.concatenate([theirs["aug"], np.repeat(mine[:, None], augments, 1)]),
    }
    folds = np.array(
        [source_fold(s) for s in rows]
        + [clip_fold(clip) for clip, m in zip(clips, ours, strict=True) for _ in range(len(m))]
    )
    trainable = np.concatenate(
        [np.array([s.method not in fs.OUT_OF_SCOPE for s in rows]), np.zeros(len(mine), bool)]
    )
    y = np.concatenate([np.array([float(s.label) for s in rows]), np.zeros(len(mine))])
    logits, _ = fs.out_of_fold(c, folds, trainable, y, feats)
    probability = 1.0 / (1.0 + np.exp(-np.clip(a * logits[len(rows) :] + b, -40, 40)))
    log.info("chip model C=%s retrained per fold on %d rows", c, int(trainable.sum()))
    bounds = np.cumsum([0] + [len(m) for m in ours])
    return [probability[bounds[i] : bounds[i + 1]] for i in range(len(clips))]


# -- track features and candidates ----------------------------------------------
@dataclass
class ClipTracks:
    clip: Clip
    tracks: list[dict[str, float | None]]
    """Features of each track long enough to judge; the main (longest) first."""


def clip_tracks(clip: Clip, scores: NDArray[np.float64]) -> ClipTracks:
    score_of = {key: float(s) for key, s in zip(clip.chip_keys, scores, strict=True)}
    judged = []
    for track_id, observations in clip.tracks.items():
        if len(observations) < MIN_TRACK_FRAMES:
            continue
        rescored = [
            dataclasses.replace(o, swap_score=score_of[(track_id, o.t)]) for o in observations
        ]
        judged.append((len(rescored), track_features(rescored)))
    judged.sort(key=lambda pair: -pair[0])
    return ClipTracks(clip, [features for _, features in judged])


def _matrix(rows: list[dict[str, float | None]], names: tuple[str, ...]) -> NDArray[np.float64]:
    import numpy as np

    return np.array(
        [[np.nan if r[n] is None else float(r[n]) for n in names] for r in rows],  # type: ignore[arg-type]
        dtype=np.float64,
    ).reshape(len(rows), len(names))


def fit_track_model(
    rows: list[dict[str, float | None]], y: NDArray[np.float64], names: tuple[str, ...]
) -> TrackModel:
    """Logistic regression on standardised features (missing -> mean)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = _matrix(rows, names)
    mean = np.nanmean(x, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    x = np.where(np.isnan(x), mean, x)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit((x - mean) / scale, y)
    return TrackModel(
        names,
        mean.tolist(),
        scale.tolist(),
        clf.coef_[0].tolist(),
        float(clf.intercept_[0]),
        0.5,
        0.5,
    )


def clip_score(model: TrackModel, tracks: list[dict[str, float | None]]) -> float | None:
    return max((model.score(t) for t in tracks), default=None)


def out_of_fold_clip_scores(
    judged: list[ClipTracks], fold_of: dict[str, int], names: tuple[str, ...]
) -> list[float | None]:
    """Each clip scored by a track model fitted on the main tracks of other folds."""
    import numpy as np

    scores: list[float | None] = [None] * len(judged)
    for fold in range(FOLDS):
        train = [c for c in judged if c.tracks and fold_of[c.clip.pair_id] != fold]
        model = fit_track_model(
            [c.tracks[0] for c in train], np.array([c.clip.label for c in train], float), names
        )
        for i, c in enumerate(judged):
            if fold_of[c.clip.pair_id] == fold:
                scores[i] = clip_score(model, c.tracks)
    return scores


# -- metrics -------------------------------------------------------------------------
def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def evaluate(
    judged: list[ClipTracks], scores: list[float | None], threshold: float, negative: float
) -> dict[str, object]:
    """AUC, TPR at fixed FPR, per method and per real subset at the threshold."""
    import numpy as np

    from vigil.detectors.image.train import auc
    from vigil.detectors.image.train_face_swap import tpr_at_fpr

    scored = [(c.clip, s) for c, s in zip(judged, scores, strict=True) if s is not None]
    y = np.array([c.label for c, _ in scored], float)
    p = np.array([s for _, s in scored], float)
    reals = p[y == 0]
    out: dict[str, object] = {
        "clips": len(judged),
        "clips_scored": len(scored),
        "clips_without_face_track": [c.clip.path.name for c in judged if not c.tracks],
        "auc": _rounded(auc(y, p)),
        "tpr_at_fpr_0.05": tpr_at_fpr(y, p, 0.05),
        "tpr_at_fpr_0.10": tpr_at_fpr(y, p, 0.10),
        "tpr_at_threshold": _rounded(float((p[y == 1] >= threshold).mean())),
        "fpr_at_threshold": _rounded(float((reals >= threshold).mean())),
        "negative_rate_fakes": _rounded(float((p[y == 1] < negative).mean())),
        "negative_rate_reals": _rounded(float((reals < negative).mean())),
    }
    methods: dict[str, dict[str, object]] = {}
    for method in sorted({c.method for c, _ in scored if c.label}):
        fakes = np.array([s for c, s in scored if c.method == method], float)
        both_y = np.concatenate([np.ones(len(fakes)), np.zeros(len(reals))])
        methods[method] = {
            "fakes": len(fakes),
            "detected_at_threshold": int((fakes >= threshold).sum()),
            "tpr_at_threshold": _rounded(float((fakes >= threshold).mean())),
            "auc_vs_all_reals": _rounded(auc(both_y, np.concatenate([fakes, reals]))),
            "median_score": _rounded(float(np.median(fakes))),
        }
    out["per_method"] = methods
    subsets: dict[str, dict[str, object]] = {}
    for subset in sorted({c.subset for c, _ in scored if not c.label}):
        values = np.array([s for c, s in scored if c.subset == subset and not c.label], float)
        subsets[subset] = {
            "reals": len(values),
            "false_positives_at_threshold": int((values >= threshold).sum()),
            "fpr_at_threshold": _rounded(float((values >= threshold).mean())),
            "median_score": _rounded(float(np.median(values))),
        }
    out["per_real_subset"] = subsets
    out["pairs_fake_above_real"] = _paired(scored)
    return out


def univariate(judged: list[ClipTracks]) -> dict[str, object]:
    """Each track feature of the main tracks alone: AUC over all clips, within
    FF++ and within DeepFaceLive, and fake-above-real share within pairs."""
    import numpy as np

    from vigil.detectors.image.train import auc

    rows = [(c.clip, c.tracks[0]) for c in judged if c.tracks]
    out: dict[str, object] = {}
    for name in TRACK_FEATURES:
        kept = [(clip, float(v)) for clip, row in rows if (v := row[name]) is not None]
        entry: dict[str, object] = {}
        for subset in ("all", "ffpp", "deepfacelive"):
            part = [(c, v) for c, v in kept if subset in ("all", c.subset)]
            y = np.array([c.label for c, _ in part], float)
            entry[f"auc_{subset}"] = _rounded(auc(y, np.array([v for _, v in part], float)))
        entry["pairs_fake_above_real"] = _paired(kept)
        out[name] = entry
    return out


def _paired(scored: list[tuple[Clip, float]]) -> dict[str, object]:
    """Share of (fake, real) clips of one pair_id where the fake scores higher."""
    by_pair: dict[str, tuple[list[float], list[float]]] = {}
    for clip, s in scored:
        by_pair.setdefault(clip.pair_id, ([], []))[clip.label].append(s)
    wins = total = 0
    for reals, fakes in by_pair.values():
        for f in fakes:
            for r in reals:
                total += 1
                wins += f > r
    return {
        "comparisons": total,
        "fake_higher": wins,
        "share": _rounded(wins / total if total else None),
    }


def main(argv: list[str] | None = None) -> int:

    from vigil.detectors.image.train_face_swap import pair_folds

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--cache", type=Path, help="folder for per-clip face chips and tracks")
    parser.add_argument("--face-chips", type=Path, help="the face-swap trainer's --cache file")
    parser.add_argument(
        "--face-swap-metrics", type=Path, help="face-swap metrics to take C and Platt from"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extract-only", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.time()
    clips = load_clips(args.data)
    for i, clip in enumerate(clips):
        extract(clip, args.cache)
        log.info(
            "%d/%d %s: %d frames, %d faces, %d tracks (%.0f s)",
            i + 1, len(clips), clip.path.name, clip.frames, len(clip.chip_keys),
            len(clip.tracks), time.time() - started,
        )  # fmt: skip
    if args.extract_only:
        return 0
    pairs = sorted({c.pair_id for c in clips})
    fold_of = dict(zip(pairs, pair_folds(pairs, FOLDS, args.seed).tolist(), strict=True))
    training = face_swap_rows(args.data, args.face_chips, args.cache, args.seed)
    chip_scores = out_of_fold_chip_scores(
        clips,
        lambda c: fold_of[c.pair_id],
        lambda s: fold_of.get(s.pair_id, FOLDS),  # still images: a fold of their own
        training,
        args.cache,
        args.face_swap_metrics,
    )
    judged = [clip_tracks(c, s) for c, s in zip(clips, chip_scores, strict=True)]
    metrics = choose_and_fit(judged, fold_of, args.out)
    metrics["leave_one_method_out"] = leave_one_method_out(
        clips, training, args.cache, args.face_swap_metrics, args.out
    )
    metrics["seconds"] = round(time.time() - started, 1)
    (args.out / "deepfake_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log.info("%s", json.dumps(metrics, indent=1))
    return 0


def leave_one_method_out(
    clips: list[Clip],
    training: FaceSwapRows,
    cache: Path | None,
    metrics_file: Path | None,
    out: Path,
) -> dict[str, object]:
    """The shipped track model on chip scores from chip models that never saw
    the clip's manipulation method (the face-swap trainer's groups: each method
    with the reals it was made from; talking-head reals, Wav2Lip and SadTalker
    together), at the shipped band."""
    import numpy as np

    from vigil.detectors.image.train import auc

    groups = sorted({s.group for s in training.sources})
    group_of = {s.path: s.group for s in training.sources}
    chip_scores = out_of_fold_chip_scores(
        clips,
        lambda c: groups.index(group_of[c.path]),
        lambda s: groups.index(s.group),
        training,
        cache,
        metrics_file,
    )
    model = TrackModel.from_npz((out / "deepfake_model.npz").read_bytes())
    judged = [clip_tracks(c, s) for c, s in zip(clips, chip_scores, strict=True)]
    scores = [clip_score(model, c.tracks) for c in judged]
    per_group: dict[str, object] = {}
    for group in groups:
        part = [
            (c.clip.label, s)
            for c, s in zip(judged, scores, strict=True)
            if s is not None and group_of[c.clip.path] == group
        ]
        if not part:
            continue
        y = np.array([label for label, _ in part], float)
        p = np.array([score for _, score in part], float)
        per_group[group] = {
            "fakes": int(y.sum()),
            "reals": int((1 - y).sum()),
            "auc_within_group": _rounded(auc(y, p)),
            "fakes_positive": int((p[y == 1] >= model.threshold).sum()),
            "reals_positive": int((p[y == 0] >= model.threshold).sum()),
        }
    return {
        "pooled": evaluate(judged, scores, model.threshold, model.negative_below),
        "per_held_out_group": per_group,
    }


def band(judged: list[ClipTracks], scores: list[float | None]) -> tuple[float, float]:
    """(threshold, negative bound): 90th percentile of reals (at least 0.5),
    10th percentile of fakes (at most the threshold)."""
    import numpy as np

    pairs = [(c.clip.label, s) for c, s in zip(judged, scores, strict=True) if s is not None]
    real = np.array([s for y, s in pairs if not y], float)
    fake = np.array([s for y, s in pairs if y], float)
    threshold = float(max(0.5, np.quantile(real, 0.90)))
    return round(threshold, 4), round(float(min(threshold, np.quantile(fake, 0.10))), 4)


def choose_and_fit(
    judged: list[ClipTracks], fold_of: dict[str, int], out: Path
) -> dict[str, object]:
    """Score every candidate out of fold, keep the best (temporal features
    only with a real gain), set the band, refit on all clips, save."""
    import numpy as np

    from vigil.detectors.image.train import auc

    oof: dict[str, list[float | None]] = {}
    summary: dict[str, object] = {}
    for name, names in CANDIDATES.items():
        oof[name] = out_of_fold_clip_scores(judged, fold_of, names)
        pairs = [(c.clip.label, s) for c, s in zip(judged, oof[name], strict=True) if s is not None]
        value = auc(np.array([y for y, _ in pairs], float), np.array([s for _, s in pairs], float))
        summary[name] = {"features": list(names), "oof_clip_auc": _rounded(value)}
        log.info("%s: out-of-fold clip AUC %s", name, _rounded(value))

    def auc_of(name: str) -> float:
        value = summary[name]["oof_clip_auc"]  # type: ignore[index]
        return float(value) if value is not None else 0.0

    chosen = "chip_stats" if auc_of("chip_stats") >= auc_of("chip_mean") + MIN_GAIN else "chip_mean"
    if auc_of("chip_stats+temporal") >= auc_of(chosen) + MIN_GAIN:
        chosen = "chip_stats+temporal"
    threshold, negative = band(judged, oof[chosen])
    trained = [c for c in judged if c.tracks]
    model = fit_track_model(
        [c.tracks[0] for c in trained],
        np.array([c.clip.label for c in trained], float),
        CANDIDATES[chosen],
    )
    final = TrackModel(
        model.features, model.mean, model.scale, model.weights, model.bias, threshold, negative
    )
    (out / "deepfake_model.npz").write_bytes(final.to_npz())
    return {
        "sampling": {
            "every_s": EVERY_S,
            "burst": BURST,
            "max_frames": MAX_FRAMES,
            "max_side": MAX_SIDE,
            "min_face": "a sixth of the short side, 40-80 px",
        },
        "folds": FOLDS,
        "candidates": summary,
        "chosen": chosen,
        "min_gain_for_more_features": MIN_GAIN,
        "threshold": round(threshold, 4),
        "negative_below": round(negative, 4),
        "weights": dict(zip(final.features, [round(w, 4) for w in final.weights], strict=True)),
        "out_of_fold": evaluate(judged, oof[chosen], threshold, negative),
        "out_of_fold_other_candidates": {
            name: {
                "band": band(judged, oof[name]),
                **evaluate(judged, oof[name], *band(judged, oof[name])),
            }
            for name in CANDIDATES
            if name != chosen
        },
        "univariate_main_track": univariate(judged),
    }


if __name__ == "__main__":
    sys.exit(main())
