"""Classical image forensics in NumPy: error-level analysis, a noise-residual
inconsistency map, blockwise DCT statistics for a double-JPEG-compression
estimate, and quantisation-table analysis.

These are visual aids and weak evidence: each returns numbers and maps, the
detectors decide how much to claim (see the model cards).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.imaging.jpeg import IJG_CHROMA, IJG_LUMA, JpegInfo, estimate_ijg_quality

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "QuantAnalysis",
    "double_compression_score",
    "error_level_map",
    "luma",
    "noise_inconsistency",
    "quant_analysis",
]


def luma(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    import numpy as np

    arr = rgb.astype(np.float64)
    return 0.299 * arr[..., 0] + 0.587 * arr[..., 1] + 0.114 * arr[..., 2]


def error_level_map(rgb: NDArray[np.uint8], quality: int = 90) -> NDArray[np.float64]:
    """|image - JPEG(image, quality)|, mean over channels, scaled to [0, 1] by
    its 99.5th percentile (so the map shows relative levels)."""
    import numpy as np
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    again = np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"), dtype=np.int16)
    diff = np.abs(rgb.astype(np.int16) - again).mean(axis=2)
    top = float(np.percentile(diff, 99.5)) or 1.0
    return np.asarray(np.clip(diff / top, 0.0, 1.0), dtype=np.float64)


def _block_reduce(values: NDArray[np.float64], block: int, how: str) -> NDArray[np.float64]:
    import numpy as np

    h, w = values.shape
    hb, wb = h // block, w // block
    cut = values[: hb * block, : wb * block].reshape(hb, block, wb, block).transpose(0, 2, 1, 3)
    flat = cut.reshape(hb, wb, block * block)
    reduced = np.median(flat, axis=2) if how == "median" else flat.mean(axis=2)
    return np.asarray(reduced, dtype=np.float64)


def noise_inconsistency(
    rgb: NDArray[np.uint8], block: int = 32
) -> tuple[NDArray[np.float64], float, int]:
    """Local noise level (median absolute Laplacian residual per block),
    compared with blocks of similar brightness and texture.

    Returns a [0, 1] map of |robust z| / 6 per block, the 99th percentile of
    |z| over blocks, and the number of blocks. Regions pasted from another
    camera, denoised or synthesised differ in noise level from the rest.
    """
    import numpy as np

    grey = luma(rgb)
    h, w = grey.shape
    if h < 3 * block or w < 3 * block:
        return np.zeros((1, 1)), 0.0, 0
    lap = np.zeros_like(grey)
    lap[1:-1, 1:-1] = (
        4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    )
    sigma = _block_reduce(np.abs(lap), block, "median") + 0.5
    level = _block_reduce(grey, block, "mean")
    # texture: gradients of a 4x4-binned image, which pixel noise hardly touches
    hb, wb = grey.shape[0] // 4 * 4, grey.shape[1] // 4 * 4
    binned = grey[:hb, :wb].reshape(hb // 4, 4, wb // 4, 4).mean(axis=(1, 3))
    grad = np.abs(np.diff(binned, axis=1, prepend=binned[:, :1])) + np.abs(
        np.diff(binned, axis=0, prepend=binned[:1, :])
    )
    texture = _block_reduce(grad, block // 4, "mean")
    texture = texture[: sigma.shape[0], : sigma.shape[1]]
    log_sigma = np.log(sigma)
    # regress log noise on brightness and log texture; outliers are the residuals
    design = np.stack(
        [np.ones_like(level), level / 255.0, (level / 255.0) ** 2, np.log(texture + 0.5)], axis=-1
    ).reshape(-1, 4)
    target = log_sigma.reshape(-1)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = (target - design @ coef).reshape(log_sigma.shape)
    # saturated blocks carry no noise; keep them out of the statistics
    valid = (level > 8) & (level < 247)
    if valid.sum() < 9:
        return np.zeros_like(resid), 0.0, int(valid.size)
    centre = float(np.median(resid[valid]))
    mad = float(np.median(np.abs(resid[valid] - centre))) * 1.4826 or 1e-6
    z = np.where(valid, np.abs(resid - centre) / mad, 0.0)
    return np.clip(z / 6.0, 0.0, 1.0), float(np.percentile(z[valid], 99)), int(valid.sum())


def _dct_matrix() -> NDArray[np.float64]:
    import numpy as np

    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    m[0, :] = np.sqrt(1 / 8)
    return np.asarray(m, dtype=np.float64)


def double_compression_score(
    rgb: NDArray[np.uint8], luma_table: tuple[int, ...], positions: int = 9
) -> tuple[float, list[float]]:
    """Evidence of a second JPEG compression from the histograms of
    dequantised DCT coefficients (Popescu & Farid style periodicity).

    For each of the first `positions` AC coefficients (zig-zag order) with
    quantisation step q, the histogram of round(DCT / q) is compared with a
    smoothed copy of itself; single compression gives smooth, Laplacian-like
    histograms, double compression with a different earlier quality leaves
    periodic peaks and holes. Returns the median relative roughness and the
    per-position values.
    """
    import numpy as np

    grey = luma(rgb) - 128.0
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    if h < 64 or w < 64:
        return 0.0, []
    blocks = grey[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    d = _dct_matrix()
    coeffs = d @ blocks @ d.T  # 2-D DCT of every 8x8 block
    order = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0)]
    values: list[float] = []
    for r, c in order[:positions]:
        q = max(luma_table[r * 8 + c], 1)
        k = np.rint(coeffs[:, r, c] / q).astype(np.int64)
        k = k[(k != 0) & (np.abs(k) <= 40)]
        if k.size < 200:
            continue
        hist = np.bincount(np.abs(k), minlength=41)[1:41].astype(np.float64)
        smooth = np.convolve(np.pad(hist, 2, mode="edge"), np.ones(5) / 5, mode="valid")
        support = hist.sum()
        values.append(float(np.abs(hist - smooth)[: max(4, int((hist > 0).sum()))].sum() / support))
    if not values:
        return 0.0, []
    return float(np.median(values)), values


@dataclass(frozen=True, slots=True)
class QuantAnalysis:
    luma_quality: int
    luma_error: float
    chroma_quality: int | None
    chroma_error: float | None
    family: str
    """'ijg' (libjpeg-standard scaling: most software, web services and some
    phones) or 'custom' (typical of cameras and of some editors)."""


def quant_analysis(info: JpegInfo) -> QuantAnalysis | None:
    """Nearest libjpeg quality of the luminance (and chrominance) table."""
    if 0 not in info.quant_tables:
        return None
    lq, le = estimate_ijg_quality(info.quant_tables[0].values, IJG_LUMA)
    cq: int | None = None
    ce: float | None = None
    if 1 in info.quant_tables:
        cq, ce = estimate_ijg_quality(info.quant_tables[1].values, IJG_CHROMA)
    exact = le == 0.0 and (ce is None or ce == 0.0)
    return QuantAnalysis(lq, le, cq, ce, "ijg" if exact else "custom")
