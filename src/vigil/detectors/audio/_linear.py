"""A standardised, L2-regularised logistic regression in numpy, saved without
pickle: arrays in an .npz (loaded with allow_pickle=False) and a JSON header
with the format version, the operating point and the SHA-256 of the arrays."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from importlib.resources import files

import numpy as np
import numpy.typing as npt

__all__ = ["LinearModel", "fit_logistic", "load_packaged"]

FORMAT = "vigil.linear/1"
Float = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearModel:
    mean: Float
    scale: Float
    weights: Float
    bias: float
    meta: dict[str, object] = field(default_factory=dict)

    def decision(self, features: Float) -> Float:
        z = (np.atleast_2d(features) - self.mean) / self.scale
        z = np.clip(z, -8.0, 8.0)  # out-of-range inputs cannot dominate the sum
        return np.asarray(z @ self.weights + self.bias, dtype=np.float64)

    def probability(self, features: Float) -> Float:
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision(features), -40, 40)))

    def arrays_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(
            buf,
            mean=self.mean,
            scale=self.scale,
            weights=self.weights,
            bias=np.array([self.bias]),
        )
        return buf.getvalue()

    def header(self, arrays: bytes) -> dict[str, object]:
        return {
            "format": FORMAT,
            "arrays_sha256": hashlib.sha256(arrays).hexdigest(),
            "n_features": int(self.weights.size),
            **self.meta,
        }

    @classmethod
    def from_bytes(cls, arrays: bytes, header: dict[str, object]) -> LinearModel:
        if header.get("format") != FORMAT:
            raise ValueError(f"unknown model format {header.get('format')!r}")
        if hashlib.sha256(arrays).hexdigest() != header.get("arrays_sha256"):
            raise ValueError("model arrays do not match their header checksum")
        with np.load(io.BytesIO(arrays), allow_pickle=False) as data:
            return cls(
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                weights=np.asarray(data["weights"], dtype=np.float64),
                bias=float(data["bias"][0]),
                meta={k: v for k, v in header.items() if k not in ("format", "arrays_sha256")},
            )


def load_packaged(package: str, stem: str) -> LinearModel:
    """`stem.npz` + `stem.json` shipped as package data."""
    root = files(package)
    arrays = root.joinpath(f"{stem}.npz").read_bytes()
    header = json.loads(root.joinpath(f"{stem}.json").read_text("utf-8"))
    return LinearModel.from_bytes(arrays, header)


def fit_logistic(
    x: Float,
    y: npt.NDArray[np.int_],
    sample_weight: Float | None = None,
    l2: float = 1.0,
    iterations: int = 50,
) -> LinearModel:
    """Newton's method on the weighted, L2-penalised log loss (features standardised)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.clip((x - mean) / scale, -8.0, 8.0)
    n, d = z.shape
    w8 = np.ones(n) if sample_weight is None else sample_weight
    w8 = w8 / w8.mean()
    a = np.hstack([z, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(a @ theta, -40, 40)))
        grad = a.T @ (w8 * (p - y)) + penalty * theta
        hess = (a * (w8 * p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return LinearModel(mean=mean, scale=scale, weights=theta[:-1], bias=float(theta[-1]))
