"""Bounded reading and safe decoding of images.

Limits are checked from the header before any pixel is decoded (file size,
width, height, pixel count), so a decompression bomb is refused without
allocating its pixels. Broken ICC profiles and EXIF never stop decoding:
pixels are taken as stored (no colour management, no EXIF rotation, so
forensic maps line up with the stored grid) and the problems are reported.
Every failure is an `ImageProblem` with a Vigil status, never an exception.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Status

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "read_and_decode",
    "DecodedImage",
    "ImageLimits",
    "ImageProblem",
    "decode_image",
    "read_bounded",
]

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int = 64 << 20
    max_pixels: int = 60_000_000
    max_side: int = 20_000
    max_frames: int = 1
    """Only the first frame of animations is decoded."""


@dataclass(frozen=True, slots=True)
class ImageProblem:
    status: Status
    reason: str


@dataclass(frozen=True, slots=True)
class DecodedImage:
    rgb: NDArray[np.uint8]
    """Height x width x 3, as stored (no EXIF rotation, no ICC conversion)."""
    format: str
    mode: str
    width: int
    height: int
    has_alpha: bool
    icc_profile: bytes | None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def read_bounded(item: EvidenceView, max_bytes: int) -> bytes | ImageProblem:
    """The item's bytes in 1 MiB chunks, or a problem when it is empty or too large."""
    if item.size > max_bytes:
        return ImageProblem(
            Status.UNSUPPORTED, f"The item is {item.size} bytes, over the {max_bytes}-byte limit."
        )
    parts: list[bytes] = []
    total = 0
    with item.open() as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                return ImageProblem(
                    Status.UNSUPPORTED, f"The item is over the {max_bytes}-byte limit."
                )
    data = b"".join(parts)
    if not data:
        return ImageProblem(Status.UNREADABLE, "The item is empty.")
    return data


def read_and_decode(
    item: EvidenceView, max_bytes: int, max_pixels: int
) -> DecodedImage | ImageProblem:
    """An item's pixels within the byte and pixel caps, or why not."""
    data = read_bounded(item, max_bytes)
    if isinstance(data, ImageProblem):
        return data
    return decode_image(data, ImageLimits(max_bytes=max_bytes, max_pixels=max_pixels))


def decode_image(data: bytes, limits: ImageLimits = ImageLimits()) -> DecodedImage | ImageProblem:
    """Decode the first frame to 8-bit RGB within `limits`."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    notes: list[str] = []
    if len(data) > limits.max_bytes:
        return ImageProblem(Status.UNSUPPORTED, f"Over the {limits.max_bytes}-byte limit.")
    try:
        with warnings.catch_warnings(record=True) as caught:
            # Pillow's warnings (corrupt EXIF, its own bomb check) become notes;
            # our pixel limit is checked below, before any decoding
            warnings.simplefilter("always")
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width <= 0 or height <= 0:
                return ImageProblem(Status.UNREADABLE, "The image header gives no size.")
            if width > limits.max_side or height > limits.max_side:
                return ImageProblem(
                    Status.UNSUPPORTED,
                    f"The header declares {width}x{height} pixels, over the "
                    f"{limits.max_side}-pixel side limit (possible decompression bomb).",
                )
            if width * height > limits.max_pixels:
                return ImageProblem(
                    Status.UNSUPPORTED,
                    f"The header declares {width}x{height} = {width * height} pixels, over the "
                    f"{limits.max_pixels}-pixel limit (possible decompression bomb).",
                )
            fmt = image.format or "UNKNOWN"
            mode = image.mode
            icc = _icc(image, notes)
            if getattr(image, "n_frames", 1) > limits.max_frames:
                notes.append("only the first frame was analysed")
            image.load()
            has_alpha = "A" in image.getbands() or "transparency" in image.info
            rgb = np.asarray(_to_rgb(image), dtype=np.uint8)
        for warning in caught[:10]:
            if not issubclass(warning.category, Image.DecompressionBombWarning):
                notes.append(f"decoder warning: {str(warning.message)[:200]}")
    except Image.DecompressionBombError as exc:
        return ImageProblem(Status.UNSUPPORTED, f"Refused as a decompression bomb: {exc}.")
    except UnidentifiedImageError:
        return ImageProblem(Status.UNREADABLE, "The bytes are not an image Pillow can identify.")
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError) as exc:
        # truncated data, broken chunks, bad headers, unsupported modes
        return ImageProblem(Status.UNREADABLE, f"The image could not be decoded: {exc}.")
    except (MemoryError, RuntimeError, TypeError, ZeroDivisionError) as exc:
        return ImageProblem(Status.UNREADABLE, f"The decoder failed: {type(exc).__name__}.")
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        return ImageProblem(Status.UNREADABLE, "The decoded pixels have an unexpected shape.")
    return DecodedImage(
        rgb=np.ascontiguousarray(rgb),
        format=fmt,
        mode=mode,
        width=width,
        height=height,
        has_alpha=has_alpha,
        icc_profile=icc,
        warnings=tuple(notes),
    )


def _icc(image: object, notes: list[str]) -> bytes | None:
    info = getattr(image, "info", {})
    icc = info.get("icc_profile") if isinstance(info, dict) else None
    if not icc:
        return None
    if not isinstance(icc, bytes):
        notes.append("the ICC profile is not a byte string and was ignored")
        return None
    # a valid profile starts with its own size and has 'acsp' at offset 36
    declared = int.from_bytes(icc[:4], "big") if len(icc) >= 4 else -1
    if len(icc) < 128 or icc[36:40] != b"acsp" or declared != len(icc):
        notes.append("the embedded ICC profile is malformed; pixels were read as stored")
    return icc


def _to_rgb(image: object) -> object:
    from PIL import Image

    assert isinstance(image, Image.Image)
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        import numpy as np

        arr = np.asarray(image, dtype=np.float64)
        top = float(arr.max()) or 1.0
        grey = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(np.stack([grey] * 3, axis=-1))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
