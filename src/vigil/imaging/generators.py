"""Signs of AI generators in ordinary image metadata: PNG text chunks written
by Stable Diffusion front ends (AUTOMATIC1111/Forge, ComfyUI, Fooocus,
InvokeAI, NovelAI), the same parameters in EXIF UserComment, "stealth"
parameters in alpha-channel LSBs, EXIF Software/Make/Model and XMP
CreatorTool naming a generator, and IPTC DigitalSourceType terms.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.imaging.metadata import ImageMetadata, xmp_fields

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "AI_SOURCE_TYPES",
    "GeneratorSign",
    "WEAK_SOURCE_TYPES",
    "generator_signs",
    "source_type_term",
    "stealth_parameters",
]

IPTC_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
"""IPTC terms that declare generative-AI content."""
WEAK_SOURCE_TYPES = frozenset({"algorithmicMedia", "compositeSynthetic", "algorithmicallyEnhanced"})
"""Computer-made or -altered, but not declared as made by a trained model."""

_A1111 = re.compile(r"(?:^|\n)(?:Steps: \d+|Negative prompt:)|Sampler: [\w+ ]+, CFG scale:")
_AI_TOOLS = re.compile(
    r"\b(midjourney|dall[-·\s]?e|stable[\s_-]?diffusion|sdxl|novelai|firefly|imagen|"
    r"comfyui|invokeai|fooocus|automatic1111|leonardo\.?ai|bing image creator|"
    r"dreamstudio|nightcafe|craiyon|ideogram|flux\.1|gpt-4o|chatgpt|openai|"
    r"gemini|recraft|playground ?ai|runway ?ml|krea|diffusionbee|draw things)\b",
    re.IGNORECASE,
)
_STEALTH_MAGIC = (b"stealth_pnginfo", b"stealth_pngcomp")
_MAX_STEALTH = 1 << 20


@dataclass(frozen=True, slots=True)
class GeneratorSign:
    source: str
    """Where: png_text, exif, xmp, stealth_alpha."""
    tool: str
    evidence: str
    """A short excerpt (prompts are cut at 200 characters)."""
    strength: str = "declared"
    """declared: metadata written by a generator; weak: a hint only."""


def source_type_term(value: str) -> str:
    """'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' -> the term."""
    value = value.strip()
    return value[len(IPTC_PREFIX) :] if value.startswith(IPTC_PREFIX) else value.rsplit("/", 1)[-1]


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(text: str) -> object:
    try:
        return json.loads(text[: 8 << 20])
    except (ValueError, RecursionError):
        return None


def generator_signs(meta: ImageMetadata) -> list[GeneratorSign]:
    """Every generator sign in the metadata, strongest sources first."""
    signs: list[GeneratorSign] = []
    texts = dict(meta.png.texts) if meta.png else {}
    params = texts.get("parameters")
    if params is not None:
        if "fooocus_scheme" in texts or '"fooocus' in params[:2000].lower():
            signs.append(GeneratorSign("png_text", "Fooocus", _excerpt(params)))
        elif _A1111.search(params):
            signs.append(GeneratorSign("png_text", "AUTOMATIC1111-style web UI", _excerpt(params)))
        elif isinstance(_json(params), dict):
            signs.append(GeneratorSign("png_text", "Stable Diffusion front end", _excerpt(params)))
    for key in ("prompt", "workflow"):
        parsed = _json(texts.get(key, ""))
        if isinstance(parsed, dict) and (
            "nodes" in parsed
            or any(isinstance(v, dict) and "class_type" in v for v in parsed.values())
        ):
            signs.append(GeneratorSign("png_text", "ComfyUI", _excerpt(texts[key])))
            break
    for key in ("invokeai_metadata", "invokeai_graph", "sd-metadata", "Dream"):
        if key in texts:
            signs.append(GeneratorSign("png_text", "InvokeAI", _excerpt(texts[key])))
            break
    software = texts.get("Software", "")
    if software == "NovelAI" or texts.get("Title") == "AI generated image":
        evidence = f"Software={software!r}; Source={texts.get('Source', '')!r}"
        signs.append(GeneratorSign("png_text", "NovelAI", _excerpt(evidence)))
    comment = meta.exif.get("UserComment", "")
    if comment and _A1111.search(comment):
        signs.append(
            GeneratorSign(
                "exif", "AUTOMATIC1111-style web UI (EXIF UserComment)", _excerpt(comment)
            )
        )
    for tag in ("Software", "Make", "Model", "ImageDescription", "Artist"):
        value = meta.exif.get(tag, "")
        match = _AI_TOOLS.search(value)
        if match:
            signs.append(GeneratorSign("exif", match.group(0), f"EXIF {tag}={_excerpt(value)!r}"))
    if meta.png is not None and not any(s.source == "png_text" for s in signs):
        for key, value in texts.items():
            match = _AI_TOOLS.search(value[:4000]) if key in ("Software", "Source") else None
            if match:
                signs.append(
                    GeneratorSign("png_text", match.group(0), f"{key}={_excerpt(value)!r}")
                )
    if meta.xmp:
        fields = xmp_fields(meta.xmp)
        for value in fields.get("DigitalSourceType", []):
            term = source_type_term(value)
            if term in AI_SOURCE_TYPES:
                signs.append(GeneratorSign("xmp", "IPTC DigitalSourceType", term))
            elif term in WEAK_SOURCE_TYPES:
                signs.append(GeneratorSign("xmp", "IPTC DigitalSourceType", term, "weak"))
        for value in fields.get("CreatorTool", []) + fields.get("SoftwareAgent", []):
            match = _AI_TOOLS.search(value)
            if match:
                signs.append(GeneratorSign("xmp", match.group(0), f"XMP tool {_excerpt(value)!r}"))
        for value in fields.get("Credit", []):
            if re.search(r"made with .*\bAI\b|generated (?:with|by) AI", value, re.IGNORECASE):
                signs.append(GeneratorSign("xmp", "credit line", _excerpt(value)))
    return signs


def stealth_parameters(alpha: NDArray[np.uint8]) -> str | None:
    """Generation parameters hidden in alpha-channel LSBs ("stealth pnginfo"),
    read column by column as the A1111 extension writes them; `None` if absent."""
    import numpy as np

    height, width = alpha.shape
    if height * width < 8 * (len(_STEALTH_MAGIC[0]) + 4):
        return None
    column_major = np.ascontiguousarray(alpha.T).reshape(-1)
    head = np.packbits(column_major[: 8 * 19] & 1).tobytes()
    magic, length_bits = head[:15], int.from_bytes(head[15:19], "big")
    if magic not in _STEALTH_MAGIC:
        return None
    start = 8 * 19
    length_bits = min(length_bits, column_major.size - start, 8 * _MAX_STEALTH)
    payload = np.packbits(column_major[start : start + length_bits] & 1).tobytes()
    if magic == b"stealth_pngcomp":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(payload)) as unzipped:
                payload = unzipped.read(_MAX_STEALTH)
        except (OSError, EOFError):
            return None
    text = payload.decode("utf-8", errors="replace")
    return text if _A1111.search(text) or text.strip().startswith("{") else None
