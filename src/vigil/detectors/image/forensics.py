"""Classical forensics for `image.edited`: JPEG quantisation tables and a
double-compression estimate (JPEG only), and error-level analysis with a
noise-residual inconsistency map as heatmap artefacts.

Two findings per decodable image; both are weak evidence and say so. The
noise/ELA finding is never negative: a clean map does not clear an image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, JsonValue, Status, Verdict
from vigil.imaging import (
    DecodedImage,
    ImageLimits,
    ImageMetadata,
    ImageProblem,
    decode_image,
    read_bounded,
    read_metadata,
)

__all__ = ["ImageForensicsDetector", "ImageForensicsOptions"]

LABEL = "image.edited"
JPEG_THRESHOLD = 0.8
JPEG_NEGATIVE_BELOW = 0.2
DOUBLE_JPEG_LEVEL = 0.55
"""Histogram roughness above which double compression is called (model card)."""
NOISE_THRESHOLD = 0.85
NOISE_FULL_SCALE = 9.5
"""99th-percentile |z| of block noise that maps to score 1.0 (model card)."""
_EDITORS = re.compile(
    r"photoshop|gimp|lightroom|snapseed|affinity|pixelmator|paint\.net|picsart|facetune|"
    r"canva|fotor|luminar|capture one|darktable|rawtherapee|photopea|meitu|airbrush",
    re.IGNORECASE,
)


class ImageForensicsOptions(DetectorOptions):
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    max_pixels: int = Field(default=60_000_000, ge=1, le=400_000_000)
    ela_quality: int = Field(default=90, ge=50, le=99)
    heatmaps: bool = True
    """Attach ELA and noise heatmaps as PNG artefacts."""


class ImageForensicsDetector(Detector):
    name = "image_forensics"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:forensics.md"
    requires = ("PIL", "numpy")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageForensicsOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageForensicsOptions)
        data = read_bounded(item, opts.max_bytes)
        if isinstance(data, ImageProblem):
            yield Finding.problem(LABEL, data.status, data.reason)
            return
        decoded = decode_image(
            data, ImageLimits(max_bytes=opts.max_bytes, max_pixels=opts.max_pixels)
        )
        if isinstance(decoded, ImageProblem):
            yield Finding.problem(LABEL, decoded.status, decoded.reason)
            return
        meta = read_metadata(data)
        if meta.format == "JPEG":
            yield _jpeg_finding(decoded, meta)
        yield _noise_finding(decoded, opts)

    @classmethod
    def examples(cls) -> list[Example]:
        from vigil.imaging.samples import plain_png

        return [
            Example(
                "small gradient PNG: nothing to flag, nothing cleared",
                plain_png(128, 128),
                "gradient.png",
                "image/png",
                LABEL,
                Verdict.INCONCLUSIVE,
            ),
            Example(
                "JPEG saved twice at different qualities",
                _double_jpeg(),
                "resaved.jpg",
                "image/jpeg",
                LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "JPEG saved once",
                _single_jpeg(),
                "once.jpg",
                "image/jpeg",
                LABEL,
                Verdict.NEGATIVE,
            ),
        ]


def _scene() -> object:
    import numpy as np
    from PIL import Image

    from vigil.imaging.samples import copy_move_scene

    png, _, _ = copy_move_scene(384, 288, seed=3)
    import io

    return Image.fromarray(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))


def _single_jpeg() -> bytes:
    import io

    from PIL import Image

    image = _scene()
    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _double_jpeg() -> bytes:
    import io

    from PIL import Image

    image = _scene()
    assert isinstance(image, Image.Image)
    first = io.BytesIO()
    image.save(first, "JPEG", quality=55)
    again = Image.open(io.BytesIO(first.getvalue())).convert("RGB")
    out = io.BytesIO()
    again.save(out, "JPEG", quality=90)
    return out.getvalue()


def _jpeg_finding(decoded: DecodedImage, meta: ImageMetadata) -> Finding:
    from vigil.imaging.forensics import double_compression_score, quant_analysis

    assert meta.jpeg is not None
    tables = quant_analysis(meta.jpeg)
    if tables is None:
        return Finding.problem(
            LABEL, Status.UNREADABLE, "The JPEG has no luminance quantisation table to analyse."
        )
    dc, per_position = double_compression_score(decoded.rgb, meta.jpeg.quant_tables[0].values)
    software = meta.exif.get("Software", "")
    make = meta.exif.get("Make", "")
    reasons: list[str] = []
    dc_part = min(1.0, max(0.0, (dc - 0.3) / (DOUBLE_JPEG_LEVEL - 0.3))) * 0.85
    if dc >= DOUBLE_JPEG_LEVEL:
        dc_part = max(dc_part, 0.85)
        reasons.append(f"DCT histograms look double-compressed (roughness {dc:.2f})")
    side = 0.0
    if software and _EDITORS.search(software):
        side = 0.5
        reasons.append(f"EXIF Software names an editor ({software[:60]})")
    elif make and tables.family == "ijg":
        side = 0.45
        reasons.append(
            f"EXIF names a camera ({make[:40]}) but the tables are libjpeg's at quality "
            f"{tables.luma_quality} (re-saved by software, or a phone using libjpeg tables)"
        )
    score = round(max(dc_part, side), 3)
    details: dict[str, JsonValue] = {
        "method": "jpeg_quantisation",
        "double_compression_roughness": round(dc, 4),
        "roughness_per_position": [round(v, 4) for v in per_position],
        "table_family": tables.family,
        "luma_ijg_quality": tables.luma_quality,
        "luma_table_error": round(tables.luma_error, 3),
        "chroma_ijg_quality": tables.chroma_quality,
        "exif_software": software[:200],
        "exif_make": make[:100],
        "exif_model": meta.exif.get("Model", "")[:100],
        "progressive": meta.jpeg.progressive,
    }
    if reasons:
        text = "JPEG history: " + "; ".join(reasons) + "."
    else:
        text = (
            f"JPEG history shows one compression ({tables.family} tables, nearest libjpeg quality "
            f"{tables.luma_quality}) and no editor named; this method finds no sign of re-saving."
        )
    return Finding.scored(
        LABEL, score, JPEG_THRESHOLD, text, negative_below=JPEG_NEGATIVE_BELOW, details=details
    )


def _noise_finding(decoded: DecodedImage, opts: ImageForensicsOptions) -> Finding:
    import numpy as np

    from vigil.imaging.forensics import error_level_map, noise_inconsistency
    from vigil.imaging.heatmap import heatmap_png

    rgb = decoded.rgb
    noise_map, p99, blocks = noise_inconsistency(rgb)
    details: dict[str, JsonValue] = {
        "method": "noise_residual_and_ela",
        "noise_p99_abs_z": round(p99, 3),
        "blocks": blocks,
        "ela_quality": opts.ela_quality,
        "decode_warnings": list(decoded.warnings),
    }
    artefacts: tuple[Artefact, ...] = ()
    if opts.heatmaps:
        ela = error_level_map(rgb, opts.ela_quality)
        details["ela_mean"] = round(float(ela.mean()), 4)
        artefacts = (
            Artefact("error_level_analysis.png", "image/png", heatmap_png(ela, rgb, alpha=0.75)),
            Artefact("noise_inconsistency.png", "image/png", heatmap_png(noise_map, rgb)),
        )
    if blocks == 0:
        return Finding.scored(
            LABEL,
            0.0,
            NOISE_THRESHOLD,
            "The image is too small for a noise-consistency map (under 96 px a side).",
            negative_below=0.0,
            artefacts=artefacts,
            details=details,
        )
    score = round(float(np.clip(p99 / NOISE_FULL_SCALE, 0.0, 1.0)), 3)
    if score >= NOISE_THRESHOLD:
        text = (
            f"Some regions differ strongly in noise level from the rest (99th percentile |z| "
            f"{p99:.1f}); see the noise and ELA heatmaps for where."
        )
    else:
        text = (
            f"No strong noise-level inconsistency (99th percentile |z| {p99:.1f}); the heatmaps "
            "are for inspection and do not clear the image."
        )
    return Finding.scored(
        LABEL,
        score,
        NOISE_THRESHOLD,
        text,
        negative_below=0.0,
        artefacts=artefacts,
        details=details,
    )
