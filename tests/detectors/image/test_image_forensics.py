"""image_forensics and image_copy_move: JPEG history, heatmap artefacts,
copy-move localisation on a scene made here and on the NoSo forgeries."""

from __future__ import annotations

import csv
import io
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from image_test_helpers import run_detector

from vigil.detectors.image.copy_move import ImageCopyMoveDetector
from vigil.detectors.image.forensics import ImageForensicsDetector
from vigil.domain.model import Finding, Status, Verdict
from vigil.imaging.samples import copy_move_scene

Image = pytest.importorskip("PIL.Image")
np = pytest.importorskip("numpy")
pytest.importorskip("cv2")

LABEL = "image.edited"


def _method(findings: list[Finding], method: str) -> Finding:
    matching = [f for f in findings if f.details.get("method") == method]
    assert len(matching) == 1, findings
    return matching[0]


def _jpeg(image: object, quality: int, **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **kwargs)  # type: ignore[attr-defined]
    return out.getvalue()


@pytest.fixture(scope="module")
def scene() -> object:
    png, _, _ = copy_move_scene(384, 288, seed=11)
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_single_and_double_jpeg(scene: object) -> None:
    once = _method(
        run_detector(ImageForensicsDetector, _jpeg(scene, 88), "image/jpeg"), "jpeg_quantisation"
    )
    assert once.verdict is Verdict.NEGATIVE
    assert once.details["luma_ijg_quality"] == 88 and once.details["table_family"] == "ijg"
    first = Image.open(io.BytesIO(_jpeg(scene, 50))).convert("RGB")
    twice = _method(
        run_detector(ImageForensicsDetector, _jpeg(first, 88), "image/jpeg"), "jpeg_quantisation"
    )
    assert twice.verdict is Verdict.POSITIVE
    assert (
        twice.details["double_compression_roughness"] > once.details["double_compression_roughness"]
    )  # type: ignore[operator]


def test_camera_exif_with_libjpeg_tables_and_editor_software(scene: object) -> None:
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"
    camera = _method(
        run_detector(ImageForensicsDetector, _jpeg(scene, 92, exif=exif.tobytes()), "image/jpeg"),
        "jpeg_quantisation",
    )
    assert camera.score == 0.45 and camera.verdict is Verdict.INCONCLUSIVE
    exif[0x0131] = "GIMP 2.10"
    edited = _method(
        run_detector(ImageForensicsDetector, _jpeg(scene, 92, exif=exif.tobytes()), "image/jpeg"),
        "jpeg_quantisation",
    )
    assert "editor" in edited.explanation and edited.verdict is Verdict.INCONCLUSIVE


def test_heatmaps_are_pngs_of_bounded_size() -> None:
    big = Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (1500, 1300, 3), dtype=np.uint8)
    )
    out = io.BytesIO()
    big.save(out, "PNG")
    noise = _method(run_detector(ImageForensicsDetector, out.getvalue()), "noise_residual_and_ela")
    assert noise.verdict is not Verdict.NEGATIVE  # this method never clears an image
    names = [a.name for a in noise.artefacts]
    assert names == ["error_level_analysis.png", "noise_inconsistency.png"]
    for artefact in noise.artefacts:
        assert artefact.media_type == "image/png" and artefact.data.startswith(b"\x89PNG")
        assert max(Image.open(io.BytesIO(artefact.data)).size) == 768
    off = _method(
        run_detector(ImageForensicsDetector, out.getvalue(), heatmaps=False),
        "noise_residual_and_ela",
    )
    assert off.artefacts == ()


def test_noise_map_points_at_a_block_with_other_noise() -> None:
    from vigil.imaging.forensics import noise_inconsistency

    png, _, _ = copy_move_scene(512, 512, seed=5)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    pixels[128:320, 160:352] += np.random.default_rng(3).normal(0, 10.0, (192, 192, 3))
    noise_map, p99, blocks = noise_inconsistency(np.clip(pixels, 0, 255).astype(np.uint8))
    assert blocks > 200 and p99 > 3
    inside = noise_map[4:10, 5:11].mean()  # the 32-px blocks of the noisy square
    outside = np.delete(
        noise_map.reshape(-1), [r * 16 + c for r in range(4, 10) for c in range(5, 11)]
    )
    assert inside > 2 * outside.mean()


def test_copy_move_scene_mask_covers_source_and_target() -> None:
    png, box, target = copy_move_scene()
    finding = run_detector(ImageCopyMoveDetector, png)[0]
    assert finding.verdict is Verdict.POSITIVE
    region = finding.details["regions"][0]  # type: ignore[index]
    src_x, src_y = region["source_box"][:2]
    dst_x, dst_y = region["target_box"][:2]
    assert box[0] - 5 <= src_x <= box[0] + box[2] and box[1] - 5 <= src_y <= box[1] + box[3]
    assert target[0] - 5 <= dst_x <= target[0] + box[2]
    mask_png = finding.artefacts[0].data
    assert Image.open(io.BytesIO(mask_png)).size == (512, 384)


def test_flat_image_is_inconclusive_for_copy_move() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (90, 90, 90)).save(out, "PNG")
    finding = run_detector(ImageCopyMoveDetector, out.getvalue())[0]
    assert finding.verdict is Verdict.INCONCLUSIVE and finding.details["keypoints"] == 0


@pytest.mark.parametrize("cls", [ImageForensicsDetector, ImageCopyMoveDetector])
def test_hostile_images_give_statuses(cls: type) -> None:
    from vigil.imaging.samples import plain_png

    data = plain_png(300, 300)
    truncated = run_detector(cls, data[: len(data) // 2])
    assert truncated[0].status is Status.UNREADABLE
    bomb = bytearray(plain_png(8, 8))
    bomb[16:24] = (60000).to_bytes(4, "big") * 2
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")  # valid IHDR CRC
    assert run_detector(cls, bytes(bomb))[0].status is Status.UNSUPPORTED
    assert run_detector(cls, b"")[0].status is Status.UNREADABLE


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_never_raise(body: bytes) -> None:
    for prefix in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"):
        for cls in (ImageForensicsDetector, ImageCopyMoveDetector):
            for finding in run_detector(cls, prefix + body):
                assert finding.label == LABEL


def test_noso_forgery_is_localised(shared_data: Path) -> None:
    folder = shared_data / "images" / "copy_move"
    forged = np.asarray(Image.open(folder / "noso" / "05_mod.png").convert("RGB"))
    gt = np.asarray(Image.open(folder / "noso" / "05_mod_gt.png").convert("L")) > 127
    from vigil.imaging.copy_move import detect_copy_move

    result = detect_copy_move(forged)
    assert result.regions and result.mask is not None and result.scale == 1.0
    f1 = 2 * (result.mask & gt).sum() / (result.mask.sum() + gt.sum())
    assert f1 > 0.6


@pytest.mark.slow
def test_noso_pixel_f1_matches_the_model_card(shared_data: Path, tmp_path: Path) -> None:
    import json

    from vigil.detectors.image import evaluate

    out = tmp_path / "metrics.json"
    evaluate.main(["--data", str(shared_data / "images"), "--out", str(out)])
    measured = json.loads(out.read_text())
    shipped = json.loads((Path(evaluate.__file__).parent / "forensics_metrics.json").read_text())
    assert measured["copy_move"]["mean_pixel_f1"] == shipped["copy_move"]["mean_pixel_f1"]
    with (shared_data / "images" / "copy_move" / "pairs.csv").open(newline="") as handle:
        assert measured["copy_move"]["images"] == len(list(csv.DictReader(handle)))
