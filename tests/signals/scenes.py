"""Benign synthetic images for robustness tests: gradients, shapes, noise."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A deterministic RGB scene: a two-colour gradient, random shapes and grain."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * x / width + np.sin(angle) * y / height + 1) / 2
    base = c0 * t[..., None] + c1 * (1 - t[..., None])
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(12, 20))):
        x0, y0 = rng.uniform(-0.1, 0.9) * width, rng.uniform(-0.1, 0.9) * height
        w, h = rng.uniform(0.05, 0.4) * width, rng.uniform(0.05, 0.4) * height
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(3))
        if kind == 0:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            points = [
                (x0 + rng.uniform(0, w), y0 + rng.uniform(0, h))
                for _ in range(int(rng.integers(3, 7)))
            ]
            draw.polygon(points, fill=colour)
    pixels = np.asarray(image, dtype=np.float64)
    pixels += rng.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()
