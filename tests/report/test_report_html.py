"""render_html details: artefact embedding, escaping, the Markdown subset."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from vigil.report import html as html_module
from vigil.report import render_html
from vigil.report._markdown import markdown_to_html
from vigil.store import BlobStore

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


def _report(artefacts: list[dict], verification: dict | None = None) -> dict:
    finding = {
        "id": "f1",
        "label": "image.edited",
        "label_description": "",
        "verdict": "positive",
        "score": 0.9,
        "threshold": 0.5,
        "negative_below": None,
        "explanation": 'Spliced <b>region</b> & "quoted"',
        "status": "ok",
        "locator": "(top)",
        "locator_steps": [],
        "details": {"box": [1, 2], "note": "<i>x</i>"},
        "indicators": [],
        "provenance": {
            "detector": "d",
            "detector_version": "1.0.0",
            "model_sha256": None,
            "options_digest": "0" * 64,
            "vigil_version": "0.1.0",
            "input_sha256": "1" * 64,
            "run_id": "r",
            "started_at": "t",
            "finished_at": "t",
        },
        "artefacts": artefacts,
    }
    return {
        "schema_version": "1.1.0",
        "generated_at": "now",
        "vigil_version": "0.1.0",
        "label_vocabulary_version": "1.0.0",
        "case": {"id": "c", "name": "C", "description": "", "created_at": "then"},
        "counts": {
            "items": 1,
            "items_seized": 1,
            "items_derived": 0,
            "findings": 1,
            "findings_superseded": 0,
            "findings_by_verdict": {"positive": 1, "negative": 0, "inconclusive": 0},
            "findings_by_status": {"ok": 1},
            "warnings": 0,
            "custody_entries": 0,
        },
        "verification": verification,
        "evidence": [],
        "warnings": [],
        "custody": [],
        "detectors": [],
        "findings": [{"item_id": "i", "item_name": "photo.jpg", "findings": [finding]}],
    }


def _artefact(sha256: str, size: int | None, media_type: str = "image/png") -> dict:
    return {"sha256": sha256, "name": "heatmap.png", "media_type": media_type, "size": size}


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "home")


def test_small_image_artefact_is_embedded_as_data_uri(blobs: BlobStore):
    sha = blobs.put_bytes(PNG).sha256
    page = render_html(_report([_artefact(sha, len(PNG))]), blobs)
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page


def test_without_blob_store_nothing_is_embedded(blobs: BlobStore):
    sha = blobs.put_bytes(PNG).sha256
    page = render_html(_report([_artefact(sha, len(PNG))]))
    assert "data:image" not in page and "no blob store given" in page
    assert sha in page


def test_artefact_over_the_limit_is_listed_not_embedded(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
):
    sha = blobs.put_bytes(PNG).sha256
    monkeypatch.setattr(html_module, "MAX_EMBED_BYTES", len(PNG) - 1)
    page = render_html(_report([_artefact(sha, len(PNG))]), blobs)
    assert "data:image" not in page and "embedding limit; not embedded" in page
    big = render_html(_report([_artefact(sha, 6 * 1024 * 1024)]), blobs)
    assert "6.0 MiB is over the" in big


def test_altered_or_missing_artefact_is_not_shown(blobs: BlobStore):
    sha = blobs.put_bytes(PNG).sha256
    path = blobs.path_of(sha)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(PNG[:-1] + b"\x01")
    page = render_html(_report([_artefact(sha, len(PNG)), _artefact("e" * 64, None)]), blobs)
    assert "data:image" not in page
    assert "no longer match the recorded SHA-256" in page
    assert "missing from the blob store" in page


def test_non_raster_artefacts_are_not_embedded(blobs: BlobStore):
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    sha = blobs.put_bytes(svg).sha256
    page = render_html(_report([_artefact(sha, len(svg), "image/svg+xml")]), blobs)
    assert "data:image" not in page and "<svg" not in page
    assert "image/svg+xml is not embedded" in page


def test_explanations_and_details_are_escaped():
    page = render_html(_report([]))
    assert "Spliced &lt;b&gt;region&lt;/b&gt; &amp; &#34;quoted&#34;" in page
    assert "<i>x</i>" not in page and "&lt;i&gt;x&lt;/i&gt;" in page
    assert "[1, 2]" in page


def test_banner_states():
    assert 'class="banner banner-none"' in render_html(_report([]))
    ok = render_html(
        _report([], {"ok": True, "blobs_checked": 2, "custody_entries": 5, "problems": []})
    )
    assert 'class="banner banner-ok"' in ok
    failed = render_html(
        _report(
            [],
            {
                "ok": False,
                "blobs_checked": 2,
                "custody_entries": 5,
                "problems": ["item x (<evil>.txt): blob altered"],
            },
        )
    )
    assert 'class="banner banner-failed"' in failed
    assert "<li>item x (&lt;evil&gt;.txt): blob altered</li>" in failed


def test_markdown_subset_escapes_before_marking_up():
    out = str(
        markdown_to_html(
            "# Card <script>\n\n**Kind:** rules `a<b` and *soft*.\n"
            "- one\n  continued\n- two [link](javascript:alert(1))\n\n<img src=x onerror=y>"
        )
    )
    assert "<h4>Card &lt;script&gt;</h4>" in out
    assert "<strong>Kind:</strong> rules <code>a&lt;b</code> and <em>soft</em>." in out
    assert "<ul><li>one continued</li><li>two [link](javascript:alert(1))</li></ul>" in out
    assert "<p>&lt;img src=x onerror=y&gt;</p>" in out
    assert "<script" not in out and "<img" not in out
