"""Heatmaps as PNG bytes: a [0, 1] map coloured and laid over the grey image."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["heatmap_png", "mask_png"]

_STOPS = ((0.0, (0, 0, 4)), (0.35, (120, 28, 109)), (0.65, (237, 105, 37)), (1.0, (252, 255, 164)))
"""An inferno-like ramp: dark = nothing, yellow = strongest."""
_MAX_SIDE = 768


def _colour(values: NDArray[np.float64]) -> NDArray[np.uint8]:
    import numpy as np

    xs = [s[0] for s in _STOPS]
    channels = [np.interp(values, xs, [s[1][c] for s in _STOPS]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


def heatmap_png(
    values: NDArray[np.floating], base_rgb: NDArray[np.uint8] | None = None, alpha: float = 0.6
) -> bytes:
    """PNG of `values` (any shape; NaN = 0, clipped to [0, 1]) at the size of
    `base_rgb` (when given, blended over its grey version), at most 768 px a side."""
    import numpy as np
    from PIL import Image

    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    v = np.clip(v, 0.0, 1.0)
    if base_rgb is not None:
        height, width = base_rgb.shape[:2]
    else:
        height, width = v.shape
    scale = min(1.0, _MAX_SIDE / max(height, width, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grid = Image.fromarray((v * 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)
    lut = _colour(np.arange(256, dtype=np.float64) / 255.0)
    coloured = lut[np.asarray(grid, dtype=np.uint8)]
    if base_rgb is not None:
        grey = Image.fromarray(base_rgb).convert("L").resize(size, Image.Resampling.BILINEAR)
        g = np.asarray(grey, dtype=np.float32)[..., None]
        coloured = (alpha * coloured.astype(np.float32) + (1 - alpha) * g).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(coloured).save(out, "PNG", compress_level=1)
    return out.getvalue()


def mask_png(mask: NDArray[np.bool_], base_rgb: NDArray[np.uint8]) -> bytes:
    """PNG of the image with `mask` pixels tinted red, at most 768 px a side."""
    import numpy as np
    from PIL import Image

    tinted = base_rgb.astype(np.float64).copy()
    red = np.array([255.0, 0.0, 0.0])
    tinted[mask] = 0.45 * tinted[mask] + 0.55 * red
    image = Image.fromarray(tinted.astype(np.uint8))
    height, width = base_rgb.shape[:2]
    scale = min(1.0, _MAX_SIDE / max(height, width, 1))
    if scale < 1.0:
        image = image.resize((round(width * scale), round(height * scale)))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()
