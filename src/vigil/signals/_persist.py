"""Saving index arrays without pickle: .npy files plus a checked JSON header.

A saved index is a directory holding `header.json` and one `.npy` file per
array. The header records the format version, the index kind, the signal
type, the entry count, free parameters and, per array, its file name, dtype,
shape and SHA-256. Loading verifies the checksum before numpy reads a byte,
and reads with allow_pickle=False, so a tampered or foreign file is refused
with IndexFileError instead of executing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.signals.base import IndexFileError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FORMAT", "FORMAT_VERSION", "SavedIndex", "read_header", "read_index", "write_index"]

FORMAT = "vigil-index"
FORMAT_VERSION = 1
HEADER = "header.json"
_CHUNK = 1 << 20
_PARAM_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class SavedIndex:
    kind: str
    signal_type: str
    count: int
    params: Mapping[str, str | int | float | bool | None]
    arrays: Mapping[str, npt.NDArray[np.generic]]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_index(
    path: Path,
    *,
    kind: str,
    signal_type: str,
    count: int,
    arrays: Mapping[str, npt.NDArray[np.generic]],
    params: Mapping[str, str | int | float | bool | None] | None = None,
) -> None:
    """Write arrays then the header (last, atomically), into directory `path`."""
    import numpy as np

    path.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, object]] = {}
    for name, array in arrays.items():
        if array.dtype.hasobject:
            raise ValueError(f"array {name} has an object dtype; it would need pickle")
        filename = f"{name}.npy"
        staging = path / f".{filename}.tmp"
        with staging.open("wb") as fh:
            np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staging, path / filename)
        entries[name] = {
            "file": filename,
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "sha256": _sha256_file(path / filename),
        }
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "signal_type": signal_type,
        "count": count,
        "params": dict(params or {}),
        "arrays": entries,
    }
    staging = path / f".{HEADER}.tmp"
    staging.write_text(json.dumps(header, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(staging, path / HEADER)


def read_header(path: Path) -> dict[str, object]:
    """The parsed, shape-checked header of a saved index directory."""
    header_path = path / HEADER
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexFileError(f"no index header at {header_path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexFileError(f"unreadable index header {header_path}: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise IndexFileError(f"{header_path} is not a {FORMAT} header")
    if header.get("format_version") != FORMAT_VERSION:
        raise IndexFileError(
            f"{header_path}: format version {header.get('format_version')!r} "
            f"is not {FORMAT_VERSION}"
        )
    for key, typ in (("kind", str), ("signal_type", str), ("count", int), ("params", dict)):
        if not isinstance(header.get(key), typ) or isinstance(header.get(key), bool):
            raise IndexFileError(f"{header_path}: field {key!r} is missing or malformed")
    if not isinstance(header.get("arrays"), dict):
        raise IndexFileError(f"{header_path}: field 'arrays' is missing or malformed")
    if not all(isinstance(v, _PARAM_TYPES) for v in header["params"].values()):
        raise IndexFileError(f"{header_path}: params must be scalars")
    return header


def read_index(path: Path, *, kind: str, names: tuple[str, ...]) -> SavedIndex:
    """Read and verify a saved index of `kind` holding exactly the arrays `names`."""
    import numpy as np

    header = read_header(path)
    if header["kind"] != kind:
        raise IndexFileError(f"{path} holds a {header['kind']!r} index, not {kind!r}")
    entries = header["arrays"]
    assert isinstance(entries, dict)
    if set(entries) != set(names):
        raise IndexFileError(f"{path}: arrays {sorted(entries)} are not {sorted(names)}")
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name in names:
        entry = entries[name]
        if not isinstance(entry, dict):
            raise IndexFileError(f"{path}: array entry {name!r} is malformed")
        filename = entry.get("file")
        if not isinstance(filename, str) or filename != f"{name}.npy":
            raise IndexFileError(f"{path}: array {name!r} names an unexpected file")
        file_path = path / filename
        if not file_path.is_file():
            raise IndexFileError(f"{file_path} is missing")
        if _sha256_file(file_path) != entry.get("sha256"):
            raise IndexFileError(f"{file_path} does not match its checksum; refusing to load")
        try:
            array = np.load(file_path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexFileError(f"{file_path} is not a plain .npy array: {exc}") from exc
        if array.dtype.str != entry.get("dtype") or list(array.shape) != entry.get("shape"):
            raise IndexFileError(f"{file_path}: dtype or shape differs from the header")
        arrays[name] = array
    params = header["params"]
    assert isinstance(params, dict)
    signal_type = header["signal_type"]
    count = header["count"]
    assert isinstance(signal_type, str) and isinstance(count, int)
    return SavedIndex(kind, signal_type, count, params, arrays)
