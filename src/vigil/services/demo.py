"""`vigil demo`: a small benign evidence set the project generates itself,
ingested into a new case, analysed, verified and reported."""

from __future__ import annotations

import hashlib
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from vigil.domain.model import HashSetCategory
from vigil.ingest import IngestSummary
from vigil.runner import RunSummary
from vigil.services.analysis import analyze_case
from vigil.services.cases import add_evidence, create_case
from vigil.services.hashsets import import_hash_set
from vigil.services.workspace import Workspace

__all__ = ["DemoResult", "SAMPLE_BUILDERS", "build_samples", "run_demo"]

KNOWN_BAD_NOTE = b"Demo note: this exact text is listed on the demo known-bad hash set.\n"


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A real PNG (gradient) built with zlib, so the demo needs no imaging library."""
    rows = b"".join(
        b"\x00"
        + bytes(v for x in range(width) for v in (x * 4 % 256, y * 5 % 256, (x + y) * 2 % 256))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def pe_stub() -> bytes:
    """A benign, non-functional Windows PE header: enough to be sniffed as an executable."""
    dos = bytearray(b"MZ" + b"\x00" * 62)
    struct.pack_into("<I", dos, 0x3C, 64)
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 0, 0, 0, 0, 0xE0, 0x102)
    return bytes(dos) + pe + b"\x00" * 256


def _email(folder: Path) -> None:
    message = EmailMessage()
    message["From"] = "Accounts Department <accounts@example-invoices.test>"
    message["To"] = "victim@example.org"
    message["Subject"] = "Overdue invoice - action required"
    message["Date"] = "Mon, 02 Nov 2026 09:15:00 +0000"
    message["Message-ID"] = "<demo-0001@example-invoices.test>"
    message.set_content("Please find the overdue invoice attached and pay today.\n")
    message.add_attachment(png_bytes(), maintype="image", subtype="png", filename="invoice.png")
    message.add_attachment(
        pe_stub(), maintype="application", subtype="octet-stream", filename="invoice.pdf.exe"
    )
    (folder / "overdue_invoice.eml").write_bytes(bytes(message))


def _archive(folder: Path) -> None:
    with zipfile.ZipFile(folder / "phone_export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("chat/notes.txt", "Meeting moved to Friday.\n")
        archive.writestr("chat/known_bad_note.txt", KNOWN_BAD_NOTE)
        archive.writestr("media/photo_0001.png", png_bytes(32, 32))
    with tarfile.open(folder / "backup.tar.gz", "w:gz") as tar:
        path = folder / "_tmp_readme.txt"
        path.write_text("Backup of a shared folder.\n")
        tar.add(path, arcname="shared/readme.txt")
        path.unlink()


def _image(folder: Path) -> None:
    (folder / "profile_picture.png").write_bytes(png_bytes(80, 80))


def _renamed_executable(folder: Path) -> None:
    (folder / "holiday_photo.jpg").write_bytes(pe_stub())


def _image_authenticity(folder: Path) -> None:
    """AI-tagged PNG, copy-moved scene, C2PA-signed AI image (issue 5)."""
    from vigil.imaging.samples import write_demo_images

    write_demo_images(folder)


def _voice_notes(folder: Path) -> None:
    """Two espeak-ng voice notes, both synthetic (issue 6); skipped without espeak-ng."""
    from vigil.audio.samples import write_demo_voice_notes

    write_demo_voice_notes(folder)


def _text_scams(folder: Path) -> None:
    """A phishing e-mail, a WhatsApp export and an SMS backup with parcel and
    bank scams (issue 3)."""
    from vigil.text.samples import write_demo_messages

    write_demo_messages(folder)


def _video_call(folder: Path) -> None:
    """A drawn face speaking with an espeak-ng voice: no real person (issue 7)."""
    from vigil.video.samples import write_demo_video

    write_demo_video(folder)


SAMPLE_BUILDERS: list[Callable[[Path], None]] = [
    _email,
    _archive,
    _image,
    _renamed_executable,
    _image_authenticity,
    _voice_notes,
    _text_scams,
    _video_call,
]
"""Later detectors append their own benign samples here."""


def build_samples(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for build in SAMPLE_BUILDERS:
        build(folder)
    (folder / "known_bad_hashes.txt").write_text(
        f"# demo known-bad list\n{hashlib.sha256(KNOWN_BAD_NOTE).hexdigest()}\n"
    )
    return folder


@dataclass(frozen=True, slots=True)
class DemoResult:
    case_name: str
    samples: Path
    ingest: IngestSummary
    analysis: RunSummary


def run_demo(ws: Workspace, progress: Callable[[int, int], None] | None = None) -> DemoResult:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    root = ws.settings.home / "demo" / stamp
    samples = build_samples(root / "evidence")
    import_hash_set(
        ws,
        "demo-known-bad",
        root / "evidence" / "known_bad_hashes.txt",
        HashSetCategory.KNOWN_BAD,
        source="vigil demo",
    )
    (root / "evidence" / "known_bad_hashes.txt").unlink()
    case = create_case(ws, f"demo-{stamp}", "Benign sample evidence generated by vigil demo")
    ingest = add_evidence(ws, case.id, [samples], source="vigil demo generator")
    analysis = analyze_case(ws, case.id, progress=progress)
    return DemoResult(case.name, samples, ingest, analysis)
