"""image_provenance: generator metadata, XMP/EXIF, C2PA manifests signed
here with a throwaway CA and leaf, and the shared provenance fixtures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from image_test_helpers import run_detector

from vigil.detectors.image.provenance import ImageProvenanceDetector
from vigil.domain.model import Finding, Status, Verdict
from vigil.imaging.samples import (
    c2pa_signed_jpeg_with_ca,
    plain_png,
    sd_tagged_png,
    xmp_tagged_jpeg,
)

Image = pytest.importorskip("PIL.Image")

AI = "image.provenance_ai"
INVALID = "image.provenance_invalid"


def _by_label(findings: list[Finding], label: str) -> Finding:
    matching = [f for f in findings if f.label == label]
    assert len(matching) == 1, findings
    return matching[0]


def _run(data: bytes, media_type: str = "image/png", **options: object) -> list[Finding]:
    return run_detector(ImageProvenanceDetector, data, media_type, **options)


def test_sd_parameters_png_is_positive_and_plain_png_negative() -> None:
    positive = _by_label(_run(sd_tagged_png()), AI)
    assert positive.verdict is Verdict.POSITIVE
    assert positive.details["signs"][0]["tool"] == "AUTOMATIC1111-style web UI"  # type: ignore[index]
    negative = _by_label(_run(plain_png()), AI)
    assert negative.verdict is Verdict.NEGATIVE and negative.score == 0.0


def test_comfyui_workflow_and_invokeai_chunks() -> None:
    workflow = json.dumps({"3": {"class_type": "KSampler", "inputs": {"steps": 20}}})
    found = _by_label(_run(plain_png(texts=(("prompt", workflow),))), AI)
    assert found.verdict is Verdict.POSITIVE and "ComfyUI" in found.explanation
    invoke = _by_label(_run(plain_png(texts=(("invokeai_metadata", "{}"),))), AI)
    assert invoke.verdict is Verdict.POSITIVE
    # an ordinary JSON "prompt" chunk that is not a graph is not a sign
    other = _by_label(_run(plain_png(texts=(("prompt", '{"a": 1}'),))), AI)
    assert other.verdict is Verdict.NEGATIVE


@pytest.mark.parametrize(
    ("term", "verdict"),
    [
        ("trainedAlgorithmicMedia", Verdict.POSITIVE),
        ("compositeWithTrainedAlgorithmicMedia", Verdict.POSITIVE),
        ("algorithmicMedia", Verdict.INCONCLUSIVE),
        ("digitalCapture", Verdict.NEGATIVE),
    ],
)
def test_xmp_digital_source_type(term: str, verdict: Verdict) -> None:
    finding = _by_label(_run(xmp_tagged_jpeg(term), "image/jpeg"), AI)
    assert finding.verdict is verdict


def test_exif_software_naming_a_generator() -> None:
    exif = Image.Exif()
    exif[0x0131] = "Midjourney v6"
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, "JPEG", exif=exif.tobytes())
    finding = _by_label(_run(out.getvalue(), "image/jpeg"), AI)
    assert finding.verdict is Verdict.POSITIVE
    assert "Midjourney" in finding.explanation


def test_stealth_parameters_in_alpha() -> None:
    np = pytest.importorskip("numpy")
    import gzip

    text = "a red bicycle\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1"
    payload = gzip.compress(text.encode())
    header = b"stealth_pngcomp" + (len(payload) * 8).to_bytes(4, "big")
    bits = np.unpackbits(np.frombuffer(header + payload, dtype=np.uint8))
    side = 64
    alpha = np.full(side * side, 254, dtype=np.uint8)
    alpha[: bits.size] |= bits
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., 3] = alpha.reshape(side, side).T  # written column by column
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    finding = _by_label(_run(out.getvalue()), AI)
    assert finding.verdict is Verdict.POSITIVE
    assert finding.details["signs"][0]["source"] == "stealth_alpha"  # type: ignore[index]


def test_not_an_image_is_unsupported_and_empty_unreadable() -> None:
    assert _run(b"hello world", "image/png")[0].status is Status.UNSUPPORTED
    assert _run(b"", "image/png")[0].status is Status.UNREADABLE
    assert _run(b"x" * 100, "image/png", max_bytes=10)[0].status is Status.UNSUPPORTED


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_never_raise(body: bytes) -> None:
    for prefix in (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"):
        for finding in _run(prefix + body):
            assert finding.label in (AI, INVALID)


# --- C2PA signed here -------------------------------------------------------------

c2pa = pytest.importorskip("c2pa")
x509 = pytest.importorskip("cryptography.x509")


@pytest.fixture(scope="module")
def signed() -> tuple[bytes, bytes]:
    made = c2pa_signed_jpeg_with_ca()
    assert made is not None, "c2pa signing with a throwaway CA failed"
    return made


def test_signed_ai_asset_declares_ai_and_validates(signed: tuple[bytes, bytes]) -> None:
    data, _ = signed
    findings = _run(data, "image/jpeg")
    ai = _by_label(findings, AI)
    assert ai.verdict is Verdict.POSITIVE and ai.score == 1.0
    c2pa_details = ai.details["c2pa"]
    assert c2pa_details["ai_source_types"] == ["trainedAlgorithmicMedia"]  # type: ignore[index]
    assert c2pa_details["signer_common_name"] == "Vigil demo signer"  # type: ignore[index]
    assert c2pa_details["actions"][0]["software_agent"] == "Vigil demo generator"  # type: ignore[index]
    invalid = _by_label(findings, INVALID)
    assert invalid.verdict is Verdict.NEGATIVE
    assert "untrusted" in invalid.explanation


def test_trust_anchor_option_makes_the_signer_trusted(signed: tuple[bytes, bytes]) -> None:
    data, ca_pem = signed
    invalid = _by_label(_run(data, "image/jpeg", c2pa_trust_anchors_pem=ca_pem.decode()), INVALID)
    assert invalid.details["state"] == "Trusted"
    assert "a trusted" in invalid.explanation


def test_pixels_changed_after_signing_fail_validation(signed: tuple[bytes, bytes]) -> None:
    data, _ = signed
    tampered = bytearray(data)
    tampered[-200] ^= 0x01  # inside the entropy-coded scan
    invalid = _by_label(_run(bytes(tampered), "image/jpeg"), INVALID)
    assert invalid.verdict is Verdict.POSITIVE
    assert "assertion.dataHash.mismatch" in invalid.details["integrity_failures"]  # type: ignore[operator]


def test_validation_can_be_switched_off(signed: tuple[bytes, bytes]) -> None:
    data, _ = signed
    invalid = _by_label(_run(data, "image/jpeg", validate_c2pa=False), INVALID)
    assert invalid.status is Status.UNREADABLE


# --- shared fixtures -----------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_shared_c2pa_fixtures(shared_data: Path) -> None:
    folder = shared_data / "images" / "provenance"
    rows = _rows(folder / "labels.csv")
    checked = 0
    for row in rows:
        findings = _run((folder / row["path"]).read_bytes(), "image/jpeg")
        invalid = [f for f in findings if f.label == INVALID]
        expected = row["expected"]
        if expected == "no_manifest":
            assert not invalid, row["path"]
        elif expected in ("invalid_signature", "hash_mismatch"):
            assert invalid[0].verdict is Verdict.POSITIVE, row["path"]
        elif expected == "assertion_uri_mismatch":
            # E-uri-CIE-sig-CA: c2pa-python finds the mismatch in the ingredient, not the
            # active manifest, so it is reported as an ingredient failure (score 0.6)
            failures = (
                invalid[0].details["integrity_failures"]
                or invalid[0].details["ingredient_failures"]
            )
            assert "assertion.hashedURI.mismatch" in failures, row["path"]  # type: ignore[operator]
            assert invalid[0].verdict is not Verdict.NEGATIVE
        elif expected == "missing_claim":
            assert invalid[0].verdict is Verdict.POSITIVE, row["path"]
        elif expected == "valid":
            assert invalid[0].verdict in (Verdict.NEGATIVE, Verdict.INCONCLUSIVE), row["path"]
        elif expected == "ingredient_invalid_signature":
            assert invalid[0].score == 0.6, row["path"]
        if row["digital_source_type"] == "trainedAlgorithmicMedia":
            assert _by_label(findings, AI).verdict is Verdict.POSITIVE, row["path"]
        checked += 1
    assert checked == len(rows) >= 30


def test_shared_generator_metadata(shared_data: Path) -> None:
    folder = shared_data / "images" / "provenance"
    rows = _rows(folder / "sd_generation_metadata.csv")
    for row in rows:
        finding = _by_label(_run((folder / row["path"]).read_bytes()), AI)
        assert finding.verdict is Verdict.POSITIVE, row["path"]
    assert len(rows) == 8
