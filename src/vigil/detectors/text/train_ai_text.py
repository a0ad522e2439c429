"""Train and evaluate the AI-written-text model (a weak signal).

    .venv/bin/python -m vigil.detectors.text.train_ai_text --data ../shared/data/text

Data: OUTFOX essays (students vs gpt-3.5-turbo-0613 and text-davinci-003 on
the same problem statements) and TweepFake tweets (17 human accounts vs 23
bots imitating them: GPT-2, RNN/LSTM, 'others'). Same model family as the
scam model: hashed character 1-5-grams, L2 logistic regression (scikit-learn,
training only), Platt calibration and operating point on a 20 % split by
persona / problem statement the regression never saw.

Evaluation holds out a generator the model never saw, on personas or
problem statements it never saw:

* TweepFake: for each bot family (gpt2, rnn, others), the personas it
  imitates are held out (their human tweets and those bots), and no tweet of
  that family is trained on;
* OUTFOX: problem statements are split in two by id; each LLM is trained on
  one half and tested (with the students' essays) on the other half, where
  the other LLM wrote the essays;
* Gemini: the LLM-written e-mails (phishing and legitimate) against human
  e-mails (SpamAssassin ham 2002 and modern list mail): a new generator and a
  new domain at once, never trained on.

Writes ``models/ai_text.npz`` + ``models/ai_text.json`` and
``models/ai_text_eval.json``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.detectors.text.train_scam import (
    Fitted,
    Sample,
    _breakdown,
    _git_commit,
    _metrics,
    _score_rows,
    fit,
    vectorise,
    write_model,
)
from vigil.text.hashing import NgramHasher
from vigil.text.mail import parse_email

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["PERSONAS", "load_ai_corpus", "main"]

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "models"
HASHER = NgramHasher(bits=20, ngram_range=(1, 5), max_chars=3000)
TRAINED_SOURCES = frozenset({"outfox", "tweepfake"})

PERSONAS: dict[str, str] = {
    "dril": "dril", "dril_gpt2": "dril", "DrilRnn": "dril", "Gpt2Wint": "dril",
    "elonmusk": "elonmusk", "DeepElonMusk": "elonmusk", "Musk_from_Mars": "elonmusk",
    "narendramodi": "narendramodi", "AINarendraModi": "narendramodi",
    "ahadsheriff": "ahadsheriff", "ahadsheriffbot": "ahadsheriff",
    "calebgamman": "calebgamman", "calebgamman2": "calebgamman",
    "imranye": "imranye", "imranyebot": "imranye",
    "kevinhooke": "kevinhooke", "kevinhookebot": "kevinhooke",
    "ninjasexparty": "ninjasexparty", "nsp_gpt2": "ninjasexparty",
    "jaden": "trudeau", "JustinTrudeau": "trudeau", "theJadenTrudeau": "trudeau",
    "UtilityLimb": "utilitylimb", "utilitylimbgpt2": "utilitylimb",
    "zawvrk": "zawvrk", "zawarbot": "zawvrk",
}  # fmt: skip
"""TweepFake account -> the human persona it is (or imitates); written from
the account names (wint is dril's name on Twitter)."""


def load_ai_corpus(data_dir: Path) -> list[Sample]:
    """OUTFOX and TweepFake rows (label 1 = ai), grouped by problem / persona."""
    csv.field_size_limit(1 << 30)
    samples: list[Sample] = []
    for relative, source in (
        ("ai_text_outfox_essays/essays.csv", "outfox"),
        ("ai_text_tweepfake/tweets.csv", "tweepfake"),
    ):
        path = data_dir / relative
        if not path.is_file():
            log.warning("missing %s; skipped", path)
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                tail = row["source"].rpartition("#")[2]
                if source == "outfox":
                    group = f"problem:{tail}"
                else:
                    group = f"persona:{PERSONAS.get(tail, tail)}"
                samples.append(
                    Sample(
                        row["text"],
                        1 if row["label"] == "ai" else 0,
                        row["generator"] or "human",
                        row["lang"],
                        source,
                        group,
                        row["source"],
                    )
                )
    return samples


def load_email_check(data_dir: Path) -> list[Sample]:
    """Gemini-written mail (ai) against human mail: never trained on."""
    samples: list[Sample] = []
    path = data_dir / "llm_phishing_gemini" / "emails.csv"
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = row["text"].removeprefix("Subject: ")
                samples.append(
                    Sample(text, 1, row["generator"], "en", "gemini", "gemini", row["source"])
                )
    for folder in ("email_spamassassin", "email_modern_ham"):
        index = data_dir / folder / "index.csv"
        if not index.is_file():
            continue
        with index.open(encoding="utf-8", newline="") as handle:
            rows = sorted(
                (r for r in csv.DictReader(handle) if r["label"] == "ham"),
                key=lambda r: r["path"],
            )
        for row in rows:
            text = parse_email((data_dir / folder / row["path"]).read_bytes()).text()
            if text.strip():
                samples.append(Sample(text, 0, "human", row["lang"], folder, folder, row["path"]))
    return samples


def _half(group: str) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % 2


def _evaluate(
    matrix: csr_matrix,
    samples: Sequence[Sample],
    train_rows: list[int],
    test_rows: list[int],
) -> dict[str, Any]:
    import numpy as np

    fitted = fit(matrix, samples, train_rows)
    scores = _score_rows(matrix, test_rows, fitted)
    labels = np.array([samples[i].label for i in test_rows])
    return {
        "train_rows": len(train_rows),
        "threshold": fitted.threshold,
        "negative_below": fitted.negative_below,
        "overall": _metrics(scores, labels, fitted.threshold, fitted.negative_below),
        "by_generator": _breakdown(samples, test_rows, scores, fitted, "raw_label"),
    }


def generator_holdouts(matrix: csr_matrix, samples: Sequence[Sample]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for family in ("gpt2", "rnn", "others"):
        personas = {s.group for s in samples if s.source == "tweepfake" and s.raw_label == family}
        test = [
            i
            for i, s in enumerate(samples)
            if s.group in personas and (s.raw_label in (family, "human"))
        ]
        train = [
            i
            for i, s in enumerate(samples)
            if s.source in TRAINED_SOURCES and s.group not in personas and s.raw_label != family
        ]
        started = time.perf_counter()
        results[f"tweepfake_{family}"] = {
            "held_out_personas": sorted(p.removeprefix("persona:") for p in personas),
            **_evaluate(matrix, samples, train, test),
        }
        log.info("fold %s: %.1f s", family, time.perf_counter() - started)
    generators = ("gpt-3.5-turbo-0613", "text-davinci-003")
    for index, unseen in enumerate(generators):
        seen = generators[1 - index]
        train = [
            i
            for i, s in enumerate(samples)
            if s.source == "tweepfake"
            or (s.source == "outfox" and _half(s.group) == 0 and s.raw_label in ("human", seen))
        ]
        test = [
            i
            for i, s in enumerate(samples)
            if s.source == "outfox" and _half(s.group) == 1 and s.raw_label in ("human", unseen)
        ]
        results[f"outfox_{unseen}"] = {
            "trained_on_llm": seen,
            **_evaluate(matrix, samples, train, test),
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/text"))
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import numpy as np

    started = time.perf_counter()
    samples = load_ai_corpus(args.data)
    if not samples:
        log.error("no data under %s", args.data)
        return 2
    email = load_email_check(args.data)
    everything = samples + email
    matrix = vectorise([s.text for s in everything], HASHER)
    log.info("%d rows vectorised in %.1f s", len(everything), time.perf_counter() - started)
    trainable = list(range(len(samples)))
    evaluation: dict[str, Any] = {
        "corpus": {
            f"{a}|{b}": n
            for (a, b), n in sorted(Counter((s.source, s.raw_label) for s in everything).items())
        },
        "hasher": HASHER.params(),
    }
    if not args.skip_eval:
        evaluation["generator_held_out"] = generator_holdouts(matrix, everything)
    fitted: Fitted = fit(matrix, everything, trainable)
    from vigil.detectors.text.train_scam import _in_calibration

    cal_rows = [i for i in trainable if _in_calibration(everything[i].group)]
    cal_scores = _score_rows(matrix, cal_rows, fitted)
    evaluation["shipped_model_calibration_split"] = {
        "note": "in-distribution: the 20% of personas / problem statements the regression "
        "never saw (generators all seen); used for calibration and the operating point",
        "threshold": fitted.threshold,
        "negative_below": fitted.negative_below,
        "summary": fitted.calibration,
        "by_source": _breakdown(everything, cal_rows, cal_scores, fitted, "source"),
        "by_generator": _breakdown(everything, cal_rows, cal_scores, fitted, "raw_label"),
    }
    email_rows = list(range(len(samples), len(everything)))
    if email_rows:
        email_scores = _score_rows(matrix, email_rows, fitted)
        labels = np.array([everything[i].label for i in email_rows])
        evaluation["email_gemini_vs_human_mail"] = {
            "note": "shipped model; Gemini e-mails (ai) vs SpamAssassin ham and modern list "
            "mail (human); new generator and new domain",
            "overall": _metrics(email_scores, labels, fitted.threshold, fitted.negative_below),
            "by_source": _breakdown(everything, email_rows, email_scores, fitted, "source"),
        }
    extra = {
        "label": "text.ai_generated",
        "trained": {
            "command": "python -m vigil.detectors.text.train_ai_text --data ../shared/data/text",
            "git_commit": _git_commit(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "rows": len(samples),
        },
    }
    npz = write_model(args.out, "ai_text", HASHER, fitted, extra)
    evaluation["shipped_model"] = {
        "npz_bytes": len(npz),
        "seconds_total": round(time.perf_counter() - started, 1),
    }
    (args.out / "ai_text_eval.json").write_text(json.dumps(evaluation, indent=1, sort_keys=True))
    log.info("wrote %s in %.1f s", args.out, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
