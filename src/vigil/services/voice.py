"""Voice enrolment: reference voices of named persons in a case, kept in the
case's custody log (the embedding and the enrolment files' hashes), and handed
to speaker detectors as `DetectorServices.voices`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vigil.custody import make_entry
from vigil.domain.errors import NotFoundError, UsageError
from vigil.domain.evidence import VoiceProfile
from vigil.domain.model import JsonValue
from vigil.services.workspace import Workspace
from vigil.store import MetadataStore

__all__ = ["ENROL_ACTION", "CaseVoiceProfiles", "enrol_voice"]

ENROL_ACTION = "voice.enrolled"


def enrol_voice(ws: Workspace, case_ref: str, person: str, files: Sequence[Path]) -> VoiceProfile:
    """Average the embeddings of `files` into `person`'s reference voice."""
    import numpy as np

    from vigil.detectors.audio.speaker import embed

    case = ws.store.get_case(case_ref)
    if not person.strip():
        raise UsageError("a person needs a name")
    vectors, hashes = [], []
    for path in files:
        if not path.is_file():
            raise NotFoundError(f"no recording at {path}")
        hashes.append(hashlib.sha256(path.read_bytes()).hexdigest())
        with path.open("rb") as stream:
            vectors.append(embed(stream))
    mean = np.mean(vectors, axis=0)
    mean = mean / (np.linalg.norm(mean) or 1.0)
    profile = VoiceProfile(person.strip(), tuple(float(v) for v in mean))
    ws.store.append_custody(
        case.id,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action=ENROL_ACTION,
            object_sha256=hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest(),
            details={
                "person": profile.person,
                "files": [str(p) for p in files],
                "file_sha256": hashes,
                "vector": list(profile.vector),
            },
        ),
    )
    return profile


@dataclass(slots=True)
class CaseVoiceProfiles:
    """The persons enrolled in every case that holds the item (latest enrolment wins)."""

    store: MetadataStore
    _cache: dict[str, list[VoiceProfile]] = field(default_factory=dict)

    def voice_profiles(self, item_sha256: str) -> Sequence[VoiceProfile]:
        profiles: dict[str, VoiceProfile] = {}
        for case_id in self.store.cases_with_sha256(item_sha256):
            if case_id not in self._cache:
                self._cache[case_id] = [
                    _profile(e.details)
                    for e in self.store.list_custody(case_id)
                    if e.action == ENROL_ACTION
                ]
            for profile in self._cache[case_id]:
                profiles[profile.person] = profile
        return list(profiles.values())


def _profile(details: Mapping[str, JsonValue]) -> VoiceProfile:
    vector = details.get("vector")
    values = vector if isinstance(vector, list) else []
    return VoiceProfile(str(details.get("person")), tuple(float(v) for v in values))
