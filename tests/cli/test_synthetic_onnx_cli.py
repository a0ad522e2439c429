"""`vigil check` with a user's ONNX model configured in VIGIL_HOME/vigil.toml,
and `vigil analyze -d image_synthetic_onnx` refused (exit 2) without one."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detectors" / "image"))
from onnx_models import brightness_model  # noqa: E402

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("onnxruntime")

NAME = "image_synthetic_onnx"


def _vigil(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from vigil.cli.main import run; run()", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _images(folder: Path) -> list[Path]:
    folder.mkdir()
    bright, dark = folder / "bright.png", folder / "dark.png"
    Image.new("RGB", (80, 60), (230, 230, 230)).save(bright)
    Image.new("RGB", (80, 60), (20, 20, 20)).save(dark)
    return [bright, dark]


def test_check_runs_the_configured_model(tmp_path: Path) -> None:
    model = tmp_path / "probe.onnx"
    model.write_bytes(brightness_model(head="sigmoid", classes=2))
    home = tmp_path / "home"
    home.mkdir()
    (home / "vigil.toml").write_text(
        f'[detectors.{NAME}]\nmodel_path = "{model}"\nmean = [0, 0, 0]\nstd = [1, 1, 1]\n'
        "threshold = 0.7\nnegative_below = 0.3\n"
    )
    result = _vigil(home, "check", *map(str, _images(tmp_path / "ev")), "--json")
    assert result.returncode == 0, result.stderr
    found = {
        Path(obj["path"]).name: [f for f in obj["findings"] if f["detector"] == NAME]
        for obj in map(json.loads, result.stdout.splitlines())
    }
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    assert [(f["verdict"], f["model_sha256"]) for f in found["bright.png"]] == [("positive", sha)]
    assert [(f["verdict"], f["model_sha256"]) for f in found["dark.png"]] == [("negative", sha)]


def test_naming_the_unconfigured_detector_is_a_usage_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _vigil(home, "case", "new", "op").returncode == 0
    named = _vigil(home, "analyze", "op", "-d", NAME, "--workers", "1")
    assert named.returncode == 2
    assert f"{NAME} cannot run: no model is configured" in named.stdout + named.stderr
