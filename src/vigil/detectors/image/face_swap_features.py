"""Hand-made features of an aligned face chip for the face-swap model.

A swap or reenactment replaces the inner face and blends it into the target
frame, so the evidence is mostly *relative*: the pasted face is smoother or
sharper, noisier or cleaner, and differently coloured than the skin, hair and
background around it, and the blending mask leaves a ring where these change.
The chip is aligned by the 5 landmarks (`vigil.imaging.faces.face_chip` with
CHIP_SIZE and CHIP_PADDING), so the face sits at a fixed place and fixed
elliptical rings separate inner face, the blending boundary and the surround.

Per ring: high-pass (noise/sharpness) level, mid-frequency texture, median
residual, colour (YCbCr) means and spreads, chroma noise; differences between
rings; per angular sector, the change of high-pass level across the boundary
and the gradient peak on it. Shared by training and detection.

The generic residual/NPR/spectral features of `synthetic_features` were tried
on the inner face too and dropped: with them the leave-one-method-out AUC fell
(face_swap.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["CHIP_PADDING", "CHIP_SIZE", "FEATURE_NAMES", "features"]

CHIP_SIZE = 224
CHIP_PADDING = 0.8
"""dlib chip padding: the aligned face fills about the middle 1/(1 + 2 * 0.8) of the chip."""

# ellipse of the face outline in the chip, in fractions of CHIP_SIZE (measured on
# chips of the shared clips: eyebrows to chin, cheek to cheek)
_CENTRE = (0.5, 0.527)
_SEMI_AXES = (0.185, 0.223)
_RINGS = {
    "inner": (0.0, 0.7),
    "band_in": (0.75, 0.95),
    "band_out": (1.05, 1.3),
    "outer": (1.3, 1.8),
}
_SECTORS = 12
_PER_RING = ("hp", "tex", "med", "y", "cb", "cr", "cb_sd", "cr_sd", "chroma_hp")


def _names() -> list[str]:
    names = [f"{ring}_{q}" for ring in _RINGS for q in _PER_RING]
    for a, b in (("inner", "band_out"), ("inner", "outer"), ("band_in", "band_out")):
        names += [f"d_{a}_{b}_{q}" for q in _PER_RING]
    names += ["hp_over_tex_inner", "hp_over_tex_outer", "hp_over_tex_diff"]
    names += ["sector_step_mean", "sector_step_sd", "sector_step_maxabs"]
    names += ["edge_peak_mean", "edge_peak_max", "edge_peak_sd"]
    return names


FEATURE_NAMES = tuple(_names())


def _geometry(size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Elliptical radius (1 = face outline) and angle of every chip pixel."""
    import numpy as np

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    dx = (xx - _CENTRE[0] * size) / (_SEMI_AXES[0] * size)
    dy = (yy - _CENTRE[1] * size) / (_SEMI_AXES[1] * size)
    return np.hypot(dx, dy), np.arctan2(dy, dx)


def _log_sd(values: NDArray[np.float64]) -> float:
    import numpy as np

    return float(np.log(values.std() + 1e-3)) if values.size > 8 else 0.0


def _ring_stats(maps: dict[str, NDArray[np.float64]], mask: NDArray[np.bool_]) -> list[float]:
    import numpy as np

    if mask.sum() < 16:
        return [0.0] * len(_PER_RING)
    # mean |pixel - 3x3 median|: noise left after compression (a median of it is mostly 0)
    noise = float(np.abs(maps["med"][mask]).mean()) + 1e-3
    return [
        _log_sd(maps["hp"][mask]),
        _log_sd(maps["tex"][mask]),
        float(np.log(noise)),
        float(maps["y"][mask].mean() / 255.0),
        float(maps["cb"][mask].mean() / 255.0),
        float(maps["cr"][mask].mean() / 255.0),
        _log_sd(maps["cb"][mask]),
        _log_sd(maps["cr"][mask]),
        _log_sd(maps["chroma_hp"][mask]),
    ]


def _maps(rgb: NDArray[np.uint8]) -> dict[str, NDArray[np.float64]]:
    import cv2
    import numpy as np

    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float64)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    blur1 = cv2.GaussianBlur(y, (0, 0), 1.0)
    blur2 = cv2.GaussianBlur(y, (0, 0), 2.0)
    median = cv2.medianBlur(rgb, 3)
    median_y = cv2.cvtColor(median, cv2.COLOR_RGB2YCrCb)[..., 0].astype(np.float64)
    chroma = cr + cb
    return {
        "hp": y - blur1,
        "tex": blur1 - blur2,
        "med": y - median_y,
        "y": y,
        "cb": cb,
        "cr": cr,
        "chroma_hp": chroma - cv2.GaussianBlur(chroma, (0, 0), 1.0),
        "grad": np.hypot(cv2.Sobel(blur1, cv2.CV_64F, 1, 0), cv2.Sobel(blur1, cv2.CV_64F, 0, 1)),
    }


def _sectors(
    maps: dict[str, NDArray[np.float64]],
    radius: NDArray[np.float64],
    angle: NDArray[np.float64],
    valid: NDArray[np.bool_],
) -> list[float]:
    """Per angular sector: high-pass level step across the boundary, and how much
    the gradient peaks on the boundary against the rings either side."""
    import numpy as np

    steps, peaks = [], []
    edges = np.linspace(-np.pi, np.pi, _SECTORS + 1)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sector = valid & (angle >= lo) & (angle < hi)
        inside = sector & (radius >= 0.75) & (radius < 0.95)
        outside = sector & (radius >= 1.05) & (radius < 1.25)
        edge = sector & (radius >= 0.92) & (radius < 1.08)
        if min(inside.sum(), outside.sum(), edge.sum()) < 8:
            continue
        steps.append(_log_sd(maps["hp"][inside]) - _log_sd(maps["hp"][outside]))
        around = 0.5 * (maps["grad"][inside].mean() + maps["grad"][outside].mean()) + 1e-3
        peaks.append(float(np.log((maps["grad"][edge].mean() + 1e-3) / around)))
    if not steps:
        return [0.0] * 6
    s, p = np.array(steps), np.array(peaks)
    return [
        float(s.mean()),
        float(s.std()),
        float(np.abs(s).max()),
        float(p.mean()),
        float(p.max()),
        float(p.std()),
    ]


def features(chip: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The feature vector of an aligned face chip (resized to CHIP_SIZE when it is not)."""
    import cv2
    import numpy as np

    rgb = np.ascontiguousarray(chip, dtype=np.uint8)
    if rgb.shape[:2] != (CHIP_SIZE, CHIP_SIZE):
        resized = cv2.resize(rgb, (CHIP_SIZE, CHIP_SIZE), interpolation=cv2.INTER_AREA)
        rgb = np.asarray(resized, dtype=np.uint8)
    maps = _maps(rgb)
    radius, angle = _geometry(CHIP_SIZE)
    # get_face_chip fills what lies outside the frame with black: leave it out
    valid = rgb.max(axis=2) > 0
    rings = {
        name: _ring_stats(maps, valid & (radius >= lo) & (radius < hi))
        for name, (lo, hi) in _RINGS.items()
    }
    out = [v for name in _RINGS for v in rings[name]]
    for a, b in (("inner", "band_out"), ("inner", "outer"), ("band_in", "band_out")):
        out += [x - y for x, y in zip(rings[a], rings[b], strict=True)]
    hp_tex_in = rings["inner"][0] - rings["inner"][1]
    hp_tex_out = rings["outer"][0] - rings["outer"][1]
    out += [hp_tex_in, hp_tex_out, hp_tex_in - hp_tex_out]
    out += _sectors(maps, radius, angle, valid)
    vector = np.asarray(out, dtype=np.float64)
    return np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)
