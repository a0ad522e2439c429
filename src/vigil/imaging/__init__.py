"""Shared image handling for the image detectors: bounded reading, safe
decoding with decompression-bomb limits, metadata parsers (JPEG segments,
PNG chunks, EXIF, XMP) and heatmap rendering.

Pillow and NumPy are imported inside the functions that need them, so this
package imports with the standard library alone.
"""

from vigil.imaging.decode import (
    DecodedImage,
    ImageLimits,
    ImageProblem,
    decode_image,
    read_and_decode,
    read_bounded,
)
from vigil.imaging.metadata import ImageMetadata, read_metadata, sniff_format, xmp_fields

__all__ = [
    "DecodedImage",
    "ImageLimits",
    "ImageMetadata",
    "ImageProblem",
    "decode_image",
    "read_and_decode",
    "read_bounded",
    "read_metadata",
    "sniff_format",
    "xmp_fields",
]
