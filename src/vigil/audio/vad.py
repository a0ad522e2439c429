"""Voice-activity detection on 16 kHz mono audio, 32 ms (512-sample) frames.

`SileroVad` runs silero-vad's ONNX model (MIT licence, shipped inside the
`silero-vad` wheel) through onnxruntime. The `silero_vad` package is never
imported (its `__init__` imports torch): the model file is located through the
package's import spec and loaded directly. `pip install --no-deps silero-vad`
installs the file without torch.

`EnergyVad` is the fallback when the model or onnxruntime is missing: frame
energy against an adaptive noise floor. It is cruder (it cannot tell speech
from other sounds), and which one ran is reported with every result
(`Vad.name`).

Both keep state across calls, so audio can be fed block by block.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FRAME",
    "EnergyVad",
    "SileroVad",
    "Vad",
    "load_vad",
    "silero_model_path",
]

log = logging.getLogger(__name__)

FRAME = 512
"""Samples per VAD decision at 16 kHz (32 ms)."""
_CONTEXT = 64
_SILERO_FILE = "silero_vad.onnx"


class Vad(Protocol):
    name: str

    def probabilities(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Speech probability per whole 512-sample frame of `samples` (len % 512 == 0)."""
        ...

    def reset(self) -> None: ...


def silero_model_path() -> Path | None:
    """The ONNX file inside the installed silero-vad package, without importing it."""
    try:
        spec = importlib.util.find_spec("silero_vad")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / _SILERO_FILE
        if candidate.is_file():
            return candidate
    return None


def _silero_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("silero-vad")
    except PackageNotFoundError:
        return "unknown"


@cache
def _silero_session(path: str) -> object:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


class SileroVad:
    """silero-vad through onnxruntime; one session per process, one thread."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        self.name = f"silero-vad {_silero_version()} (onnx)"
        self._session = _silero_session(str(path))
        self._np = np
        self.reset()

    def reset(self) -> None:
        np = self._np
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT), dtype=np.float32)

    def probabilities(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import numpy as np

        count = samples.size // FRAME
        out = np.zeros(count, dtype=np.float32)
        rate = np.array(16_000, dtype=np.int64)
        run = self._session.run  # type: ignore[attr-defined]
        for i in range(count):
            chunk = samples[i * FRAME : (i + 1) * FRAME].reshape(1, FRAME)
            window = np.concatenate([self._context, chunk], axis=1)
            prob, self._state = run(None, {"input": window, "state": self._state, "sr": rate})
            out[i] = float(prob[0, 0])
            self._context = window[:, -_CONTEXT:]
        return out


class EnergyVad:
    """Frame energy above an adaptive noise floor; deterministic, no model."""

    name = "energy (fallback)"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._floor_db = -60.0
        self._peak_db = -30.0

    def probabilities(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import numpy as np

        count = samples.size // FRAME
        if not count:
            return np.zeros(0, dtype=np.float32)
        frames = samples[: count * FRAME].reshape(count, FRAME).astype(np.float64)
        db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)
        out = np.zeros(count, dtype=np.float32)
        for i, level in enumerate(db):
            # floor falls fast and rises slowly; peak rises fast and decays slowly
            rate = 0.3 if level < self._floor_db else 0.005
            self._floor_db += rate * (level - self._floor_db)
            self._peak_db = max(level, self._peak_db - 0.05)
            span = max(self._peak_db - self._floor_db, 1e-3)
            above = level - self._floor_db
            gate = (above - 9.0) / 6.0  # 9 dB above the floor -> 0.5
            prob = 1.0 / (1.0 + np.exp(-gate))
            if level < -55.0 or span < 6.0:
                prob = 0.0
            out[i] = prob
        return out


def load_vad(prefer: str = "silero") -> Vad:
    """silero-vad when its model and onnxruntime are installed, else the energy VAD."""
    if prefer == "silero":
        path = silero_model_path()
        if path is not None and importlib.util.find_spec("onnxruntime") is not None:
            try:
                return SileroVad(path)
            except Exception as exc:  # a broken model or runtime must not stop analysis
                log.warning("silero-vad could not be loaded (%s); using the energy VAD", exc)
    return EnergyVad()
