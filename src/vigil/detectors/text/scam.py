"""Multilingual scam / phishing classifier for messages, e-mails, chat
exports and documents.

A calibrated logistic regression over hashed character 1-5-grams
(`vigil.text.hashing`, numpy only at run time), trained by
``python -m vigil.detectors.text.train_scam``. Each finding explains itself:
the lure type from a keyword lexicon (labelled as such), a brand the text
names, and the stretches of text that pushed the score most. Chat exports
are scored message by message. See scam.md for data and held-out numbers.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.detectors.text._ocr import OcrOptions, read_item_text
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Locator, Status, Verdict, decide_verdict
from vigil.text.brands import Brand, brand_in_text
from vigil.text.carriers import (
    CARRIER_MEDIA_TYPES,
    CHAT_CARRIERS,
    IMAGE_MEDIA_TYPES,
    ExtractedText,
    TextSegment,
)
from vigil.text.linear import Phrase
from vigil.text.lures import LureHit, find_lures
from vigil.text.scripts import dominant_script

if TYPE_CHECKING:
    from vigil.text.linear import LinearTextModel
    from vigil.text.ocr import OcrText

__all__ = ["ScamDetector", "ScamOptions"]

log = logging.getLogger(__name__)

LABEL = "text.scam"
_PACKAGE = "vigil.detectors.text"
_MODEL = "models/scam.npz"
_HEADER = "models/scam.json"
_MIN_LETTERS = 4
_TRAINED_SCRIPTS = frozenset({"latin", "thai", "devanagari"})
_LURE_NAMES = {
    "parcel_delivery": "parcel/delivery",
    "account_security": "account security / credential harvest",
    "payment_invoice": "invoice/payment",
    "prize_lottery": "prize/lottery",
    "advance_fee": "advance fee / inheritance",
    "investment_crypto": "investment/crypto",
    "job_task": "job/task",
    "loan_credit": "loan/credit",
    "government_tax": "government/tax authority",
    "tech_support": "tech support",
    "romance_sextortion": "romance/sextortion",
    "subscription_service": "subscription/premium service",
    "urgency": "urgency",
    "credential_request": "request for credentials",
}


class ScamOptions(OcrOptions):
    max_bytes: int = Field(default=32 << 20, ge=1024, le=1 << 30)
    """Bytes read from the item; a longer item is judged on this prefix."""
    max_message_findings: int = Field(default=50, ge=0, le=10_000)
    """Chat exports: positive messages reported one by one (highest first)."""
    threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    """Override the model's operating point (the negative bound moves with it
    when it would lie above)."""


class ScamDetector(Detector):
    name = "scam_phishing"
    version = "1.1.0"
    media_types = CARRIER_MEDIA_TYPES + IMAGE_MEDIA_TYPES
    model_card = f"{_PACKAGE}:scam.md"
    model_files = (f"{_PACKAGE}:{_MODEL}", f"{_PACKAGE}:{_HEADER}")
    requires = ("numpy",)
    install_hint = "pip install 'vigil-forensics[text]'"
    Options = ScamOptions

    _model: LinearTextModel | None = None

    def model(self) -> LinearTextModel:
        if self._model is None:
            from vigil.text.linear import LinearTextModel

            self._model = LinearTextModel.from_package(_PACKAGE, _MODEL, _HEADER)
        return self._model

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        options = opts if isinstance(opts, ScamOptions) else ScamOptions()
        read = read_item_text(item, options, options.max_bytes, self.install_hint)
        if isinstance(read, tuple):
            yield Finding.problem(LABEL, *read)
            return
        extracted = read.extracted
        if not extracted.ok:
            status = Status.UNSUPPORTED if extracted.carrier == "unsupported" else Status.UNREADABLE
            reason = extracted.warnings[0] if extracted.warnings else "no text"
            yield Finding.problem(LABEL, status, f"No message text to judge: {reason}.")
            return
        if extracted.carrier in CHAT_CARRIERS:
            yield from self._chat(extracted, options)
            return
        text = extracted.full_text()
        if not text.strip():
            yield Finding.problem(LABEL, Status.UNREADABLE, "The item holds no readable text.")
            return
        yield self._judge(text, extracted, options, Locator(), None)

    def _operating_point(self, options: ScamOptions) -> tuple[float, float]:
        model = self.model()
        threshold = options.threshold if options.threshold is not None else model.threshold
        return threshold, min(model.negative_below, threshold)

    def _judge(
        self,
        text: str,
        extracted: ExtractedText,
        options: ScamOptions,
        locator: Locator,
        segment: TextSegment | None,
    ) -> Finding:
        model = self.model()
        threshold, negative_below = self._operating_point(options)
        score, features = model.score(text)
        script = dominant_script(text)
        letters = sum(1 for c in text[:4000] if c.isalpha())
        details: dict[str, JsonValue] = {
            "carrier": extracted.carrier,
            "characters": len(text),
            "characters_scored": len(features.text),
            "script": script,
        }
        if extracted.truncated:
            details["truncated"] = True
        if extracted.warnings:
            details["warnings"] = list(extracted.warnings[:10])
        if extracted.ocr is not None:
            details["ocr"] = _ocr_details(extracted.ocr)
        if segment is not None:
            details.update(
                {"sender": segment.sender, "sent_at": segment.sent_at, "iso_time": segment.iso_time}
            )
            if segment.direction:  # SMS
                details.update({"direction": segment.direction, "address": segment.address})
        verdict_probe = decide_verdict(score, threshold, negative_below)
        lures = find_lures(text) if verdict_probe is not Verdict.NEGATIVE else []
        brand = brand_in_text(text[:2000]) if verdict_probe is not Verdict.NEGATIVE else None
        towards_scam = score >= negative_below
        phrases = model.phrases(features, top=5, sign=1 if towards_scam else -1)
        details["lures"] = [
            {"lure": h.lure, "words": h.patterns, "example": h.example} for h in lures
        ]
        details["lure_source"] = "keyword lexicon (vigil.text.lures), not the model"
        details["brand_named"] = brand.name if brand else None
        details["strongest_phrases"] = [{"text": p.text, "weight": p.weight} for p in phrases]
        details["phrases_push"] = "towards scam" if towards_scam else "towards legitimate"
        explanation = _explain(score, threshold, negative_below, lures, brand, phrases)
        caveat = ""
        if script not in _TRAINED_SCRIPTS and script != "none":
            caveat = f" The text is mostly {script} script, which the model never saw in training."
        elif letters < _MIN_LETTERS:
            caveat = " The text is too short to judge."
        finding = Finding.scored(
            LABEL,
            score,
            threshold,
            explanation + caveat,
            negative_below=negative_below,
            locator=locator,
            details=details,
        )
        if caveat:
            return replace(finding, verdict=Verdict.INCONCLUSIVE)
        return finding

    def _chat(self, extracted: ExtractedText, options: ScamOptions) -> Iterator[Finding]:
        model = self.model()
        threshold, negative_below = self._operating_point(options)
        scored: list[tuple[float, TextSegment]] = []
        for segment in extracted.segments:
            if sum(1 for c in segment.text[:200] if c.isalpha()) < _MIN_LETTERS:
                continue
            score, _ = model.score(segment.text)
            scored.append((score, segment))
        if not scored:
            yield Finding.problem(
                LABEL, Status.UNREADABLE, "The chat export holds no message with text to judge."
            )
            return
        positives = sorted(
            (s for s in scored if s[0] >= threshold), key=lambda s: (-s[0], s[1].locator.steps)
        )
        for _, segment in positives[: options.max_message_findings]:
            yield self._judge(segment.text, extracted, options, segment.locator, segment)
        top_score, top = max(scored, key=lambda s: (s[0], -len(s[1].text)))
        senders = Counter(segment.sender for score, segment in scored if score >= threshold)
        details: dict[str, JsonValue] = {
            "carrier": extracted.carrier,
            "messages": len(extracted.segments),
            "messages_scored": len(scored),
            "messages_positive": len(positives),
            "messages_inconclusive": sum(1 for s, _ in scored if negative_below <= s < threshold),
            "positive_by_sender": dict(senders.most_common(20)),
            "highest": {
                "score": round(top_score, 4),
                "message": str(top.locator),
                "sender": top.sender,
                "sent_at": top.sent_at,
            },
        }
        if extracted.warnings:
            details["warnings"] = list(extracted.warnings[:10])
        if positives:
            explanation = (
                f"{len(positives)} of {len(scored)} {extracted.carrier} messages look like scam "
                f"or phishing (threshold {threshold:.2f}); the highest scores {top_score:.2f}, "
                f"from {top.sender or 'a system message'} at {top.sent_at}."
            )
        else:
            explanation = (
                f"None of {len(scored)} {extracted.carrier} messages reaches the scam threshold "
                f"{threshold:.2f}; the highest scores {top_score:.2f}."
            )
        yield Finding.scored(
            LABEL,
            top_score,
            threshold,
            explanation,
            negative_below=negative_below,
            details=details,
        )

    @classmethod
    def examples(cls) -> list[Example]:
        parcel = (
            b"Your parcel could not be delivered: customs fee of 1.99 EUR unpaid. Pay within 24 "
            b"hours or it is returned: https://parcel-redelivery.example.test/pay"
        )
        note = b"Hi Sam, the team meeting moved to Thursday at 3pm in room 4. See you there.\n"
        chat = (
            b"12/03/2024, 09:15 - Alex: Are we still on for lunch tomorrow?\n"
            b"12/03/2024, 09:16 - Sam: Yes, see you at noon at the usual place\n"
            b"12/03/2024, 09:40 - +44 7700 900123: URGENT! You have won a 1000 GBP prize. "
            b"To claim call 09061701461 now, claim code KL341. Valid 12 hours only.\n"
        )
        mail = (
            b"From: Account Team <security@account-verify.example.test>\r\n"
            b"To: user@example.org\r\nSubject: Your account has been suspended\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Dear customer, we detected unusual sign-in activity and your account has been "
            b"suspended. Verify your account details within 24 hours to avoid permanent "
            b"closure: http://account-verify.example.test/login\r\n"
        )
        return [
            Example("parcel smishing", parcel, "sms.txt", "text/plain", LABEL, Verdict.POSITIVE),
            Example("meeting note", note, "note.txt", "text/plain", LABEL, Verdict.NEGATIVE),
            Example(
                "chat with a prize scam", chat, "chat.txt", "text/plain", LABEL, Verdict.POSITIVE
            ),
            Example(
                "account phishing", mail, "mail.eml", "message/rfc822", LABEL, Verdict.POSITIVE
            ),
        ]


def _ocr_details(ocr: OcrText) -> dict[str, JsonValue]:
    lines: list[JsonValue] = [
        {
            "text": line.text[:200],
            "pixel_box": line.pixel_box,
            "confidence": line.confidence,
            "engine": f"{line.engine}:{line.language}".rstrip(":"),
        }
        for line in ocr.lines[:50]
    ]
    return {
        "engines": list(ocr.engines),
        "image": [ocr.width, ocr.height],
        "downscaled_by": ocr.scale,
        "lines": lines,
    }


def _explain(
    score: float,
    threshold: float,
    negative_below: float,
    lures: list[LureHit],
    brand: Brand | None,
    phrases: list[Phrase],
) -> str:
    if score >= threshold:
        head = f"Scam/phishing score {score:.2f} (threshold {threshold:.2f})"
    elif score < negative_below:
        head = f"Scam/phishing score {score:.2f} is below the negative bound {negative_below:.2f}"
    else:
        head = (
            f"Scam/phishing score {score:.2f} lies between the negative bound "
            f"{negative_below:.2f} and the threshold {threshold:.2f}"
        )
    parts = [head]
    names = [_LURE_NAMES.get(h.lure, h.lure) for h in lures][:3]
    if names:
        parts.append(f"lure words: {', '.join(names)}")
    if brand is not None:
        parts.append(f"names {brand.name}")
    quoted = [f"'{p.text}'" for p in phrases][:3]
    if quoted:
        side = "strongest scam cues" if score >= negative_below else "strongest legitimate cues"
        parts.append(f"{side}: {', '.join(quoted)}")
    return "; ".join(parts) + "."
