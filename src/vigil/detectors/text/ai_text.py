"""AI-written text: a weak signal.

The same model family as the scam detector (hashed character 1-5-grams,
calibrated logistic regression, numpy at run time), trained by
``python -m vigil.detectors.text.train_ai_text`` on OUTFOX essays and
TweepFake tweets. On generators it never saw it is weak (see ai_text.md), so
every finding says so; a positive is a lead to check, never a proof. Texts
shorter than `min_chars` are judged inconclusive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status, Verdict
from vigil.formats.sniff import SMS_BACKUP_MEDIA_TYPE
from vigil.text.carriers import CARRIER_MEDIA_TYPES, extract_text
from vigil.text.decode import read_bounded

if TYPE_CHECKING:
    from vigil.text.linear import LinearTextModel

__all__ = ["AiTextDetector", "AiTextOptions"]

LABEL = "text.ai_generated"
_PACKAGE = "vigil.detectors.text"
_MODEL = "models/ai_text.npz"
_HEADER = "models/ai_text.json"
_WEAK = (
    " Weak signal: on language models it was not trained on, this detector ranks AI text "
    "only a little better than chance (ai_text.md)."
)


class AiTextOptions(DetectorOptions):
    max_bytes: int = Field(default=32 << 20, ge=1024, le=1 << 30)
    min_chars: int = Field(default=200, ge=1, le=100_000)
    """Shorter texts get an inconclusive verdict (their score is still given)."""
    threshold: float | None = Field(default=None, gt=0.0, lt=1.0)


class AiTextDetector(Detector):
    name = "ai_text"
    version = "1.0.0"
    # chat exports (Telegram JSON, SMS backups) mix many authors
    media_types = tuple(
        m for m in CARRIER_MEDIA_TYPES if m not in ("application/json", SMS_BACKUP_MEDIA_TYPE)
    )
    model_card = f"{_PACKAGE}:ai_text.md"
    model_files = (f"{_PACKAGE}:{_MODEL}", f"{_PACKAGE}:{_HEADER}")
    requires = ("numpy",)
    install_hint = "pip install 'vigil-forensics[text]'"
    Options = AiTextOptions

    _model: LinearTextModel | None = None

    def model(self) -> LinearTextModel:
        if self._model is None:
            from vigil.text.linear import LinearTextModel

            self._model = LinearTextModel.from_package(_PACKAGE, _MODEL, _HEADER)
        return self._model

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        options = opts if isinstance(opts, AiTextOptions) else AiTextOptions()
        try:
            with item.open() as stream:
                data, truncated = read_bounded(stream, options.max_bytes)
        except OSError as exc:
            yield Finding.problem(LABEL, Status.UNREADABLE, f"The item could not be read ({exc}).")
            return
        extracted = extract_text(data, item.media_type, truncated=truncated)
        if not extracted.ok:
            status = Status.UNSUPPORTED if extracted.carrier == "unsupported" else Status.UNREADABLE
            reason = extracted.warnings[0] if extracted.warnings else "no text"
            yield Finding.problem(LABEL, status, f"No text to judge: {reason}.")
            return
        if extracted.carrier == "whatsapp":
            yield Finding.problem(
                LABEL,
                Status.UNSUPPORTED,
                "Chat exports mix many authors; this detector judges one author's text.",
            )
            return
        text = extracted.full_text()
        model = self.model()
        threshold = options.threshold if options.threshold is not None else model.threshold
        negative_below = min(model.negative_below, threshold)
        score, features = model.score(text)
        towards = score >= negative_below
        phrases = model.phrases(features, top=3, sign=1 if towards else -1)
        details: dict[str, JsonValue] = {
            "carrier": extracted.carrier,
            "characters": len(text),
            "characters_scored": len(features.text),
            "weak_signal": True,
            "strongest_phrases": [{"text": p.text, "weight": p.weight} for p in phrases],
            "phrases_push": "towards AI-written" if towards else "towards human-written",
        }
        if score >= threshold:
            head = f"AI-written score {score:.2f} reaches the threshold {threshold:.2f}."
        elif score < negative_below:
            head = f"AI-written score {score:.2f} is below the negative bound {negative_below:.2f}."
        else:
            head = (
                f"AI-written score {score:.2f} lies between the negative bound "
                f"{negative_below:.2f} and the threshold {threshold:.2f}."
            )
        short = len(text.strip()) < options.min_chars
        caveat = f" The text is shorter than {options.min_chars} characters." if short else ""
        finding = Finding.scored(
            LABEL,
            score,
            threshold,
            head + caveat + _WEAK,
            negative_below=negative_below,
            details=details,
        )
        yield replace(finding, verdict=Verdict.INCONCLUSIVE) if short else finding

    @classmethod
    def examples(cls) -> list[Example]:
        # written for these examples, in the manner of a chat model and of a student
        model_essay = (
            b"In today's fast-paced world, the question of whether students should be required "
            b"to participate in extracurricular activities is an important one. On the one hand, "
            b"extracurricular activities offer numerous benefits, such as fostering teamwork, "
            b"developing leadership skills, and promoting physical health. Furthermore, they "
            b"provide students with opportunities to explore their interests and build meaningful "
            b"connections with their peers. On the other hand, requiring participation may place "
            b"additional stress on students who are already balancing academic responsibilities. "
            b"In conclusion, while extracurricular activities can be highly beneficial, schools "
            b"should encourage rather than mandate participation, allowing students to make "
            b"choices that best suit their individual needs. Additionally, it is essential to "
            b"consider the role of parents and teachers in guiding students toward activities "
            b"that align with their goals. By providing a variety of options and support, schools "
            b"can create an environment in which every student feels empowered to participate. "
            b"Ultimately, a balanced approach that values both academic success and personal "
            b"growth will benefit students, families, and the broader community."
        )
        student_essay = (
            b"i think that students should not have to do extracurricular activitys because alot "
            b"of students already have to much homework and they have jobs after school to. my "
            b"friend works at a store every day after school and if she had to do a sport she "
            b"would not have time to sleep. also some people just dont like sports or clubs and "
            b"thats ok. the school should let students chose what they want to do with there "
            b"time and not force them. thats why i think it should not be a rule"
        )
        tweet = b"lol my cat just knocked my coffee onto the keyboard again, send help"
        plain = "text/plain"
        return [
            Example("model-style essay", model_essay, "essay.txt", plain, LABEL, Verdict.POSITIVE),
            Example("student essay", student_essay, "essay.txt", plain, LABEL, Verdict.NEGATIVE),
            Example("a short tweet", tweet, "tweet.txt", plain, LABEL, Verdict.INCONCLUSIVE),
            Example("empty", b"", "empty.txt", plain, LABEL, Verdict.INCONCLUSIVE),
        ]
