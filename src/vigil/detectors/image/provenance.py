"""Image provenance: does the file declare itself AI-made (C2PA actions,
IPTC DigitalSourceType, generator metadata), and does its C2PA manifest
validate? Rules over metadata; pixels are decoded only for "stealth"
parameters hidden in the alpha channel."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, JsonValue, Status, Verdict
from vigil.imaging import ImageLimits, ImageMetadata, ImageProblem, read_bounded, read_metadata
from vigil.imaging.c2pa_manifest import C2paSummary, read_c2pa
from vigil.imaging.generators import GeneratorSign, generator_signs, stealth_parameters

__all__ = ["ImageProvenanceDetector", "ImageProvenanceOptions"]

AI = "image.provenance_ai"
INVALID = "image.provenance_invalid"
THRESHOLD = 0.8
NEGATIVE_BELOW = 0.3


class ImageProvenanceOptions(DetectorOptions):
    max_bytes: int = Field(default=64 << 20, ge=1, le=1 << 31)
    """Items larger than this are not read (status unsupported)."""
    validate_c2pa: bool = True
    """Validate C2PA manifests with c2pa-python (offline: no OCSP, no remote manifests)."""
    c2pa_trust_anchors_pem: str = Field(default="", max_length=1 << 20)
    """PEM certificates trusted as C2PA signers; without them every signer is 'untrusted'."""
    stealth_pnginfo: bool = True
    """Look for parameters hidden in the alpha channel of PNGs (decodes the pixels)."""


class ImageProvenanceDetector(Detector):
    name = "image_provenance"
    version = "1.0.0"
    media_types = ("image/*",)
    model_card = "vigil.detectors.image:provenance.md"
    requires = ("PIL", "numpy")
    install_hint = "pip install 'vigil-forensics[image]'"
    Options = ImageProvenanceOptions

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        assert isinstance(opts, ImageProvenanceOptions)
        data = read_bounded(item, opts.max_bytes)
        if isinstance(data, ImageProblem):
            yield Finding.problem(AI, data.status, data.reason)
            return
        meta = read_metadata(data)
        if meta.format == "UNKNOWN":
            yield Finding.problem(
                AI, Status.UNSUPPORTED, "The bytes are not in an image format this detector reads."
            )
            return
        yield from _judge(data, meta, opts)

    @classmethod
    def examples(cls) -> list[Example]:
        from vigil.imaging.samples import plain_png, sd_tagged_png, xmp_tagged_jpeg

        return [
            Example(
                "PNG with Stable Diffusion parameters",
                sd_tagged_png(),
                "generated.png",
                "image/png",
                AI,
                Verdict.POSITIVE,
            ),
            Example("plain PNG", plain_png(), "plain.png", "image/png", AI, Verdict.NEGATIVE),
            Example(
                "JPEG with IPTC trainedAlgorithmicMedia in XMP",
                xmp_tagged_jpeg(),
                "declared.jpg",
                "image/jpeg",
                AI,
                Verdict.POSITIVE,
            ),
            Example(
                "JPEG declared as a digital capture",
                xmp_tagged_jpeg("digitalCapture"),
                "camera.jpg",
                "image/jpeg",
                AI,
                Verdict.NEGATIVE,
            ),
        ]


def _judge(data: bytes, meta: ImageMetadata, opts: ImageProvenanceOptions) -> Iterator[Finding]:
    signs = generator_signs(meta)
    if opts.stealth_pnginfo and meta.png is not None and meta.png.colour_type in (4, 6):
        stealth = _stealth(data)
        if stealth:
            signs.append(
                GeneratorSign("stealth_alpha", "AUTOMATIC1111 stealth pnginfo", stealth[:200])
            )
    c2pa = C2paSummary(present=False)
    if meta.has_c2pa_store:
        if opts.validate_c2pa:
            c2pa = read_c2pa(data, meta.format, opts.c2pa_trust_anchors_pem)
        else:
            c2pa = C2paSummary(present=True, error="validation switched off by option")
    yield _ai_finding(signs, c2pa, meta)
    if c2pa.present:
        yield _invalid_finding(c2pa)


def _stealth(data: bytes) -> str | None:
    """Parameters hidden in the alpha channel; the pixel limit applies as in any decode."""
    import io
    import warnings

    import numpy as np
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > ImageLimits().max_pixels:
                return None
            alpha = np.asarray(image.convert("RGBA"), dtype=np.uint8)[..., 3]
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
    return stealth_parameters(alpha)


def _ai_finding(signs: list[GeneratorSign], c2pa: C2paSummary, meta: ImageMetadata) -> Finding:
    typed = signs
    declared = [s for s in typed if s.strength == "declared"]
    weak = [s for s in typed if s.strength != "declared"]
    details: dict[str, JsonValue] = {
        "format": meta.format,
        "signs": [
            {"source": s.source, "tool": s.tool, "evidence": s.evidence, "strength": s.strength}
            for s in typed
        ],
        "exif": {k: v[:300] for k, v in meta.exif.items()},
        "c2pa_present": c2pa.present,
        "problems": meta.problems[:20],
    }
    if c2pa.present:
        details["c2pa"] = c2pa.to_json()  # type: ignore[assignment]
    if c2pa.ai_source_types:
        valid = c2pa.state in ("Valid", "Trusted")
        score = 1.0 if valid else 0.9
        how = "a valid" if valid else f"an {c2pa.state.lower() or 'unvalidated'}"
        text = (
            f"The image carries {how} C2PA manifest whose actions declare "
            f"{', '.join(c2pa.ai_source_types)}"
            + (f" (claim generator {c2pa.claim_generator})." if c2pa.claim_generator else ".")
        )
    elif declared:
        first = declared[0]
        score = 0.95
        text = (
            f"Metadata written by a generator declares AI generation: {first.tool} "
            f"({first.source}){' and more' if len(declared) > 1 else ''}."
        )
    elif c2pa.weak_source_types or weak:
        terms = c2pa.weak_source_types + [s.evidence for s in weak]
        score = 0.5
        text = (
            f"Provenance declares computer-made content ({', '.join(terms[:3])}) but not a trained "
            "generative model; inconclusive."
        )
    else:
        score = 0.0
        where = "C2PA manifest, " if c2pa.present else ""
        text = (
            f"No AI-generation declaration was found in the {where}XMP, EXIF or generator "
            "metadata (metadata is easily stripped, so this does not show the image is real)."
        )
    return Finding.scored(
        AI, score, THRESHOLD, text, negative_below=NEGATIVE_BELOW, details=details
    )


def _invalid_finding(c2pa: C2paSummary) -> Finding:
    details: dict[str, JsonValue] = c2pa.to_json()  # type: ignore[assignment]
    if c2pa.error and not c2pa.state:
        return Finding.problem(
            INVALID,
            Status.UNSUPPORTED if "not installed" in c2pa.error else Status.UNREADABLE,
            f"A C2PA store is present but could not be validated ({c2pa.error}).",
            details=details,
        )
    signer = c2pa.signer_common_name or c2pa.signer_issuer or "an unnamed signer"
    if c2pa.integrity_failures:
        return Finding.scored(
            INVALID,
            1.0,
            THRESHOLD,
            f"The C2PA manifest signed by {signer} fails validation "
            f"({', '.join(sorted(set(c2pa.integrity_failures)))}): the file or its manifest "
            "changed after signing.",
            negative_below=NEGATIVE_BELOW,
            details=details,
        )
    if c2pa.ingredient_failures:
        return Finding.scored(
            INVALID,
            0.6,
            THRESHOLD,
            f"The active C2PA manifest (signer {signer}) validates, but an ingredient's manifest "
            f"does not ({', '.join(c2pa.ingredient_failures[:3])}).",
            negative_below=NEGATIVE_BELOW,
            details=details,
        )
    if c2pa.state == "Invalid":
        return Finding.scored(
            INVALID,
            0.5,
            THRESHOLD,
            f"The C2PA manifest (signer {signer}) is reported invalid only for checks that "
            f"need trust settings or the network ({', '.join(c2pa.failure_codes[:3])}).",
            negative_below=NEGATIVE_BELOW,
            details=details,
        )
    trust = "a trusted" if c2pa.state == "Trusted" else "an untrusted (no trust anchors loaded)"
    return Finding.scored(
        INVALID,
        0.0,
        THRESHOLD,
        f"The C2PA manifest validates: hashes and signature match, signed by {signer} with "
        f"{trust} certificate.",
        negative_below=NEGATIVE_BELOW,
        details=details,
    )
