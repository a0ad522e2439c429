"""C2PA manifests through c2pa-python, offline: no OCSP or remote-manifest
fetching. Summarises validation state, failure codes (integrity versus trust),
signer, claim generator, actions with their digital source types, and
ingredients with their own validation status.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field

from vigil.imaging.generators import AI_SOURCE_TYPES, WEAK_SOURCE_TYPES, source_type_term

__all__ = ["C2paSummary", "INTEGRITY_CODES", "read_c2pa"]

log = logging.getLogger(__name__)

_MIME = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/avif",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
}
INTEGRITY_CODES = (
    "claimSignature.mismatch",
    "claimSignature.missing",
    "assertion.dataHash.mismatch",
    "assertion.bmffHash.mismatch",
    "assertion.boxesHash.mismatch",
    "assertion.hashedURI.mismatch",
    "assertion.missing",
    "assertion.multipleHardBindings",
    "assertion.undeclared",
    "claim.missing",
    "claim.malformed",
    "claim.multiple",
    "claim.hardBindings.missing",
    "ingredient.manifest.missing",
    "ingredient.hashedURI.mismatch",
    "ingredient.claimSignature.mismatch",
    "manifest.inaccessible",
    "manifest.multipleParents",
    "manifest.update.invalid",
    "signingCredential.invalid",
    "signingCredential.revoked",
    "timeStamp.mismatch",
    "general.error",
)
"""Failure codes saying the file or its manifest was altered or is malformed
(as opposed to trust codes such as signingCredential.untrusted, or identity
checks that need the network)."""
_MAX_LIST = 50


@dataclass(slots=True)
class C2paSummary:
    present: bool
    state: str = ""
    """Valid, Trusted or Invalid (c2pa-python's validation state); '' if unread."""
    error: str = ""
    failure_codes: list[str] = field(default_factory=list)
    integrity_failures: list[str] = field(default_factory=list)
    ingredient_failures: list[str] = field(default_factory=list)
    claim_generator: str = ""
    signer_issuer: str = ""
    signer_common_name: str = ""
    signed_at: str = ""
    actions: list[dict[str, str]] = field(default_factory=list)
    ingredients: list[dict[str, str]] = field(default_factory=list)
    ai_source_types: list[str] = field(default_factory=list)
    weak_source_types: list[str] = field(default_factory=list)
    manifest_count: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "error": self.error,
            "failure_codes": self.failure_codes,
            "integrity_failures": self.integrity_failures,
            "ingredient_failures": self.ingredient_failures,
            "claim_generator": self.claim_generator,
            "signer_issuer": self.signer_issuer,
            "signer_common_name": self.signer_common_name,
            "signed_at": self.signed_at,
            "actions": self.actions,
            "ingredients": self.ingredients,
            "ai_source_types": self.ai_source_types,
            "weak_source_types": self.weak_source_types,
            "manifest_count": self.manifest_count,
        }


def read_c2pa(data: bytes, fmt: str, trust_anchors_pem: str = "") -> C2paSummary:
    """Read and validate the C2PA store in `data`; never raises."""
    mime = _MIME.get(fmt)
    if mime is None:
        return C2paSummary(present=True, error=f"C2PA reading is not supported for {fmt}")
    try:
        import c2pa
    except ImportError:
        return C2paSummary(present=True, error="c2pa-python is not installed")
    config: dict[str, object] = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}
    if trust_anchors_pem.strip():
        config["trust"] = {"trust_anchors": trust_anchors_pem}
    try:
        context = c2pa.Context(settings=c2pa.Settings.from_dict(config))
        with c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
            state = str(reader.get_validation_state() or "")
            results = reader.get_validation_results() or {}
            store = json.loads(reader.json())
    except Exception as exc:  # the native reader raises its own error tree for bad stores
        name = type(exc).__name__.lstrip("_")
        if "ManifestNotFound" in name:
            return C2paSummary(present=False, error="no manifest found")
        log.debug("c2pa read failed: %s", name)
        return C2paSummary(present=True, error=f"{name}: {str(exc)[:200]}")
    return _summarise(state, results, store)


def _summarise(state: str, results: object, store: object) -> C2paSummary:
    summary = C2paSummary(present=True, state=state)
    if not isinstance(store, dict):
        summary.error = "the manifest store is not a JSON object"
        return summary
    manifests = store.get("manifests") or {}
    summary.manifest_count = len(manifests) if isinstance(manifests, dict) else 0
    active = (
        manifests.get(store.get("active_manifest", "")) if isinstance(manifests, dict) else None
    )
    if isinstance(results, dict):
        active_results = results.get("activeManifest") or {}
        for entry in active_results.get("failure", [])[:_MAX_LIST]:
            code = str(entry.get("code", ""))
            summary.failure_codes.append(code)
            if code in INTEGRITY_CODES:
                summary.integrity_failures.append(code)
        for delta in (results.get("ingredientDeltas") or [])[:_MAX_LIST]:
            for entry in (delta.get("validationDeltas") or {}).get("failure", [])[:_MAX_LIST]:
                code = str(entry.get("code", ""))
                if code in INTEGRITY_CODES:
                    summary.ingredient_failures.append(code)
    if not isinstance(active, dict):
        summary.error = "no active manifest"
        return summary
    summary.claim_generator = _claim_generator(active)
    signature = active.get("signature_info") or {}
    summary.signer_issuer = str(signature.get("issuer", ""))
    summary.signer_common_name = str(signature.get("common_name", ""))
    summary.signed_at = str(signature.get("time", ""))
    for assertion in active.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in ((assertion.get("data") or {}).get("actions") or [])[:_MAX_LIST]:
                summary.actions.append(_action(action, summary))
    for ingredient in (active.get("ingredients") or [])[:_MAX_LIST]:
        codes = [str(v.get("code", "")) for v in ingredient.get("validation_status") or []]
        bad = [c for c in codes if c in INTEGRITY_CODES]
        summary.ingredient_failures.extend(bad)
        summary.ingredients.append(
            {
                "title": str(ingredient.get("title", ""))[:200],
                "relationship": str(ingredient.get("relationship", "")),
                "format": str(ingredient.get("format", "")),
                "has_manifest": "yes" if ingredient.get("active_manifest") else "no",
                "validation_failures": ";".join(bad),
            }
        )
        # an ingredient that was itself AI-made makes a composite
        child = manifests.get(ingredient.get("active_manifest", "")) if manifests else None
        if isinstance(child, dict):
            for assertion in child.get("assertions") or []:
                if str(assertion.get("label", "")).startswith("c2pa.actions"):
                    for action in ((assertion.get("data") or {}).get("actions") or [])[:_MAX_LIST]:
                        _action(action, summary, from_ingredient=True)
    summary.ingredient_failures = sorted(set(summary.ingredient_failures))
    return summary


def _claim_generator(active: dict[str, object]) -> str:
    generator = active.get("claim_generator")
    if isinstance(generator, str) and generator:
        return generator[:300]
    info = active.get("claim_generator_info")
    if isinstance(info, list):
        parts = [
            f"{i.get('name', '')}/{i.get('version', '')}".rstrip("/")
            for i in info
            if isinstance(i, dict)
        ]
        return " ".join(parts)[:300]
    return ""


def _action(action: object, summary: C2paSummary, from_ingredient: bool = False) -> dict[str, str]:
    if not isinstance(action, dict):
        return {}
    dst = str(action.get("digitalSourceType", "") or "")
    agent = action.get("softwareAgent", "")
    if isinstance(agent, dict):
        agent = agent.get("name", "")
    term = source_type_term(dst) if dst else ""
    tagged = f"{term} (ingredient)" if from_ingredient else term
    if term in AI_SOURCE_TYPES and tagged not in summary.ai_source_types:
        summary.ai_source_types.append(tagged)
    elif term in WEAK_SOURCE_TYPES and tagged not in summary.weak_source_types:
        summary.weak_source_types.append(tagged)
    return {
        "action": str(action.get("action", ""))[:100],
        "digital_source_type": term,
        "software_agent": str(agent)[:200],
    }
