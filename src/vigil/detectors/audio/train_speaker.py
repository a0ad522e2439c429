"""Fit the speaker-embedding normalisation and measure verification EER on the
shared audio set.

    .venv/bin/python -m vigil.detectors.audio.train_speaker [--data DIR]

The embedding has no learned projection: the only fitted values are the mean
and spread of the pooled MFCC statistics over the 251 bona fide clips (no
speaker labels are used), so the EERs below are measured on the same clips
that set the normalisation. Trials: every pair of bona fide clips whose
speakers have at least two clips (VCTK, FSDD, LJSpeech, LibriTTS 121);
same-speaker pairs against different-speaker pairs, pooled and within one
corpus (within-corpus pairs are the hard ones: a different corpus is a
different channel). Clone trials: voice-conversion spoofs (adain-vc, autovc,
vits vc, vqmivc, yourtts, stargan-vc, chou-vc) against bona fide clips of the
speaker they imitate, read at the pooled threshold.

Writes speaker_embedding.npz/.json and the metrics section of
speaker_verification.md beside this module.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigil.audio import load_vad
from vigil.detectors.audio._dataset import Clip, default_data_dir, read_clips, read_samples, units
from vigil.detectors.audio.speaker import raw_statistics
from vigil.detectors.audio.train_spoof import eer

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STEM = "speaker_embedding"
VERSION = "mfcc-stats-1"
Float = npt.NDArray[np.float64]


def _raw(clips: list[Clip], wanted: list[int], vad_name: str) -> dict[int, Float]:
    vad = load_vad(vad_name)
    out: dict[int, Float] = {}
    for i in wanted:
        samples = read_samples(clips[i].path)
        found = list(units(samples, vad)) or [samples]
        raw = raw_statistics(iter(found))
        if raw is not None:
            out[i] = raw
    return out


def _pairs(clips: list[Clip], emb: dict[int, Float], idx: list[int]) -> tuple[Float, Float]:
    same: list[float] = []
    diff: list[float] = []
    for a, b in itertools.combinations(idx, 2):
        s = float(emb[a] @ emb[b])
        (same if clips[a].speaker == clips[b].speaker else diff).append(s)
    return np.array(same), np.array(diff)


def _verification_eer(same: Float, diff: Float) -> tuple[float, float]:
    rate, t = eer(-same, -diff)  # eer() treats higher as "spoof": negate similarities
    return rate, -t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--vad", choices=("energy", "silero"), default="energy")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    clips = read_clips(args.data)
    counts = Counter(c.speaker for c in clips if not c.is_spoof)
    bona = [i for i, c in enumerate(clips) if not c.is_spoof]
    clones = [
        i for i, c in enumerate(clips) if c.is_spoof and c.kind == "vc" and counts[c.speaker] >= 1
    ]
    raw = _raw(clips, bona + clones, args.vad)
    matrix = np.array([raw[i] for i in bona if i in raw])
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    emb = {i: (v - mean) / scale for i, v in raw.items()}
    emb = {i: v / np.linalg.norm(v) for i, v in emb.items()}

    trial = [i for i in bona if i in emb and counts[clips[i].speaker] >= 2]
    results: dict[str, dict[str, float | int]] = {}
    same, diff = _pairs(clips, emb, trial)
    pooled, threshold = _verification_eer(same, diff)
    results["all"] = _row(pooled, threshold, same, diff, threshold)
    for corpus in ("vctk", "fsdd"):
        idx = [i for i in trial if clips[i].corpus == corpus]
        s, d = _pairs(clips, emb, idx)
        rate, t = _verification_eer(s, d)
        results[corpus] = _row(rate, t, s, d, threshold)
    clone_scores = [
        float(emb[c] @ emb[b])
        for c in clones
        if c in emb
        for b in bona
        if b in emb and clips[b].speaker == clips[c].speaker
    ]
    clone = np.array(clone_scores)
    metrics = {
        "verification": results,
        "threshold": round(threshold, 4),
        "clone_trials": int(clone.size),
        "clone_accepted_at_threshold": round(float(np.mean(clone >= threshold)), 4)
        if clone.size
        else None,
        "clone_median_cosine": round(float(np.median(clone)), 4) if clone.size else None,
        "same_speaker_median_cosine": round(float(np.median(same)), 4),
        "different_speaker_median_cosine": round(float(np.median(diff)), 4),
    }
    buf = io.BytesIO()
    np.savez(buf, mean=mean, scale=scale)
    arrays = buf.getvalue()
    header = {
        "format": "vigil.speaker-stats/1",
        "version": VERSION,
        "arrays_sha256": hashlib.sha256(arrays).hexdigest(),
        "threshold": round(threshold, 4),
        "dims": int(mean.size),
        "vad": args.vad,
        "trained_on": {
            "labels_csv_sha256": hashlib.sha256(
                (args.data / "labels.csv").read_bytes()
            ).hexdigest(),
            "bonafide_clips": int(matrix.shape[0]),
        },
        "metrics": metrics,
    }
    (args.out / f"{STEM}.npz").write_bytes(arrays)
    (args.out / f"{STEM}.json").write_text(json.dumps(header, indent=1) + "\n")
    _card(args.out / "speaker_verification.md", metrics)
    log.info("threshold %.3f, pooled EER %.3f", threshold, pooled)
    return 0


def _row(
    rate: float, t: float, same: Float, diff: Float, pooled_t: float
) -> dict[str, float | int]:
    return {
        "eer": round(rate, 4),
        "eer_threshold": round(t, 4),
        "same_pairs": int(same.size),
        "different_pairs": int(diff.size),
        "false_reject_at_pooled_threshold": round(float(np.mean(same < pooled_t)), 4),
        "false_accept_at_pooled_threshold": round(float(np.mean(diff >= pooled_t)), 4),
    }


def _card(card: Path, metrics: dict[str, object]) -> None:
    if not card.is_file():
        return
    text = card.read_text("utf-8")
    start, end = "<!-- metrics -->", "<!-- /metrics -->"
    if start not in text or end not in text:
        return
    rows = metrics["verification"]
    assert isinstance(rows, dict)
    lines = [
        "| trials | same / different pairs | EER | FRR / FAR at the shipped threshold |",
        "|---|---|---|---|",
    ]
    names = {"all": "all corpora pooled", "vctk": "VCTK only", "fsdd": "FSDD digits only"}
    for key, row in rows.items():
        lines.append(
            f"| {names[key]} | {row['same_pairs']} / {row['different_pairs']} | "
            f"{row['eer']:.1%} | {row['false_reject_at_pooled_threshold']:.1%} / "
            f"{row['false_accept_at_pooled_threshold']:.1%} |"
        )
    lines.append("")
    lines.append(
        f"Shipped threshold (pooled EER point): cosine {metrics['threshold']}. Median cosine: "
        f"same speaker {metrics['same_speaker_median_cosine']}, different speakers "
        f"{metrics['different_speaker_median_cosine']}, voice-conversion clone against its "
        f"target {metrics['clone_median_cosine']} ({metrics['clone_trials']} trials; "
        f"{metrics['clone_accepted_at_threshold']:.0%} accepted as the target)."
    )
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    card.write_text(f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}", "utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
