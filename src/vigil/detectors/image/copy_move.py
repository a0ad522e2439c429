"""Copy-move (cloning inside one image) for `image.edited`: SIFT keypoints
matched against the same image, RANSAC transforms, dense verification; the
cloned source and target regions are shown as a red mask artefact and each
region's box is a pixel_box locator in the details."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Artefact, Finding, JsonValue, Verdict
from vigil.imaging import DecodedImage, ImageProblem, read_and_decode

__all__ = ["ImageCopyMoveDetector", "ImageCopyMoveOptions"]

LABEL = "image.edited"
THRESHOLD = 0.7
NEGATIVE_BELOW = 0.3
MIN_KEYPOINTS = 300
"""Below this many keypoints a clean result says little (flat or tiny images)."""


class ImageCopyMoveOptions(DetectorOptions):
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    max_pixels: int = Field(default=60_000_000, ge=1, le=400_000_000)
    max_side: int = Field(default=1280, ge=128, le=8192)
    """The image is downscaled to this many pixels a side before matching."""
    max_keypoints: int = Field(default=4000, ge=100, le=20_000)
    min_inliers: int = Field(default=8, ge=4, le=1000)


class ImageCopyMoveDetector(Detector):
    name = "image_copy_move"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:copy_move.md"
    requires = ("PIL", "numpy", "cv2")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageCopyMoveOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageCopyMoveOptions)
        decoded = read_and_decode(item, opts.max_bytes, opts.max_pixels)
        if isinstance(decoded, ImageProblem):
            yield Finding.problem(LABEL, decoded.status, decoded.reason)
            return
        yield _finding(decoded, opts)

    @classmethod
    def examples(cls) -> list[Example]:
        from vigil.imaging.samples import copy_move_scene

        cloned, _, _ = copy_move_scene()
        clean = _without_clone()
        return [
            Example(
                "scene with a copy-moved patch",
                cloned,
                "scene.png",
                "image/png",
                LABEL,
                Verdict.POSITIVE,
            ),
            Example(
                "same scene, untouched", clean, "clean.png", "image/png", LABEL, Verdict.NEGATIVE
            ),
        ]


def _without_clone() -> bytes:
    """The example scene before its patch was pasted (same generator, no paste)."""
    import io

    import numpy as np
    from PIL import Image

    from vigil.imaging.samples import copy_move_scene

    png, box, target = copy_move_scene()
    base, _, _ = copy_move_scene(seed=8)
    # paste the other scene's pixels back over the clone target: no repetition remains
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).copy()
    other = np.asarray(Image.open(io.BytesIO(base)).convert("RGB"))
    x, y, w, h = target[0], target[1], box[2], box[3]
    image[y : y + h, x : x + w] = other[y : y + h, x : x + w]
    out = io.BytesIO()
    Image.fromarray(image).save(out, "PNG")
    return out.getvalue()


def _finding(decoded: DecodedImage, opts: ImageCopyMoveOptions) -> Finding:
    import cv2
    import numpy as np

    from vigil.imaging.copy_move import detect_copy_move
    from vigil.imaging.heatmap import mask_png

    result = detect_copy_move(
        decoded.rgb,
        max_side=opts.max_side,
        max_keypoints=opts.max_keypoints,
        min_inliers=opts.min_inliers,
    )
    regions = result.regions
    details: dict[str, JsonValue] = {
        "method": "copy_move_sift",
        "keypoints": result.keypoints,
        "candidate_pairs": result.candidate_pairs,
        "regions": [
            {
                "inliers": r.inliers,
                "source_box": list(r.source_box),
                "target_box": list(r.target_box),
                "pixel_box": ",".join(str(v) for v in r.target_box),
                "area_px": r.area,
                "transform": [list(row) for row in r.matrix],
            }
            for r in regions
        ],
    }
    if regions:
        best = max(r.inliers for r in regions)
        # 8 inliers (the minimum) scores 0.7; 40 or more scores 1.0
        score = round(min(1.0, 0.7 + 0.3 * (best - opts.min_inliers) / 32), 3)
        assert result.mask is not None
        mask = result.mask
        if result.scale < 1.0:
            h, w = decoded.rgb.shape[:2]
            mask = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        art = Artefact("copy_move_mask.png", "image/png", mask_png(mask, decoded.rgb))
        share = float(mask.mean())
        details["mask_fraction"] = round(share, 5)
        first = regions[0]
        return Finding.scored(
            LABEL,
            score,
            THRESHOLD,
            f"{len(regions)} region(s) appear cloned inside the image (strongest: {best} matching "
            f"keypoints, copied from around x={first.source_box[0]}, y={first.source_box[1]} to "
            f"x={first.target_box[0]}, y={first.target_box[1]}); see the red mask.",
            negative_below=NEGATIVE_BELOW,
            artefacts=(art,),
            details=details,
        )
    if result.keypoints < MIN_KEYPOINTS:
        return Finding.scored(
            LABEL,
            0.5,
            THRESHOLD,
            f"No cloned region found, but the image has only {result.keypoints} keypoints "
            "(flat or small), so cloning could be missed.",
            negative_below=NEGATIVE_BELOW,
            details=details,
        )
    return Finding.scored(
        LABEL,
        0.1,
        THRESHOLD,
        f"No cloned region found among {result.keypoints} keypoints (copy-move only; other "
        "edits are not examined here).",
        negative_below=NEGATIVE_BELOW,
        details=details,
    )
