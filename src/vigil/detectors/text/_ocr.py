"""The OCR options the text detectors share, and one OCR reader per detector
instance and language choice (models load once, each item is read once)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, field_validator

from vigil.detectors.base import DetectorOptions
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Status
from vigil.text.carriers import IMAGE_MEDIA_TYPES

if TYPE_CHECKING:
    from vigil.text.carriers import ExtractedText
    from vigil.text.ocr import OcrReader, OcrText

__all__ = [
    "ItemText",
    "OcrOptions",
    "OcrReaders",
    "SCREENSHOT_TYPES",
    "ocr_refusal",
    "read_item_text",
]

SCREENSHOT_TYPES = frozenset({"image/png", "image/webp", "image/bmp", "image/gif"})
"""The lossless formats screenshots are saved in."""
_LANGUAGE_CODE = re.compile(r"^[a-z]{3}(?:_[a-z]{3,4})?$")


class OcrOptions(DetectorOptions):
    ocr: Literal["off", "screenshots", "all"] = "screenshots"
    """Read text in images (RapidOCR, then Tesseract for scripts RapidOCR
    misreads; about a second per image, more when Tesseract is needed):
    'screenshots' reads PNG, WebP, BMP and GIF and leaves camera JPEG/TIFF
    alone; 'all' reads every image."""
    ocr_languages: tuple[str, ...] = Field(default=(), max_length=4)
    """Tesseract language codes the images are written in (e.g. 'rus',
    'tha', 'ara'): Tesseract then reads every image with them. Empty: it is
    tried with rus, ara, tha and ell only on lines RapidOCR misread."""

    @field_validator("ocr_languages")
    @classmethod
    def _language_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not _LANGUAGE_CODE.match(code):
                raise ValueError(f"{code!r} is not a Tesseract language code such as 'rus'")
        return value


def ocr_refusal(media_type: str, options: OcrOptions, install_hint: str) -> str | None:
    """Why an image of this type is not read under these options, or None."""
    from vigil.text.ocr import ocr_available

    if media_type not in IMAGE_MEDIA_TYPES:
        return None
    wanted = options.ocr == "all" or (
        options.ocr == "screenshots" and media_type in SCREENSHOT_TYPES
    )
    if not wanted:
        return f"OCR is not set for {media_type} (option ocr={options.ocr!r})"
    if not ocr_available():
        return f"RapidOCR is not installed ({install_hint})"
    return None


@dataclass(frozen=True, slots=True)
class ItemText:
    data: bytes
    """The bytes read (at most the detector's max_bytes)."""
    truncated: bool
    """The item was longer than what was read."""
    extracted: ExtractedText


def read_item_text(
    item: EvidenceView, options: OcrOptions, max_bytes: int, install_hint: str
) -> ItemText | tuple[Status, str]:
    """The item's text (images through OCR when the options allow it), or the
    status and sentence saying why there is none to read."""
    from vigil.text.carriers import extract_text
    from vigil.text.decode import read_bounded

    refused = ocr_refusal(item.media_type, options, install_hint)
    if refused is not None:
        return Status.UNSUPPORTED, f"Text in images needs OCR; {refused}."
    try:
        with item.open() as stream:
            data, truncated = read_bounded(stream, max_bytes)
    except OSError as exc:
        return Status.UNREADABLE, f"The item could not be read ({exc})."
    engine = None
    if item.media_type in IMAGE_MEDIA_TYPES:
        engine = OcrReaders().get(options.ocr_languages)
    extracted = extract_text(data, item.media_type, truncated=truncated, ocr=engine)
    return ItemText(data, truncated, extracted)


class OcrReaders:
    """OCR readers by language choice, shared by every text detector in the
    process (models load once) and remembering the last few images read, so
    an image that scam_phishing and text_indicators both look at is read once."""

    _readers: ClassVar[dict[tuple[str, ...], _RememberingReader]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def get(self, languages: tuple[str, ...]) -> _RememberingReader:
        with self._lock:
            if languages not in self._readers:
                from vigil.text.ocr import OcrReader

                self._readers[languages] = _RememberingReader(OcrReader(languages))
            return self._readers[languages]


class _RememberingReader:
    """An OCR engine that keeps the results of its last `size` images by SHA-256."""

    def __init__(self, reader: OcrReader, size: int = 8) -> None:
        self._reader = reader
        self._size = size
        self._recent: OrderedDict[str, OcrText] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0

    def read(self, data: bytes) -> OcrText:
        key = hashlib.sha256(data).hexdigest()
        with self._lock:  # also keeps one OCR model from running in two threads at once
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
            self.reads += 1
            text = self._reader.read(data)
            self._recent[key] = text
            if len(self._recent) > self._size:
                self._recent.popitem(last=False)
            return text
