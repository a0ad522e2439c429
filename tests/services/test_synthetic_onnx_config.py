"""A user's ONNX model configured in vigil.toml: options reach `vigil check`
and `vigil analyze` (command line on top), provenance names the model file's
hash, a replaced file re-runs the detector, and an unconfigured detector is
left out of unnamed runs but refused with the reason when named."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detectors" / "image"))
from onnx_models import brightness_model  # noqa: E402

from vigil.detectors.base import Registry  # noqa: E402
from vigil.detectors.file.type_mismatch import FileTypeMismatchDetector  # noqa: E402
from vigil.detectors.image.synthetic_onnx import ImageSyntheticOnnxDetector  # noqa: E402
from vigil.domain.errors import UsageError  # noqa: E402
from vigil.runner import InlineBackend  # noqa: E402
from vigil.services.analysis import analyze_case, merge_options  # noqa: E402
from vigil.services.cases import add_evidence, create_case  # noqa: E402
from vigil.services.check import check_paths  # noqa: E402
from vigil.services.config import load_settings  # noqa: E402
from vigil.services.workspace import Workspace, open_workspace  # noqa: E402

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("onnxruntime")

NAME = ImageSyntheticOnnxDetector.name


def _registry() -> Registry:
    registry = Registry(kind="detector")
    for detector in (ImageSyntheticOnnxDetector, FileTypeMismatchDetector):
        registry.available[detector.name] = detector
    return registry


def _images(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    bright, dark = folder / "bright.png", folder / "dark.png"
    Image.new("RGB", (80, 60), (230, 230, 230)).save(bright)
    Image.new("RGB", (80, 60), (20, 20, 20)).save(dark)
    return bright, dark


def _configure(home: Path, model: Path) -> None:
    home.mkdir(exist_ok=True)
    (home / "vigil.toml").write_text(
        f'[detectors.{NAME}]\nmodel_path = "{model}"\nmean = [0, 0, 0]\nstd = [1, 1, 1]\n'
        "threshold = 0.7\nnegative_below = 0.3\n"
    )


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[tuple[Workspace, Path]]:
    model = tmp_path / "probe.onnx"
    model.write_bytes(brightness_model(head="sigmoid", classes=2))
    _configure(tmp_path / "home", model)
    ws = open_workspace(load_settings(home=tmp_path / "home", actor="tester", workers=1))
    ws.registry = _registry()
    yield ws, model
    ws.close()


def _verdicts(ws: Workspace, case: str) -> dict[str, tuple[str, str | None]]:
    items = {i.id: i.name for i in ws.store.list_items(ws.store.get_case(case).id)}
    return {
        items[r.item_id]: (r.finding.verdict.value, r.provenance.model_sha256)
        for r in ws.store.list_findings(ws.store.get_case(case).id)
        if r.provenance.detector == NAME
    }


def test_vigil_toml_options_reach_check(tmp_path: Path) -> None:
    model = tmp_path / "probe.onnx"
    model.write_bytes(brightness_model(head="sigmoid", classes=2))
    _configure(tmp_path / "home", model)
    settings = load_settings(home=tmp_path / "home")
    assert settings.detectors[NAME]["threshold"] == 0.7
    described = check_paths(settings, list(_images(tmp_path / "ev")), _registry())
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    found = {
        Path(str(d["path"])).name: [f for f in d["findings"] if f["detector"] == NAME]  # type: ignore[attr-defined]
        for d in described
    }
    assert [f["verdict"] for f in found["bright.png"]] == ["positive"]
    assert [f["verdict"] for f in found["dark.png"]] == ["negative"]
    assert {f["model_sha256"] for fs in found.values() for f in fs} == {sha}


def test_command_line_options_win_over_the_file() -> None:
    configured = {NAME: {"threshold": 0.7, "input_size": 224}}
    merged = merge_options(configured, {NAME: {"threshold": 0.9}, "other": {"x": 1}})
    assert merged == {NAME: {"threshold": 0.9, "input_size": 224}, "other": {"x": 1}}
    assert configured[NAME]["threshold"] == 0.7  # the settings are not changed


def test_replacing_the_model_file_reruns_the_detector(
    configured: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws, model = configured
    inline = InlineBackend(ws.registry, ws.services_factory)  # type: ignore[arg-type]
    create_case(ws, "op")
    add_evidence(ws, "op", list(_images(tmp_path / "ev")))
    first = analyze_case(ws, "op", [NAME], backend=inline)
    again = analyze_case(ws, "op", [NAME], backend=inline)
    assert first.completed == 2 and again.completed == 0 and again.skipped == 2
    old_sha = hashlib.sha256(model.read_bytes()).hexdigest()
    assert _verdicts(ws, "op") == {
        "bright.png": ("positive", old_sha),
        "dark.png": ("negative", old_sha),
    }

    # the same path, new content (brightness now counts against "synthetic")
    model.write_bytes(brightness_model(gain=-10.0, head="sigmoid", classes=2))
    new_sha = hashlib.sha256(model.read_bytes()).hexdigest()
    rerun = analyze_case(ws, "op", [NAME], backend=inline)
    assert rerun.completed == 2 and rerun.skipped == 0
    assert _verdicts(ws, "op") == {
        "bright.png": ("negative", new_sha),
        "dark.png": ("positive", new_sha),
    }


def test_corrupt_model_file_gives_unsupported_findings(
    configured: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws, model = configured
    model.write_bytes(b"\x00garbage, not an ONNX graph" * 20)
    inline = InlineBackend(ws.registry, ws.services_factory)  # type: ignore[arg-type]
    create_case(ws, "op")
    add_evidence(ws, "op", list(_images(tmp_path / "ev")))
    summary = analyze_case(ws, "op", [NAME], backend=inline)
    records = ws.store.list_findings(ws.store.get_case("op").id)
    assert summary.completed == 2 and len(records) == 2
    for record in records:
        assert record.finding.status.value == "unsupported"
        assert "onnxruntime cannot load it" in record.finding.explanation


def test_unconfigured_is_left_out_unless_named(workspace: Workspace, tmp_path: Path) -> None:
    workspace.registry = _registry()
    inline = InlineBackend(workspace.registry, workspace.services_factory)  # type: ignore[arg-type]
    create_case(workspace, "op")
    add_evidence(workspace, "op", list(_images(tmp_path / "ev")))

    summary = analyze_case(workspace, "op", backend=inline)
    assert summary.completed == 2  # file_type_mismatch on both images, nothing else
    assert "no model is configured" in summary.not_ready[NAME]
    case_id = workspace.store.get_case("op").id
    assert not [r for r in workspace.store.list_findings(case_id) if r.provenance.detector == NAME]
    started = [e for e in workspace.store.list_custody(case_id) if e.action == "analysis.started"]
    assert NAME in started[-1].details["not_ready"]  # type: ignore[operator]

    with pytest.raises(UsageError, match=f"{NAME} cannot run: no model is configured") as info:
        analyze_case(workspace, "op", [NAME], backend=inline)
    assert info.value.exit_code == 2
