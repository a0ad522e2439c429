"""Text in images (screenshots of chats, SMS, web pages) by OCR, with the
engine chosen per image.

RapidOCR (``rapidocr``; its models ship in the wheel and run in
onnxruntime) reads every image first: it reads Latin-script and Chinese text
exactly, addresses included, but returns Cyrillic, Greek, Arabic and Thai
as sparse or low-confidence garbage. A line it read with confidence under
`SUSPECT_CONFIDENCE`, or with far fewer characters than its box holds, is
*suspect*. When there are suspect lines, the lines RapidOCR read well are
painted white and Tesseract (the Debian ``tesseract-ocr`` binary with its
language packs) reads the crop around the suspect lines, once per candidate
language, until one reads most letters in its own script with confidence,
or reads them as confident Latin text (RapidOCR garbles some long Latin
lines). That reading replaces the suspect lines; the suspect lines stay as
`OcrText.alternates`, since Tesseract misreads addresses (bc1q as bclq) and
RapidOCR may still have an address right inside a garbled line. When the
caller names the languages, Tesseract reads the whole image with them and
every RapidOCR line becomes an alternate.

Bounds: images over `MAX_PIXELS` are refused (decompression bombs) before
any pixel is decoded; images over `MAX_OCR_PIXELS` are downscaled (boxes are
given in the original pixels); RapidOCR shrinks to 2,000 pixels a side and
keeps at most `MAX_BOXES` text boxes, which bounds its time; Tesseract runs
under a time budget per image (its process is killed at the end of it).
Never raises for bad input: problems are warnings on the result.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import math
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vigil.text.scripts import char_script

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "AUTO_LANGUAGES",
    "MAX_OCR_PIXELS",
    "MAX_PIXELS",
    "OcrEngine",
    "OcrLine",
    "OcrReader",
    "OcrText",
    "ocr_available",
    "tesseract_available",
]

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000
"""Images with more pixels are refused unread."""
MAX_OCR_PIXELS = 8_000_000
"""Images with more pixels are downscaled to this many before OCR."""
MIN_SIDE = 16
MAX_BOXES = 500
"""Text boxes RapidOCR's detector may hand to the recogniser (bounds the time
on images full of text-like noise)."""
SUSPECT_CONFIDENCE = 0.85
_MIN_GLYPHS_WIDE = 3.0
_KEEP_CONFIDENCE = 0.5
"""RapidOCR lines under this are dropped unless nothing better was read."""
TESSERACT_SECONDS = 30.0
"""Time budget for all Tesseract runs on one image."""
AUTO_LANGUAGES = ("rus", "ara", "tha", "ell")
"""Tesseract languages tried, in this order, for suspect lines when the caller
names none: the scripts RapidOCR misreads (Cyrillic, Arabic, Thai, Greek)."""
LANGUAGE_SCRIPTS = {
    "eng": "latin",
    "rus": "cyrillic",
    "ukr": "cyrillic",
    "bul": "cyrillic",
    "srp": "cyrillic",
    "ell": "greek",
    "ara": "arabic",
    "fas": "arabic",
    "urd": "arabic",
    "heb": "hebrew",
    "tha": "thai",
    "hin": "devanagari",
    "chi_sim": "cjk",
    "chi_tra": "cjk",
    "jpn": "cjk",
    "kor": "hangul",
}
"""Tesseract language code to the script its letters are written in."""
_ACCEPT_RATIO = 0.6
"""A Tesseract reading is kept when confident letters in its language's script
make up at least this share of its letters..."""
_ACCEPT_LETTERS = 3.0
"""...and number at least this many (confidence-weighted)."""
_STOP_RATIO = 0.8
"""A candidate this good ends the search."""
_LATIN_RATIO = 0.75
"""A reading this much Latin, with almost nothing in the candidate's own
script, shows the suspect lines were Latin text RapidOCR garbled (it does so
on long lines): that reading is kept and the search ends."""
_NO_SPACE_SCRIPTS = frozenset({"thai", "cjk"})
"""Scripts written without spaces between words; Tesseract puts one between
every recognised unit."""


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    box: tuple[int, int, int, int]
    """Pixel box (left, top, right, bottom) around the line, in the original
    image's pixels."""
    confidence: float
    engine: str = "rapidocr"
    """rapidocr or tesseract"""
    language: str = ""
    """The Tesseract language used ('' for RapidOCR)."""

    @property
    def pixel_box(self) -> str:
        """The box as a `pixel_box` locator value: x,y,width,height."""
        left, top, right, bottom = self.box
        return f"{left},{top},{right - left},{bottom - top}"


@dataclass(frozen=True, slots=True)
class OcrText:
    lines: tuple[OcrLine, ...]
    width: int = 0
    height: int = 0
    warnings: tuple[str, ...] = ()
    readable: bool = True
    """False when the bytes are not an image this reader can open."""
    alternates: tuple[OcrLine, ...] = ()
    """Other readings of regions that `lines` took from another engine (see
    the module docstring): for checksummed indicators only, never for the
    text a classifier reads."""
    engines: tuple[str, ...] = ()
    """Engines whose lines are in `lines`, e.g. ('rapidocr', 'tesseract:rus')."""
    scale: float = 1.0
    """The factor the image was downscaled by before OCR (1.0: full size)."""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class OcrEngine(Protocol):
    def read(self, data: bytes) -> OcrText: ...


def ocr_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "PIL", "numpy"))


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


@dataclass(slots=True)
class _Tesseract:
    """The tesseract command line: PNG in on stdin, TSV out on stdout."""

    binary: str
    languages: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def find(cls) -> _Tesseract | None:
        binary = shutil.which("tesseract")
        if binary is None:
            return None
        try:
            listed = subprocess.run(
                [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        names = {n.strip() for n in listed.splitlines()[1:] if n.strip()} - {"osd", "equ"}
        return cls(binary, frozenset(names))

    def read(self, image: Image, language: str, timeout: float) -> list[OcrLine] | str:
        """Lines (boxes in `image` pixels), or why there are none."""
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # OpenMP only slows it on small inputs
        # sparse text (psm 11): the block layouts (3, 4, 6) miss right-aligned
        # Arabic lines and drop parts of long Thai ones
        command = [self.binary, "stdin", "stdout", "-l", language, "--psm", "11", "tsv"]
        try:
            done = subprocess.run(
                command, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env
            )
        except subprocess.TimeoutExpired:
            return f"Tesseract ({language}) stopped after {timeout:.0f} s"
        except OSError as exc:
            return f"Tesseract could not run ({type(exc).__name__})"
        if done.returncode != 0:
            return f"Tesseract ({language}) failed with exit code {done.returncode}"
        return _tsv_lines(done.stdout.decode("utf-8", "replace"), language)


def _tsv_lines(tsv: str, language: str) -> list[OcrLine]:
    """Tesseract's word rows grouped into lines (block, paragraph, line)."""
    words: dict[tuple[str, str, str], list[tuple[str, int, int, int, int, float]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            left, top, width, height = (int(v) for v in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        if confidence < 0:
            continue
        key = (cells[2], cells[3], cells[4])
        words.setdefault(key, []).append(
            (cells[11].strip(), left, top, left + width, top + height, confidence / 100)
        )
    lines = []
    for members in words.values():
        box = (
            min(w[1] for w in members),
            min(w[2] for w in members),
            max(w[3] for w in members),
            max(w[4] for w in members),
        )
        text = _join_words([w[0] for w in members])
        confidence = sum(w[5] for w in members) / len(members)
        lines.append(OcrLine(text, box, round(confidence, 4), "tesseract", language))
    return lines


def _join_words(words: Sequence[str]) -> str:
    text = words[0] if words else ""
    for word in words[1:]:
        left, right = char_script(text[-1]), char_script(word[0])
        glue = "" if left == right and left in _NO_SPACE_SCRIPTS else " "
        text += glue + word
    return text


def _support(lines: Sequence[OcrLine], scripts: frozenset[str] | None) -> tuple[float, int]:
    """(letters written in one of `scripts` (None: any), each weighted by its
    line's confidence; all letters)."""
    support = 0.0
    letters = 0
    for line in lines:
        own = 0
        for char in line.text:
            if char.isalpha():
                letters += 1
                own += scripts is None or char_script(char) in scripts
        support += own * line.confidence
    return support, letters


def _suspect(line: OcrLine) -> bool:
    """A RapidOCR line it likely misread: a box at least `_MIN_GLYPHS_WIDE`
    line heights wide (smaller boxes in photos are mostly texture taken for
    text, not worth a Tesseract run) read with low confidence, or with far
    fewer characters than it holds (an unknown script comes back as spaces)."""
    left, top, right, bottom = line.box
    glyphs_wide = (right - left) / max(1, bottom - top)  # about one CJK glyph per line height
    if glyphs_wide < _MIN_GLYPHS_WIDE:
        return False
    visible = len(line.text.replace(" ", ""))
    return line.confidence < SUSPECT_CONFIDENCE or visible < 0.5 * glyphs_wide


def _covered(line: OcrLine, others: Sequence[OcrLine]) -> bool:
    """Whether most of the line's box lies inside one of the others' boxes (a
    fragment RapidOCR made of a line Tesseract read whole)."""
    left, top, right, bottom = line.box
    area = max(1, (right - left) * (bottom - top))
    for other in others:
        width = min(right, other.box[2]) - max(left, other.box[0])
        height = min(bottom, other.box[3]) - max(top, other.box[1])
        if width > 0 and height > 0 and width * height > area / 2:
            return True
    return False


def _scaled(line: OcrLine, factor: float, dx: int = 0, dy: int = 0) -> OcrLine:
    left, top, right, bottom = line.box
    box = (
        int((left + dx) / factor),
        int((top + dy) / factor),
        math.ceil((right + dx) / factor),
        math.ceil((bottom + dy) / factor),
    )
    return OcrLine(line.text, box, line.confidence, line.engine, line.language)


class OcrReader:
    """Reads text in images: RapidOCR first, Tesseract for what it misreads.

    `languages`: Tesseract language codes (e.g. ('rus',)) to read with
    whenever Tesseract is installed, whatever RapidOCR made of the image; by
    default `AUTO_LANGUAGES` are tried, only for suspect lines.
    `use_tesseract=False` keeps RapidOCR alone. Models load on first use
    (about 1.5 s); keep one reader per detector instance."""

    def __init__(
        self,
        languages: Sequence[str] = (),
        *,
        use_tesseract: bool = True,
        tesseract_seconds: float = TESSERACT_SECONDS,
        max_ocr_pixels: int = MAX_OCR_PIXELS,
    ) -> None:
        self.languages = tuple(languages)
        self.use_tesseract = use_tesseract
        self.tesseract_seconds = tesseract_seconds
        self.max_ocr_pixels = max_ocr_pixels
        self._rapid: object | None = None
        self._tesseract: _Tesseract | None = None
        self._tesseract_looked_for = False

    def read(self, data: bytes) -> OcrText:
        loaded = _load(data, self.max_ocr_pixels)
        if isinstance(loaded, str):
            return OcrText((), warnings=(loaded,), readable=False)
        image, width, height, factor, notes = loaded
        try:
            rapid = self._rapid_lines(image)
        except Exception as exc:  # the OCR stack (opencv, onnxruntime) raises many kinds
            log.warning("RapidOCR failed: %s", type(exc).__name__)
            return OcrText((), width, height, (f"OCR failed ({type(exc).__name__})",), False)
        if factor != 1.0:
            notes.append(f"downscaled by {factor:.3f} to {self.max_ocr_pixels} pixels before OCR")
        good = [line for line in rapid if not _suspect(line)]
        suspect = [line for line in rapid if _suspect(line)]
        found: list[OcrLine] = []
        if suspect or self.languages:
            found, more = self._tesseract_lines(image, good, suspect)
            notes.extend(more)
        if self.languages and found:  # the caller named the language: Tesseract reads it all
            lines, alternates = found, rapid
        elif found:
            kept = [line for line in good if not _covered(line, found)]
            lines, alternates = kept + found, suspect
        else:
            lines = [line for line in rapid if line.confidence >= _KEEP_CONFIDENCE]
            alternates = []
        lines.sort(key=lambda line: (line.box[1], line.box[0]))
        engines = sorted({f"{line.engine}:{line.language}".rstrip(":") for line in lines})
        return OcrText(
            tuple(_scaled(line, factor) for line in lines),
            width,
            height,
            tuple(notes),
            alternates=tuple(_scaled(line, factor) for line in alternates),
            engines=tuple(engines),
            scale=round(factor, 6),
        )

    def _rapid_lines(self, image: Image) -> list[OcrLine]:
        if self._rapid is None:
            from rapidocr import RapidOCR

            self._rapid = RapidOCR(
                params={
                    "Global.log_level": "critical",
                    "Global.text_score": 0.0,  # low-confidence lines are judged here
                    "Det.max_candidates": MAX_BOXES,
                }
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._rapid(image)  # type: ignore[operator]
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        boxes = getattr(result, "boxes", None)
        lines = []
        for index, text in enumerate(texts):
            if not str(text).strip():
                continue
            box = (0, 0, image.width, image.height)
            if boxes is not None and index < len(boxes):
                xs = [float(point[0]) for point in boxes[index]]
                ys = [float(point[1]) for point in boxes[index]]
                box = (int(min(xs)), int(min(ys)), math.ceil(max(xs)), math.ceil(max(ys)))
            confidence = float(scores[index]) if index < len(scores) else 0.0
            lines.append(OcrLine(str(text), box, round(confidence, 4)))
        return lines

    def _tesseract_binary(self) -> _Tesseract | None:
        if not self._tesseract_looked_for:
            self._tesseract = _Tesseract.find() if self.use_tesseract else None
            self._tesseract_looked_for = True
        return self._tesseract

    def _candidates(self, tesseract: _Tesseract) -> tuple[list[str], list[str]]:
        """Languages to try (each with English for Latin words mixed in), and
        warnings for asked-for languages that are not installed."""
        wanted = self.languages or AUTO_LANGUAGES
        missing = [lang for lang in wanted if lang not in tesseract.languages]
        english = "+eng" if "eng" in tesseract.languages else ""
        tried = [
            lang if lang == "eng" else lang + english
            for lang in wanted
            if lang in tesseract.languages
        ]
        notes = [f"Tesseract language pack {lang!r} is not installed" for lang in missing]
        return tried, notes if self.languages else []

    def _tesseract_lines(
        self, image: Image, good: list[OcrLine], suspect: list[OcrLine]
    ) -> tuple[list[OcrLine], list[str]]:
        """Tesseract's best reading of what RapidOCR did not read well (boxes
        in `image` pixels), or nothing, with warnings."""
        tesseract = self._tesseract_binary()
        if tesseract is None:
            if not suspect or not self.use_tesseract:
                return [], []
            return [], ["some lines look misread (another script?); Tesseract is not installed"]
        candidates, notes = self._candidates(tesseract)
        if self.languages:
            region, (dx, dy) = image, (0, 0)
        else:
            region, (dx, dy) = _unread_region(image, good, suspect)
        best: tuple[float, list[OcrLine]] = (0.0, [])
        deadline = time.monotonic() + self.tesseract_seconds
        for language in candidates:
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                notes.append(f"Tesseract time budget of {self.tesseract_seconds:.0f} s spent")
                break
            read = tesseract.read(region, language, remaining)
            if isinstance(read, str):
                notes.append(read)
                continue
            named = LANGUAGE_SCRIPTS.get(language.split("+")[0])
            script = frozenset({named}) if named else None  # unknown language: any letter
            own, letters = _support(read, script)
            latin, _ = _support(read, frozenset({"latin"}) - (script or {"latin"}))
            if self.languages:  # the whole image was read: its Latin lines count too
                own, latin = own + latin, 0.0
            lines = [_scaled(line, 1.0, dx, dy) for line in read]
            if own >= _ACCEPT_LETTERS and own >= _ACCEPT_RATIO * letters:
                best = max(best, (own, lines), key=lambda pair: pair[0])
                if own >= _STOP_RATIO * letters:
                    break
            elif latin >= max(_ACCEPT_LETTERS, _LATIN_RATIO * letters) and own < 0.1 * letters:
                best = (latin, lines)
                break
        if not best[1] and suspect:
            notes.append(
                f"{len(suspect)} line(s) look misread and no Tesseract language "
                f"({', '.join(candidates) or 'none installed'}) read them"
            )
        return best[1], notes


def _unread_region(
    image: Image, good: list[OcrLine], suspect: list[OcrLine]
) -> tuple[Image, tuple[int, int]]:
    """The image with the well-read lines painted white, cropped to the
    suspect lines with a margin; and the crop's offset."""
    from PIL import ImageDraw

    masked = image.copy()
    draw = ImageDraw.Draw(masked)
    for line in good:
        left, top, right, bottom = line.box
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill="white")
    margin = max(8, max(line.box[3] - line.box[1] for line in suspect) // 2)
    left = max(0, min(line.box[0] for line in suspect) - margin)
    top = max(0, min(line.box[1] for line in suspect) - margin)
    right = min(image.width, max(line.box[2] for line in suspect) + margin)
    bottom = min(image.height, max(line.box[3] for line in suspect) + margin)
    return masked.crop((left, top, right, bottom)), (left, top)


def _load(data: bytes, max_ocr_pixels: int) -> tuple[Image, int, int, float, list[str]] | str:
    """The image as RGB, downscaled to `max_ocr_pixels`: (image, original
    width, height, scale factor, notes), or why it is refused."""
    from PIL import Image as PilImage

    from vigil.imaging.decode import ImageLimits, ImageProblem, decode_image

    decoded = decode_image(data, ImageLimits(max_pixels=MAX_PIXELS))
    if isinstance(decoded, ImageProblem):
        return decoded.reason
    width, height = decoded.width, decoded.height
    if min(width, height) < MIN_SIDE:
        return f"{width}x{height} pixels is too small to read"
    image = PilImage.fromarray(decoded.rgb)
    factor = 1.0
    if width * height > max_ocr_pixels:
        factor = math.sqrt(max_ocr_pixels / (width * height))
        size = (max(1, int(width * factor)), max(1, int(height * factor)))
        image = image.resize(size, PilImage.Resampling.LANCZOS)
    return image, width, height, factor, list(decoded.warnings)
