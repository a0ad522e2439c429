"""PDQ: Meta's 256-bit perceptual image hash, through the `pdqhash` package.

The image is decoded with Pillow, its EXIF orientation applied, converted to
RGB and hashed at full resolution (as the reference C++ and Python tools
do; images over `max_side` pixels on a side are first box-reduced, which
moves a hash by a few bits). PDQ reports a quality 0..100; below 50 the
hash is noise and `hash` returns None. Two images match at Hamming distance
<= 31 (pytx's and HMA's default).

Decompression bombs: an image over Pillow's MAX_IMAGE_PIXELS (or the
`max_pixels` given) raises UnhashableInput(kind="too_large") before it is
decoded. A truncated file gives no hash and a reason, not an exception.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from vigil.signals.base import SignalExample, SignalType, UnhashableInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL import Image as PILImage

    from vigil.signals.hamming import LinearScanIndex, MultiIndexHashIndex

__all__ = [
    "MIN_QUALITY",
    "PdqHash",
    "PdqSignal",
    "hamming_hex",
    "pdq_from_rgb",
    "validate_hex256",
]

MIN_QUALITY = 50
_HEX = frozenset("0123456789abcdef")
_DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's default, used if the global is None


def validate_hex256(value: str) -> str:
    """Lower-case 64-digit hex, or ValueError."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if len(text) != 64 or not _HEX.issuperset(text):
        raise ValueError(f"not a 256-bit hash (64 hex digits): {value!r}")
    return text


def hamming_hex(a: str, b: str) -> int:
    """Hamming distance between two 64-digit hex hashes."""
    return (int(validate_hex256(a), 16) ^ int(validate_hex256(b), 16)).bit_count()


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ result: `value` is None when the hash is unusable, `reason` says why.

    `raw` keeps the computed hash even when quality is too low (for review,
    never for matching).
    """

    value: str | None
    quality: int
    reason: str = ""
    raw: str | None = None


def pdq_from_rgb(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """(hex hash, quality) of an H x W x 3 uint8 RGB array."""
    import numpy as np
    import pdqhash

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("expected an H x W x 3 uint8 RGB array")
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return bytes(packed.tobytes()).hex(), int(quality)


class PdqSignal(SignalType):
    """PDQ of a still image (the first frame of an animation)."""

    name: ClassVar[str] = "pdq"
    version: ClassVar[str] = "1.0.0"
    media_types: ClassVar[tuple[str, ...]] = ("image/*",)
    match_threshold: ClassVar[int] = 31
    max_distance: ClassVar[int] = 256
    requires: ClassVar[tuple[str, ...]] = ("pdqhash", "numpy", "PIL")
    install_hint: ClassVar[str] = "pip install 'vigil-forensics[image]'"

    def __init__(
        self,
        *,
        min_quality: int = MIN_QUALITY,
        max_pixels: int | None = None,
        max_side: int = 4096,
    ) -> None:
        self.min_quality = min_quality
        self.max_pixels = max_pixels
        self.max_side = max_side

    # -- hashing ------------------------------------------------------------
    def hash(self, stream: BinaryIO) -> str | None:
        return self.hash_with_quality(stream).value

    def hash_with_quality(self, stream: BinaryIO) -> PdqHash:
        """Hash, quality and (when unusable) the reason."""
        try:
            image = self._open(stream)
            try:
                rgb = self._decode(image)
            finally:
                image.close()
        except _Truncated as exc:
            return PdqHash(None, 0, str(exc))
        value, quality = pdq_from_rgb(rgb)
        if quality < self.min_quality:
            reason = f"PDQ quality {quality} is below {self.min_quality}"
            return PdqHash(None, quality, reason, value)
        return PdqHash(value, quality, "", value)

    def hash_image(self, image: PILImage.Image) -> PdqHash:
        """Hash an already opened Pillow image (no size checks are made)."""
        value, quality = pdq_from_rgb(self._to_rgb(image))
        if quality < self.min_quality:
            reason = f"PDQ quality {quality} is below {self.min_quality}"
            return PdqHash(None, quality, reason, value)
        return PdqHash(value, quality, "", value)

    def _limit(self) -> int:
        from PIL import Image

        if self.max_pixels is not None:
            return self.max_pixels
        return Image.MAX_IMAGE_PIXELS or _DEFAULT_MAX_PIXELS

    def _open(self, stream: BinaryIO) -> PILImage.Image:
        from PIL import Image, UnidentifiedImageError

        source: BinaryIO = stream
        if not _seekable(stream):
            source = io.BytesIO(stream.read())
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(source)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnhashableInput(f"image too large: {exc}", "too_large") from exc
        except UnidentifiedImageError as exc:
            raise UnhashableInput("not an image Pillow can read", "unsupported") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise UnhashableInput(f"unreadable image: {exc}", "unreadable") from exc
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > self._limit():
            image.close()
            raise UnhashableInput(
                f"image of {width}x{height} pixels is over the limit of {self._limit()}",
                "too_large",
            )
        return image

    def _decode(self, image: PILImage.Image) -> npt.NDArray[np.uint8]:
        from PIL import Image

        longest = max(image.size)
        if longest > self.max_side and image.format == "JPEG":
            image.draft("RGB", (image.size[0] // 2, image.size[1] // 2))
        try:
            image.load()
        except OSError as exc:
            if "truncated" in str(exc).lower():
                raise _Truncated(f"truncated image: {exc}") from exc
            raise UnhashableInput(f"unreadable image data: {exc}", "unreadable") from exc
        except (SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise UnhashableInput(f"unreadable image data: {exc}", "unreadable") from exc
        if max(image.size) > self.max_side:
            image = image.reduce(math.ceil(max(image.size) / self.max_side))
        return self._to_rgb(image)

    def _to_rgb(self, image: PILImage.Image) -> npt.NDArray[np.uint8]:
        import numpy as np
        from PIL import Image, ImageOps

        try:
            oriented = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError, KeyError, TypeError):
            oriented = image  # malformed EXIF: hash as stored
        if oriented is None:  # pragma: no cover - only with in_place=True
            oriented = image
        if oriented.mode in ("I", "F") or oriented.mode.startswith("I;16"):
            values = np.asarray(oriented, dtype=np.float64)
            span = float(values.max() - values.min()) or 1.0
            scaled = ((values - values.min()) * (255.0 / span)).astype(np.uint8)
            oriented = Image.fromarray(scaled)
        return np.asarray(oriented.convert("RGB"), dtype=np.uint8)

    # -- comparing -------------------------------------------------------------
    def validate(self, value: str) -> str:
        return validate_hex256(value)

    def distance(self, a: str, b: str) -> int:
        return hamming_hex(a, b)

    def reference_index(self) -> LinearScanIndex:
        from vigil.signals.hamming import LinearScanIndex

        return LinearScanIndex(self.name, 256)

    def new_index(self) -> MultiIndexHashIndex:
        from vigil.signals.hamming import MultiIndexHashIndex

        return MultiIndexHashIndex(self.name, 256)

    def examples(self) -> list[SignalExample]:
        return [
            SignalExample(
                "rings-and-bars", _example_png(0), "image/png", _EXAMPLE_HASHES[0], tolerance=8
            ),
            SignalExample(
                "checker-and-ramp", _example_png(1), "image/png", _EXAMPLE_HASHES[1], tolerance=8
            ),
            SignalExample("flat-grey", _flat_png(), "image/png", None),
        ]


class _Truncated(Exception):
    pass


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


_EXAMPLE_HASHES = (
    "c42938b6318eeeb6c639ceb631ae38b6c429ce32002ebbf111bfeec1eed05149",
    "6328fcaa0355035503550355035503550355fcaafcaafcaafcaafcaafcaafcaa",
)


def _example_png(kind: int) -> bytes:
    """A deterministic 160x120 test card, made with numpy only."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:120, 0:160].astype(np.float64)
    if kind == 0:
        rings = 127.5 + 127.5 * np.sin(np.hypot(x - 60, y - 50) / 6.0)
        bars = np.where((x // 20) % 2 == 0, 40.0, 215.0)
        rgb = np.stack([rings, bars, (rings + bars) / 2], axis=-1)
    else:
        checker = np.where(((x // 16) + (y // 16)) % 2 == 0, 30.0, 225.0)
        ramp = x * 255.0 / 159.0
        rgb = np.stack([checker, ramp, 255.0 - ramp], axis=-1)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _flat_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(out, format="PNG")
    return out.getvalue()
