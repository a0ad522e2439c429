"""File-type / extension mismatch, as Autopsy's module does: the name says one
thing, the bytes another. Executables behind harmless names get their own label."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from vigil.detectors.base import Detector, DetectorOptions, Example
from vigil.domain.evidence import EvidenceView
from vigil.domain.model import Finding, Status, Verdict
from vigil.formats import (
    EXECUTABLE_TYPES,
    expected_media_types,
    is_executable_extension,
)

__all__ = ["FileTypeMismatchDetector"]

_UNJUDGEABLE = {"application/octet-stream", "application/x-empty"}


class FileTypeMismatchDetector(Detector):
    name = "file_type_mismatch"
    version = "1.0.0"
    media_types = ("*/*",)
    model_card = "vigil.detectors.file:type_mismatch.md"

    def detect(self, item: EvidenceView, opts: DetectorOptions) -> Iterator[Finding]:
        sniffed = item.media_type
        if sniffed in EXECUTABLE_TYPES:
            yield _executable_finding(item.name, sniffed)
        expected = expected_media_types(item.name)
        if expected is None:
            yield Finding.problem(
                "file.extension_mismatch",
                Status.UNSUPPORTED,
                f"The extension of {item.name!r} is not one this detector knows.",
            )
            return
        if sniffed in _UNJUDGEABLE:
            yield Finding.problem(
                "file.extension_mismatch",
                Status.UNREADABLE,
                f"The content type could not be recognised ({sniffed}), so it cannot be compared.",
            )
            return
        consistent = any(fnmatch.fnmatchcase(sniffed, pattern) for pattern in expected)
        details = {"sniffed": sniffed, "expected": list(expected)}
        if consistent:
            yield Finding.scored(
                "file.extension_mismatch",
                0.0,
                0.5,
                f"The content ({sniffed}) matches the extension of {item.name!r}.",
                details=details,
            )
        else:
            yield Finding.scored(
                "file.extension_mismatch",
                1.0,
                0.5,
                f"{item.name!r} is named as {', '.join(expected)} but its bytes are {sniffed}.",
                details=details,
            )

    @classmethod
    def examples(cls) -> list[Example]:
        png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"
        return [
            Example(
                "png named .png",
                png,
                "photo.png",
                "image/png",
                "file.extension_mismatch",
                Verdict.NEGATIVE,
            ),
            Example(
                "png named .pdf",
                png,
                "invoice.pdf",
                "image/png",
                "file.extension_mismatch",
                Verdict.POSITIVE,
            ),
            Example(
                "exe named .jpg",
                exe,
                "holiday.jpg",
                "application/x-msdownload",
                "file.executable_disguised",
                Verdict.POSITIVE,
            ),
        ]


def _executable_finding(name: str, sniffed: str) -> Finding:
    if is_executable_extension(name):
        return Finding.scored(
            "file.executable_disguised",
            0.0,
            0.5,
            f"{name!r} is an executable ({sniffed}) and is named as one.",
            details={"sniffed": sniffed},
        )
    return Finding.scored(
        "file.executable_disguised",
        1.0,
        0.5,
        f"{name!r} is an executable ({sniffed}) hiding behind a non-executable name.",
        details={"sniffed": sniffed},
    )
