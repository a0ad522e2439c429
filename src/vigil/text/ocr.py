"""Text in images (screenshots of chats, SMS, web pages) by OCR.

Uses RapidOCR (``rapidocr``, its detection and recognition models ship in
the wheel and run in onnxruntime; nothing is downloaded). Per TOOLING.md it
reads Latin-script and Chinese text exactly; Thai is silently dropped and
Cyrillic/Greek come out wrong, so a result in those scripts is unreliable.
Images are checked with Pillow before OCR: more than `MAX_PIXELS` pixels is
refused (decompression bombs), and anything Pillow cannot open is
unreadable. Never raises for bad input.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import warnings
from dataclasses import dataclass
from typing import Protocol

__all__ = ["MAX_PIXELS", "OcrEngine", "OcrLine", "OcrText", "RapidOcrEngine", "ocr_available"]

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000
MIN_SIDE = 16


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    box: tuple[int, int, int, int]
    """Pixel box (left, top, right, bottom) around the line."""
    confidence: float


@dataclass(frozen=True, slots=True)
class OcrText:
    lines: tuple[OcrLine, ...]
    width: int = 0
    height: int = 0
    warnings: tuple[str, ...] = ()
    readable: bool = True
    """False when the bytes are not an image this reader can open."""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class OcrEngine(Protocol):
    def read(self, data: bytes) -> OcrText: ...


def ocr_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "PIL"))


def _image_size(data: bytes) -> tuple[int, int] | str:
    """(width, height), or why the image is refused."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return f"{width}x{height} pixels is over the {MAX_PIXELS}-pixel limit"
                image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        return f"not a readable image ({type(exc).__name__})"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "image refused as a decompression bomb"
    if min(width, height) < MIN_SIDE:
        return f"{width}x{height} pixels is too small to read"
    return width, height


class RapidOcrEngine:
    """RapidOCR, loaded on first use (about 1.5 s) and kept by its owner."""

    def __init__(self) -> None:
        self._engine: object | None = None

    def _load(self) -> object:
        if self._engine is None:
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params={"Global.log_level": "critical"})
        return self._engine

    def read(self, data: bytes) -> OcrText:
        size = _image_size(data)
        if isinstance(size, str):
            return OcrText((), warnings=(size,), readable=False)
        width, height = size
        try:
            engine = self._load()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = engine(data)  # type: ignore[operator]
        except Exception as exc:  # the OCR stack (opencv, onnxruntime) raises many kinds
            log.warning("OCR failed: %s", type(exc).__name__)
            return OcrText((), width, height, (f"OCR failed ({type(exc).__name__})",), False)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        boxes = getattr(result, "boxes", None)
        lines = []
        for index, text in enumerate(texts):
            box = (0, 0, width, height)
            if boxes is not None and index < len(boxes):
                xs = [float(point[0]) for point in boxes[index]]
                ys = [float(point[1]) for point in boxes[index]]
                box = (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))
            confidence = float(scores[index]) if index < len(scores) else 0.0
            lines.append(OcrLine(str(text), box, round(confidence, 4)))
        return OcrText(tuple(lines), width, height)
