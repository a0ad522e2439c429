"""Measure the e-mail forensics rules on labelled mail (they are not trained).

    .venv/bin/python -m vigil.detectors.text.train_email_forensics --data ../shared/data/text

Runs every rule of `vigil.detectors.text.email_forensics` over the raw
e-mails of the shared data (Phishing Pot phishing 2021-2025, modern
legitimate mail 2015-2026, SpamAssassin ham and spam 2002) and writes, per
rule and per label, how often it fires on each set, and the precision and
recall of each flag on phishing_pot (positive) against modern ham
(negative), to ``models/email_forensics_eval.json``. The rule weights were
fixed before this measurement and are not fitted to it.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from vigil.detectors.text.email_forensics import LABELS, NEGATIVE_BELOW, RULES, THRESHOLD, check
from vigil.detectors.text.email_forensics import _score as combined_score
from vigil.text.mail import parse_email

__all__ = ["main", "measure"]

log = logging.getLogger(__name__)

SETS = {
    "phishing_pot": ("email_phishing_pot", None),
    "modern_ham": ("email_modern_ham", None),
    "spamassassin_ham": ("email_spamassassin", "ham"),
    "spamassassin_spam": ("email_spamassassin", "spam"),
}
OUT = Path(__file__).resolve().parent / "models" / "email_forensics_eval.json"


def _messages(data_dir: Path, folder: str, label: str | None) -> list[Path]:
    index = data_dir / folder / "index.csv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if label is None or r["label"] == label]
    return sorted(data_dir / folder / r["path"] for r in rows)


def measure(data_dir: Path) -> dict[str, object]:
    fires: dict[str, Counter[str]] = {}
    label_positive: dict[str, Counter[str]] = {}
    label_inconclusive: dict[str, Counter[str]] = {}
    any_positive: Counter[str] = Counter()
    sizes: dict[str, int] = {}
    for set_name, (folder, label) in SETS.items():
        paths = _messages(data_dir, folder, label)
        sizes[set_name] = len(paths)
        fires[set_name] = Counter()
        label_positive[set_name] = Counter()
        label_inconclusive[set_name] = Counter()
        for path in paths:
            hits, _ = check(parse_email(path.read_bytes()))
            for rule in {h.rule for h in hits}:
                fires[set_name][rule] += 1
            positive_any = False
            for name in LABELS:
                score = combined_score([h for h in hits if h.label == name])
                if score >= THRESHOLD:
                    label_positive[set_name][name] += 1
                    positive_any = True
                elif score >= NEGATIVE_BELOW:
                    label_inconclusive[set_name][name] += 1
            any_positive[set_name] += positive_any
    return {
        "sets": sizes,
        "rules": {
            rule: {
                "label": RULES[rule].label,
                "weight": RULES[rule].weight,
                "fires": {s: fires[s][rule] for s in SETS},
                "rate": {s: _rate(fires[s][rule], sizes[s]) for s in SETS},
                **_flag_quality(fires, sizes, rule),
            }
            for rule in RULES
        },
        "labels": {
            name: {
                "positive_rate": {s: _rate(label_positive[s][name], sizes[s]) for s in SETS},
                "inconclusive_rate": {
                    s: _rate(label_inconclusive[s][name], sizes[s]) for s in SETS
                },
                **_flag_quality(label_positive, sizes, name),
            }
            for name in LABELS
        },
        "any_label_positive": {s: _rate(any_positive[s], sizes[s]) for s in SETS},
    }


def _rate(count: int, size: int) -> float | None:
    return round(count / size, 4) if size else None


def _flag_quality(
    counts: dict[str, Counter[str]], sizes: dict[str, int], key: str
) -> dict[str, float | None]:
    """Recall on phishing_pot; precision against modern ham, as counted and at
    equal class sizes (so the 380/446 split of the sets does not matter)."""
    pos, neg = counts["phishing_pot"][key], counts["modern_ham"][key]
    n_pos, n_neg = sizes["phishing_pot"], sizes["modern_ham"]
    if not n_pos or not n_neg:
        return {}
    tpr, fpr = pos / n_pos, neg / n_neg
    return {
        "recall_phishing_pot": round(tpr, 4),
        "fpr_modern_ham": round(fpr, 4),
        "precision_counted": round(pos / (pos + neg), 4) if pos + neg else None,
        "precision_equal_prior": round(tpr / (tpr + fpr), 4) if tpr + fpr else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/text"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    result = measure(args.data)
    sets = result["sets"]
    if not isinstance(sets, dict) or not any(sets.values()):
        log.error("no mail under %s", args.data)
        return 2
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
