"""Known-content workflow: bank a PDQ hash, match a recompressed copy, dismiss
a false positive, group near-duplicates in a case (benign generated images)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import vigil

pytest.importorskip("pdqhash")
from PIL import Image  # noqa: E402

from vigil.detectors.media.known_content import _example_png  # noqa: E402


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "photos"
    folder.mkdir()
    original = folder / "scene.png"
    original.write_bytes(_example_png(7))
    copy = io.BytesIO()
    Image.open(original).resize((200, 200)).convert("RGB").save(copy, "JPEG", quality=60)
    (folder / "scene_small.jpg").write_bytes(copy.getvalue())
    (folder / "unrelated.png").write_bytes(_example_png(8))
    return {p.name: p for p in folder.iterdir()}


def _known(findings: list[dict[str, object]]) -> list[dict[str, object]]:
    return [f for f in findings if f["label"] == "media.known_content"]


def test_bank_match_negative_list_and_duplicates(tmp_path: Path, photos: dict[str, Path]) -> None:
    home = tmp_path / "home"
    hashed = vigil(home, "hash", str(photos["scene.png"]), "--json")
    assert hashed.returncode == 0, hashed.stderr
    pdq = json.loads(hashed.stdout)["signals"]["pdq"]
    assert len(pdq) == 64
    listing = tmp_path / "bad.csv"
    listing.write_text(f"hash,signal_type\n{pdq},pdq\nnot-a-hash,pdq\n")
    assert vigil(home, "bank", "create", "unit-bad", "--source", "unit test").returncode == 0
    imported = vigil(home, "bank", "import", "unit-bad", str(listing), "--format", "csv")
    assert (
        imported.returncode == 0
        and "added 1" in imported.stdout
        and "1 problems" in imported.stdout
    )

    checked = [
        json.loads(line)
        for line in vigil(
            home, "check", str(photos["scene_small.jpg"]), str(photos["unrelated.png"]), "--json"
        ).stdout.splitlines()
    ]
    hit = [f for f in _known(checked[0]["findings"]) if f["verdict"] == "positive"]
    assert hit and hit[0]["details"]["bank"] == "unit-bad" and hit[0]["details"]["distance"] <= 31
    assert {f["verdict"] for f in _known(checked[1]["findings"])} == {"negative"}

    # an analyst dismisses the match as a false positive: it never matches again
    ours = hit[0]["indicators"][0]["value"]
    assert (
        vigil(home, "bank", "negative", "unit-bad", "pdq", ours, "--reason", "test").returncode == 0
    )
    again = json.loads(vigil(home, "check", str(photos["scene_small.jpg"]), "--json").stdout)
    assert {f["verdict"] for f in _known(again["findings"])} == {"negative"}

    exported = vigil(home, "bank", "export", "unit-bad", "--format", "csv")
    assert pdq in exported.stdout

    assert vigil(home, "case", "new", "photos").returncode == 0
    assert vigil(home, "add", "photos", str(photos["scene.png"].parent)).returncode == 0
    assert vigil(home, "analyze", "photos", "-d", "known_content").returncode == 0
    groups = json.loads(vigil(home, "duplicates", "photos", "--json").stdout)
    assert [sorted(g["name"] for g in group) for group in groups] == [
        ["scene.png", "scene_small.jpg"]
    ]

    # triage: the known-bad match was flagged sensitive, blurred in the report,
    # and revealing it is a logged exposure
    queue = vigil(home, "triage", "photos")
    assert "scene.png" in queue.stdout and "unrelated.png" not in queue.stdout
    report = tmp_path / "r.html"
    assert vigil(home, "report", "photos", "-o", str(report)).returncode == 0
    html = report.read_text()
    assert "sensitive: blurred" in html and 'class="thumb"' in html
    scene = next(g for g in groups[0] if g["name"] == "scene.png")
    revealed = vigil(
        home,
        "reveal",
        "photos",
        scene["item_id"],
        "-o",
        str(tmp_path / "seen.png"),
        "--reason",
        "confirm match",
    )
    assert revealed.returncode == 0, revealed.stderr
    assert (tmp_path / "seen.png").read_bytes() == photos["scene.png"].read_bytes()
    again = vigil(
        home,
        "reveal",
        "photos",
        scene["item_id"],
        "-o",
        str(tmp_path / "seen.png"),
        "--reason",
        "x",
    )
    assert again.returncode == 2  # never overwrites
    assert (
        vigil(
            home, "report", "photos", "--format", "json", "-o", str(tmp_path / "r.json")
        ).returncode
        == 0
    )
    data = json.loads((tmp_path / "r.json").read_text())
    actions = [e["action"] for e in data["custody"]]
    assert "item.flagged" in actions and actions.count("item.revealed") == 1
    assert vigil(home, "verify", "photos").returncode == 0
