"""Train and evaluate the `voice_spoof` model on the shared audio set.

    .venv/bin/python -m vigil.detectors.audio.train_spoof [--data DIR] [--cache FILE]

1. Every clip of `labels.csv` goes through the run-time intake (PyAV decode to
   16 kHz mono, VAD, speech segments of >= 0.4 s); each segment becomes a unit
   and each unit a feature vector (`_features.spoof_features`, which
   normalises bit depth and loudness the same way for both classes).
2. Label-neutral augmentation: every clip, bona fide and spoof alike, is also
   seen narrow-band (8 kHz and back) and Opus 24 kbit/s, so bandwidth and codec
   carry no label (FSDD, the only narrow-band source, is all bona fide).
3. Evaluation, leave one SYSTEM out: for each spoof system S and each of five
   speaker-disjoint folds F of the bona fide clips, a model is trained without
   S and without F; it scores S's clips and F's clips. The EER for S compares
   S's clip scores (mean over the five models) with the scores of every bona
   fide clip (each from the model that did not see its speakers). Only clean
   (not augmented) test clips are scored; narrow-band and Opus test scores are
   reported separately. A clip's score is the mean of its units' scores, as
   the detector's item score is.
4. The shipped model is trained on everything; the operating point is the
   pooled leave-one-system-out EER threshold.

Writes `voice_spoof.npz` + `voice_spoof.json` (model), `voice_spoof_eval.json`
(every number) and the metrics section of `voice_spoof.md` (between the
`<!-- metrics -->` markers) beside this module.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from vigil.audio import load_vad
from vigil.detectors.audio._dataset import (
    AUGMENTATIONS,
    Clip,
    default_data_dir,
    read_clips,
    read_samples,
    units,
)
from vigil.detectors.audio._features import FEATURE_VERSION, spoof_feature_names, spoof_features
from vigil.detectors.audio._linear import LinearModel, fit_logistic

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MODEL_STEM = "voice_spoof"
N_FOLDS = 5
L2 = 1000.0
NEGATIVE_MISS = 0.10
"""negative_below lets at most this share of held-out spoof clips through as negative."""
Float = npt.NDArray[np.float64]


@dataclass
class Table:
    """One row per unit."""

    features: Float
    clip: npt.NDArray[np.int_]
    aug: npt.NDArray[np.str_]


def extract(clips: list[Clip], vad_name: str) -> Table:
    vad = load_vad(vad_name)
    log.info("VAD: %s", vad.name)
    rows: list[Float] = []
    clip_ids: list[int] = []
    augs: list[str] = []
    started = time.monotonic()
    for i, clip in enumerate(clips):
        clean = read_samples(clip.path)
        variants = {"clean": clean, **{k: f(clean) for k, f in AUGMENTATIONS.items()}}
        for name, samples in variants.items():
            found = list(units(samples, vad))
            if not found:  # too short for a segment: score the whole clip as one unit
                found = [samples]
            for unit in found:
                rows.append(spoof_features(unit))
                clip_ids.append(i)
                augs.append(name)
        if i % 100 == 0:
            log.info("%d/%d clips, %.0f s", i, len(clips), time.monotonic() - started)
    return Table(np.vstack(rows), np.array(clip_ids), np.array(augs))


def speaker_folds(clips: list[Clip], k: int = N_FOLDS) -> dict[int, int]:
    """Bona fide clip index -> fold; speakers never straddle folds. LJSpeech and
    the unnamed MelGAN-page speakers form one group."""

    def group(c: Clip) -> str:
        return "lj-group" if c.speaker.startswith(("ljspeech:", "unknown:melgan")) else c.speaker

    counts = Counter(group(c) for c in clips if not c.is_spoof)
    loads = [0] * k
    assign: dict[str, int] = {}
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = int(np.argmin(loads))
        assign[name] = fold
        loads[fold] += count
    return {i: assign[group(c)] for i, c in enumerate(clips) if not c.is_spoof}


def eer(bona: Float, spoof: Float) -> tuple[float, float]:
    """Equal error rate and its threshold (higher score = spoof)."""
    if not bona.size or not spoof.size:
        return float("nan"), float("nan")
    thresholds = np.unique(np.concatenate([bona, spoof]))
    best = (2.0, 0.5)
    for t in thresholds:
        frr = np.mean(spoof < t)  # spoofs missed
        far = np.mean(bona >= t)  # bona fide flagged
        gap = abs(frr - far)
        if gap < best[0]:
            best = (gap, float(t))
    t = best[1]
    rate = (np.mean(spoof < t) + np.mean(bona >= t)) / 2
    return float(rate), t


def _weights(clips: list[Clip], table: Table, mask: npt.NDArray[np.bool_]) -> Float:
    """Each clip weighs 1 (split over its units); the classes weigh the same."""
    per_clip = Counter(table.clip[mask].tolist())
    w = np.array([1.0 / per_clip[c] for c in table.clip[mask]])
    spoof = np.array([clips[c].is_spoof for c in table.clip[mask]])
    w[spoof] *= (~spoof).sum() and w[~spoof].sum() / max(w[spoof].sum(), 1e-9)
    return w


def _fit(clips: list[Clip], table: Table, mask: npt.NDArray[np.bool_], l2: float) -> LinearModel:
    y = np.array([int(clips[c].is_spoof) for c in table.clip[mask]])
    return fit_logistic(table.features[mask], y, _weights(clips, table, mask), l2=l2)


def _clip_scores(model: LinearModel, table: Table, rows: npt.NDArray[np.bool_]) -> dict[int, float]:
    probs = model.probability(table.features[rows])
    acc: dict[int, list[float]] = defaultdict(list)
    for c, p in zip(table.clip[rows], probs, strict=True):
        acc[int(c)].append(float(p))
    return {c: float(np.mean(v)) for c, v in acc.items()}


def leave_one_system_out(
    clips: list[Clip], table: Table, l2: float = L2
) -> dict[str, dict[str, dict[int, float]]]:
    """scores[test_aug][key][clip] from models that never saw the clip's system
    (spoof) or speakers (bona fide). Keys: a system name (its spoof clips),
    "bonafide|SYSTEM" (bona fide scored by the models trained without SYSTEM)
    and "bonafide" (models trained on every system)."""
    folds = speaker_folds(clips)
    systems = sorted({c.system for c in clips if c.is_spoof})
    unit_fold = np.array([folds.get(int(c), -1) for c in table.clip])
    unit_system = np.array([clips[int(c)].system for c in table.clip])
    is_spoof = np.array([clips[int(c)].is_spoof for c in table.clip])
    scores: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for held in [*systems, None]:
        per_fold: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        bona_key = "bonafide" if held is None else f"bonafide|{held}"
        for fold in range(N_FOLDS):
            train = np.where(is_spoof, unit_system != held, unit_fold != fold)
            model = _fit(clips, table, train, l2)
            for aug in ("clean", *AUGMENTATIONS):
                rows_aug = table.aug == aug
                bona_rows = rows_aug & ~is_spoof & (unit_fold == fold)
                scores[aug][bona_key].update(_clip_scores(model, table, bona_rows))
                if held is not None:
                    held_rows = rows_aug & (unit_system == held)
                    for c, s in _clip_scores(model, table, held_rows).items():
                        per_fold[aug][c].append(s)
        if held is not None:
            for aug, by_clip in per_fold.items():
                scores[aug][held] = {c: float(np.mean(v)) for c, v in by_clip.items()}
        log.info("held out %s", held or "(bona fide folds only)")
    return scores


def summarise(
    clips: list[Clip], scores: dict[str, dict[str, dict[int, float]]]
) -> dict[str, object]:
    out: dict[str, object] = {}
    for aug, by_group in scores.items():
        bona = by_group["bonafide"]
        bona_all = np.array(list(bona.values()))
        per_system: dict[str, dict[str, Any]] = {}
        pooled_spoof: list[float] = []
        for system, by_clip in sorted(by_group.items()):
            if system.startswith("bonafide"):
                continue
            s = np.array(list(by_clip.values()))
            pooled_spoof += list(s)
            held_bona = by_group[f"bonafide|{system}"]
            rate, _ = eer(np.array(list(held_bona.values())), s)
            rate_nf, _ = eer(
                np.array([v for c, v in held_bona.items() if clips[c].corpus != "fsdd"]), s
            )
            per_system[system] = {
                "clips": int(s.size),
                "kind": next(clips[c].kind for c in by_clip),
                "eer": round(rate, 4),
                "eer_without_fsdd": round(rate_nf, 4),
            }
        pooled, threshold = eer(bona_all, np.array(pooled_spoof))
        per_corpus = {}
        for corpus in sorted({clips[c].corpus for c in bona}):
            vals = np.array([s for c, s in bona.items() if clips[c].corpus == corpus])
            per_corpus[corpus] = {
                "clips": int(vals.size),
                "flagged_at_pooled_threshold": round(float(np.mean(vals >= threshold)), 4),
                "median_score": round(float(np.median(vals)), 4),
            }
        neural = [s for s, v in per_system.items() if "griffinlim" not in s and s != "espeak-ng"]
        out[aug] = {
            "pooled_eer": round(pooled, 4),
            "pooled_threshold": round(threshold, 4),
            "mean_system_eer": round(float(np.mean([v["eer"] for v in per_system.values()])), 4),
            "mean_system_eer_neural_only": round(
                float(np.mean([per_system[s]["eer"] for s in neural])), 4
            ),
            "systems": per_system,
            "bonafide_by_corpus": per_corpus,
            "bonafide_clips": int(bona_all.size),
            "spoof_clips": len(pooled_spoof),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--cache", type=Path, default=None, help="feature cache (.npz)")
    parser.add_argument("--vad", choices=("energy", "silero"), default="energy")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    clips = read_clips(args.data)
    labels_sha = hashlib.sha256((args.data / "labels.csv").read_bytes()).hexdigest()
    table = _load_or_extract(clips, args.cache, args.vad, labels_sha)
    log.info(
        "%d units from %d clips, %d features", len(table.clip), len(clips), table.features.shape[1]
    )

    metrics: dict[str, object] = {}
    threshold, negative_below = 0.5, 0.3
    if not args.no_eval:
        scores = leave_one_system_out(clips, table, args.l2)
        metrics = summarise(clips, scores)
        threshold, negative_below = _operating_point(metrics, scores)
    model = _fit(clips, table, np.ones(len(table.clip), dtype=bool), args.l2)
    meta = {
        "model": MODEL_STEM,
        "feature_version": FEATURE_VERSION,
        "feature_names": spoof_feature_names(),
        "threshold": threshold,
        "negative_below": negative_below,
        "l2": args.l2,
        "vad": args.vad,
        "trained_on": {
            "labels_csv_sha256": labels_sha,
            "clips": len(clips),
            "units": len(table.clip),
            "augmentations": ["clean", *AUGMENTATIONS],
        },
    }
    model = LinearModel(model.mean, model.scale, model.weights, model.bias, meta)
    arrays = model.arrays_bytes()
    (args.out / f"{MODEL_STEM}.npz").write_bytes(arrays)
    (args.out / f"{MODEL_STEM}.json").write_text(json.dumps(model.header(arrays), indent=1) + "\n")
    if metrics:
        report = {"protocol": __doc__, "metrics": metrics, "threshold": threshold}
        (args.out / f"{MODEL_STEM}_eval.json").write_text(json.dumps(report, indent=1) + "\n")
        _write_card_metrics(args.out / f"{MODEL_STEM}.md", metrics, clips)
    log.info(
        "wrote %s (threshold %.3f, negative below %.3f)", MODEL_STEM, threshold, negative_below
    )
    return 0


def _operating_point(
    metrics: dict[str, object], scores: dict[str, dict[str, dict[int, float]]]
) -> tuple[float, float]:
    """Threshold: the pooled clean EER point. Negative bound: the score below which
    only NEGATIVE_MISS of the held-out spoof clips fall (never above the threshold)."""
    clean = metrics["clean"]
    assert isinstance(clean, dict)
    threshold = float(clean["pooled_threshold"])
    spoof = [
        v
        for key, by_clip in scores["clean"].items()
        if not key.startswith("bonafide")
        for v in by_clip.values()
    ]
    bound = float(np.quantile(np.array(spoof), NEGATIVE_MISS))
    clean["negative_below"] = round(min(bound, threshold), 4)
    clean["negative_bound_miss_rate"] = NEGATIVE_MISS
    bona = np.array(list(scores["clean"]["bonafide"].values()))
    clean["bonafide_negative_rate"] = round(float(np.mean(bona < bound)), 4)
    return round(threshold, 3), round(min(bound, threshold), 3)


def _load_or_extract(clips: list[Clip], cache: Path | None, vad: str, labels_sha: str) -> Table:
    key = f"{FEATURE_VERSION}:{vad}:{labels_sha}:{','.join(AUGMENTATIONS)}"
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["key"]) == key:
                return Table(data["features"], data["clip"], data["aug"])
    table = extract(clips, vad)
    if cache is not None:
        np.savez(cache, key=np.array(key), features=table.features, clip=table.clip, aug=table.aug)
    return table


def _write_card_metrics(card: Path, metrics: dict[str, object], clips: list[Clip]) -> None:
    if not card.is_file():
        return
    text = card.read_text("utf-8")
    start, end = "<!-- metrics -->", "<!-- /metrics -->"
    if start not in text or end not in text:
        return
    table = _metrics_markdown(metrics)
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    card.write_text(f"{head}{start}\n{table}\n{end}{tail}", "utf-8")


def _metrics_markdown(metrics: dict[str, object]) -> str:
    lines: list[str] = []
    clean = metrics["clean"]
    assert isinstance(clean, dict)
    augs = [a for a in metrics if a != "clean"]
    lines.append(
        f"Pooled EER (all held-out systems against all {clean['bonafide_clips']} bona fide "
        f"clips): **{clean['pooled_eer']:.1%}** clean, "
        + ", ".join(f"{metrics[a]['pooled_eer']:.1%} {a}" for a in augs)  # type: ignore[index]
        + f". Mean of per-system EERs: {clean['mean_system_eer']:.1%}; neural systems only "
        f"(no Griffin-Lim, no espeak-ng): {clean['mean_system_eer_neural_only']:.1%}."
    )
    lines.append("")
    if "negative_below" in clean:
        lines.append(
            f"Operating point: threshold {clean['pooled_threshold']:.3f} (pooled EER point); "
            f"negative below {clean['negative_below']:.3f}, which lets "
            f"{clean['negative_bound_miss_rate']:.0%} of held-out spoof clips through as "
            f"negative and calls {clean['bonafide_negative_rate']:.0%} of bona fide clips "
            "negative; scores between are inconclusive."
        )
        lines.append("")
    header = "| held-out system | kind | clips | EER | EER, bona fide without FSDD | "
    header += " | ".join(f"EER {a}" for a in augs) + " |"
    lines.append(header)
    lines.append("|" + "---|" * (5 + len(augs)))
    systems = clean["systems"]
    for name, row in sorted(systems.items(), key=lambda kv: -kv[1]["eer"]):
        extra = " | ".join(
            f"{cast(dict[str, Any], metrics[a])['systems'][name]['eer']:.1%}" for a in augs
        )
        lines.append(
            f"| {name} | {row['kind']} | {row['clips']} | {row['eer']:.1%} | "
            f"{row['eer_without_fsdd']:.1%} | {extra} |"
        )
    lines.append("")
    lines.append(
        f"Bona fide clips flagged at the pooled threshold ({clean['pooled_threshold']:.3f}), "
        "by corpus (each scored by a model that never saw its speakers):"
    )
    lines.append("")
    lines.append("| corpus | clips | flagged | median score |")
    lines.append("|---|---|---|---|")
    for corpus, row in clean["bonafide_by_corpus"].items():
        lines.append(
            f"| {corpus} | {row['clips']} | {row['flagged_at_pooled_threshold']:.1%} | "
            f"{row['median_score']:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
