"""Hand-made features for the synthetic-image model: noise-residual
statistics, local pixel correlation in 2x2 neighbourhoods (the NPR idea:
up-sampling layers leave neighbouring pixels more alike than a camera does),
Fourier spectrum of the residual (radial profile and up-sampling peaks),
and colour-residual statistics.

Shared by training (`vigil.detectors.image.train`) and the detector, so both
compute exactly the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["FEATURE_NAMES", "MAX_SIDE", "MIN_SIDE", "features"]

MAX_SIDE = 256
"""Centre crop (no resampling) to at most this many pixels a side."""
MIN_SIDE = 24
_RADIAL_BINS = 10


def _names() -> list[str]:
    names = []
    for r in ("dx", "dy", "lap", "npr"):
        names += [f"{r}_logstd", f"{r}_kurt", f"{r}_zero", f"{r}_tail"]
    names += ["npr_ratio_lap", "npr_ratio_dx", "dx_dy_ratio"]
    names += ["npr_align_even_odd", "npr_align_diag"]
    names += [f"fft_radial_{i}" for i in range(_RADIAL_BINS)]
    names += ["fft_peak_half", "fft_peak_quarter", "fft_slope"]
    names += ["corr_rg", "corr_gb", "corr_rb", "chroma_luma_ratio", "sat_mean", "sat_std"]
    names += ["grey_logstd", "log_side"]
    return names


FEATURE_NAMES = tuple(_names())


def _centre_crop(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    ch, cw = min(h, MAX_SIDE), min(w, MAX_SIDE)
    # even sizes keep the 2x2 grid aligned with the image origin parity
    ch, cw = ch - ch % 2, cw - cw % 2
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    y0, x0 = y0 - y0 % 2, x0 - x0 % 2
    return rgb[y0 : y0 + ch, x0 : x0 + cw]


def _stats(r: NDArray[np.float64]) -> list[float]:
    import numpy as np

    flat = r.reshape(-1)
    std = float(flat.std()) + 1e-6
    kurt = float(np.mean((flat / std) ** 4))
    zero = float(np.mean(np.abs(flat) < 0.5))
    tail = float(np.mean(np.abs(flat) > 3 * std))
    return [float(np.log(std)), float(np.log(kurt + 1e-6)), zero, tail]


def _npr(grey: NDArray[np.float64], oy: int = 0, ox: int = 0) -> NDArray[np.float64]:
    """grey minus its 2x2-block mean upsampled by repetition, for the grid at (oy, ox)."""
    import numpy as np

    g = grey[oy:, ox:]
    h, w = g.shape[0] // 2 * 2, g.shape[1] // 2 * 2
    g = g[:h, :w]
    means = g.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return np.asarray(g - np.repeat(np.repeat(means, 2, axis=0), 2, axis=1), dtype=np.float64)


def features(rgb: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """The feature vector of an RGB image, or `None` when it is too small."""
    import numpy as np

    if rgb.shape[0] < MIN_SIDE or rgb.shape[1] < MIN_SIDE:
        return None
    img = _centre_crop(rgb).astype(np.float64)
    grey = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
    dx = np.diff(grey, axis=1)
    dy = np.diff(grey, axis=0)
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    npr = _npr(grey)
    out: list[float] = []
    for r in (dx, dy, lap, npr):
        out += _stats(r)
    s_dx, s_dy, s_lap, s_npr = (float(r.std()) + 1e-6 for r in (dx, dy, lap, npr))
    out += [np.log(s_npr / s_lap), np.log(s_npr / s_dx), np.log(s_dx / s_dy)]
    odd = float(_npr(grey, 1, 1).std()) + 1e-6
    mixed = float(_npr(grey, 0, 1).std() + _npr(grey, 1, 0).std()) / 2 + 1e-6
    out += [np.log(s_npr / odd), np.log(s_npr / mixed)]
    out += _spectrum(lap)
    res = [
        (4 * c[1:-1, 1:-1] - c[:-2, 1:-1] - c[2:, 1:-1] - c[1:-1, :-2] - c[1:-1, 2:]).reshape(-1)
        for c in (img[..., 0], img[..., 1], img[..., 2])
    ]
    out += [_corr(res[0], res[1]), _corr(res[1], res[2]), _corr(res[0], res[2])]
    chroma = (res[0] - res[1]).std() + (res[2] - res[1]).std()
    out.append(float(np.log((chroma + 1e-6) / (s_lap + 1e-6))))
    mx, mn = img.max(axis=2), img.min(axis=2)
    sat = (mx - mn) / (mx + 1e-6)
    out += [float(sat.mean()), float(sat.std())]
    out += [float(np.log(grey.std() + 1e-6)), float(np.log(min(grey.shape)))]
    vector = np.asarray(out, dtype=np.float64)
    return np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)


def _corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    import numpy as np

    sa, sb = a.std(), b.std()
    if sa < 1e-9 or sb < 1e-9:
        return 0.0
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def _spectrum(residual: NDArray[np.float64]) -> list[float]:
    import numpy as np

    h, w = residual.shape
    window = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.fftshift(np.fft.fft2((residual - residual.mean()) * window))) ** 2
    cy, cx = h // 2, w // 2
    yy, xx = np.mgrid[0:h, 0:w]
    radius = np.hypot((yy - cy) / (h / 2), (xx - cx) / (w / 2))
    total = power.sum() + 1e-12
    edges = np.linspace(0, 1.0, _RADIAL_BINS + 1)
    radial = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (radius >= lo) & (radius < hi)
        radial.append(
            float(np.log(power[sel].mean() / total * h * w + 1e-12)) if sel.any() else 0.0
        )

    def peak(fy: float, fx: float) -> float:
        py, px = int(round(cy + fy * h)) % h, int(round(cx + fx * w)) % w
        y0, y1 = max(py - 3, 0), min(py + 4, h)
        x0, x1 = max(px - 3, 0), min(px + 4, w)
        around = power[y0:y1, x0:x1]
        return float(np.log((power[py, px] + 1e-12) / (np.median(around) + 1e-12)))

    # up-sampling by 2 (and 4) leaves peaks at half (quarter) of the sampling frequency
    half = np.mean([peak(0.0, -0.5), peak(-0.5, 0.0), peak(-0.5, -0.5)])
    quarter = np.mean([peak(0.0, 0.25), peak(0.25, 0.0), peak(0.25, 0.25)])
    centres = (edges[:-1] + edges[1:]) / 2
    slope = float(np.polyfit(np.log(centres[1:]), np.asarray(radial[1:]), 1)[0])
    return radial + [float(half), float(quarter), slope]
