"""Copy-move (cloning) detection: SIFT keypoints matched against the same
image (generalised 2-nearest-neighbour test), pairs grouped by RANSAC into
affine transforms, and each transform verified densely: pixels whose
neighbourhood equals the transformed neighbourhood, near the matched
keypoints, form the mask (source and pasted target both).

Needs opencv-python-headless (< 5) and NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["CloneRegion", "CopyMoveResult", "detect_copy_move"]


@dataclass(frozen=True, slots=True)
class CloneRegion:
    matrix: tuple[tuple[float, ...], ...]
    """2x3 affine transform from source to target, in pixels."""
    inliers: int
    source_box: tuple[int, int, int, int]
    target_box: tuple[int, int, int, int]
    """(x, y, width, height) of the keypoints on each side."""
    area: int
    """Pixels marked by dense verification for this transform (both sides)."""


@dataclass(slots=True)
class CopyMoveResult:
    keypoints: int
    candidate_pairs: int
    regions: list[CloneRegion] = field(default_factory=list)
    mask: NDArray[np.bool_] | None = None
    scale: float = 1.0
    """Working image size / original size."""


def _gray(rgb: NDArray[np.uint8], max_side: int) -> tuple[NDArray[np.uint8], float]:
    import cv2
    import numpy as np

    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return np.asarray(grey, dtype=np.uint8), scale


def detect_copy_move(
    rgb: NDArray[np.uint8],
    *,
    max_side: int = 1280,
    max_keypoints: int = 4000,
    ratio: float = 0.5,
    min_distance: float = 24.0,
    min_inliers: int = 8,
    max_regions: int = 4,
    contrast: float = 0.01,
    agree_level: float = 7.0,
) -> CopyMoveResult:
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    grey, scale = _gray(rgb, max_side)
    sift = cv2.SIFT_create(  # type: ignore[attr-defined]
        nfeatures=max_keypoints, contrastThreshold=contrast
    )
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    result = CopyMoveResult(keypoints=len(keypoints), candidate_pairs=0, scale=scale)
    result.mask = np.zeros(grey.shape, dtype=bool)
    if descriptors is None or len(keypoints) < 10:
        return result
    points = np.array([k.pt for k in keypoints], dtype=np.float32)
    k = min(6, len(keypoints))
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    pairs: set[tuple[int, int]] = set()
    for row in matcher.knnMatch(descriptors, descriptors, k=k):
        # row[0] is the keypoint itself; generalised 2NN: accept while d_i / d_(i+1) < ratio
        for i in range(1, len(row) - 1):
            if row[i + 1].distance <= 0 or row[i].distance / row[i + 1].distance >= ratio:
                break
            a, b = row[i].queryIdx, row[i].trainIdx
            if a != b and np.linalg.norm(points[a] - points[b]) >= min_distance:
                pairs.add((min(a, b), max(a, b)))
    result.candidate_pairs = len(pairs)
    if len(pairs) < min_inliers:
        return result
    ordered = []
    for a, b in pairs:
        pa, pb = points[a], points[b]
        # orient every pair the same way so one transform explains a clone
        if (pa[0], pa[1]) > (pb[0], pb[1]):
            pa, pb = pb, pa
        ordered.append((pa, pb))
    src = np.array([p[0] for p in ordered], dtype=np.float32)
    dst = np.array([p[1] for p in ordered], dtype=np.float32)
    remaining = np.ones(len(src), dtype=bool)
    for _ in range(max_regions):
        if remaining.sum() < min_inliers:
            break
        idx = np.flatnonzero(remaining)
        matrix, inlier_flags = cv2.estimateAffinePartial2D(
            src[idx],
            dst[idx],
            method=cv2.RANSAC,
            ransacReprojThreshold=4.0,
            maxIters=2000,
            confidence=0.995,
        )
        if matrix is None or inlier_flags is None:
            break
        inliers = idx[inlier_flags.ravel().astype(bool)]
        if len(inliers) < min_inliers:
            break
        remaining[inliers] = False
        region_mask = _verify(
            grey, np.asarray(matrix, dtype=np.float64), src[inliers], dst[inliers], agree_level
        )
        area = int(region_mask.sum())
        if area == 0:
            continue
        result.mask |= region_mask
        result.regions.append(
            CloneRegion(
                matrix=tuple(tuple(float(v) for v in r) for r in matrix),
                inliers=len(inliers),
                source_box=_box(src[inliers], scale),
                target_box=_box(dst[inliers], scale),
                area=int(area / (scale * scale)),
            )
        )
    return result


def _box(pts: NDArray[np.float32], scale: float) -> tuple[int, int, int, int]:
    x0, y0 = pts.min(axis=0) / scale
    x1, y1 = pts.max(axis=0) / scale
    return int(x0), int(y0), int(x1 - x0) + 1, int(y1 - y0) + 1


def _verify(
    grey: NDArray[np.uint8],
    matrix: NDArray[np.float64],
    src: NDArray[np.float32],
    dst: NDArray[np.float32],
    agree_level: float,
) -> NDArray[np.bool_]:
    """Pixels where the image agrees with its transformed self (target side)
    or with its inverse-transformed self (source side), near the keypoints."""
    import cv2
    import numpy as np

    h, w = grey.shape
    img = grey.astype(np.float32)
    inverse = cv2.invertAffineTransform(matrix)
    # warped_fwd(x) = img(T^-1 x): at target pixels it shows the source content
    warped_fwd = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=-1000)
    warped_back = cv2.warpAffine(img, inverse, (w, h), flags=cv2.INTER_LINEAR, borderValue=-1000)
    local_var = cv2.blur(img * img, (7, 7)) - cv2.blur(img, (7, 7)) ** 2
    textured = local_var > 4.0
    masks = []
    for warped, pts in ((warped_fwd, dst), (warped_back, src)):
        diff = cv2.blur(np.abs(img - warped), (7, 7))
        agree = (diff < agree_level) & textured
        near = np.zeros((h, w), dtype=np.uint8)
        hull = cv2.convexHull(pts.astype(np.int32))
        cv2.fillConvexPoly(near, hull, 1)
        near = cv2.dilate(near, np.ones((41, 41), np.uint8)).astype(bool)
        masks.append(agree & near)
    shift = float(np.hypot(matrix[0, 2], matrix[1, 2]))
    if shift < 4.0:
        return np.zeros((h, w), dtype=bool)
    mask = (masks[0] | masks[1]).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    # drop specks: keep connected parts of at least 0.05 % of the image
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros((h, w), dtype=bool)
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] >= max(64, h * w // 2000):
            keep |= labels == label
    return keep
