"""Media type from content, never from the name.

`filetype` (pure Python, pinned) recognises binary formats by magic numbers,
so results are the same on every machine, unlike libmagic whose database
varies by distribution. Text-like formats it leaves alone (mail, mbox, HTML,
JSON, plain text) are recognised here from their first bytes.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import filetype

__all__ = [
    "EXECUTABLE_TYPES",
    "SMS_BACKUP_MEDIA_TYPE",
    "SNIFF_BYTES",
    "expected_media_types",
    "is_executable_extension",
    "sniff_media_type",
]

SNIFF_BYTES = 8192
EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/vnd.microsoft.portable-executable",
    }
)
_MAIL_HEADER = re.compile(
    rb"^(received|return-path|delivered-to|from|to|subject|date|message-id|mime-version"
    rb"|x-[a-z0-9-]+|reply-to|dkim-signature|arc-[a-z-]+|authentication-results|content-type)"
    rb":[ \t]",
    re.IGNORECASE,
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAPI_STREAM_NAMES = tuple(
    name.encode("utf-16-le") for name in ("__substg1.0_", "__properties_version1.0")
)
_ANY_HEADER = re.compile(rb"^[!-9;-~]+:")
SMS_BACKUP_MEDIA_TYPE = "application/x-sms-backup+xml"
"""Android "SMS Backup & Restore" XML (root element ``<smses>``)."""
_XML_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
"""The first element name; declarations, comments and PIs start with ``<?`` or ``<!``."""
"""Any RFC 5322 header field: printable ASCII name, then a colon."""


def sniff_media_type(head: bytes) -> str:
    """Best media type for content that starts with `head` (up to 8 KiB)."""
    if not head:
        return "application/x-empty"
    kind = filetype.guess(head)
    if kind is not None:
        return _normalise(kind.mime, head)
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(head)
    return _sniff_text(head)


def _ole_kind(head: bytes) -> str:
    """An Outlook message when MAPI stream names show in the directory read so
    far; otherwise a compound file of unknown kind (the directory may lie
    beyond the head)."""
    if any(name in head for name in _MAPI_STREAM_NAMES):
        return "application/vnd.ms-outlook"
    return "application/x-ole-storage"


def _normalise(mime: str, head: bytes) -> str:
    if mime == "application/x-executable" and head.startswith(b"\x7fELF"):
        return "application/x-elf"
    return mime


def _sniff_text(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            return _latin_text_or_binary(head)
        text = head[: exc.start].decode("utf-8")
    return _classify_text(text.lstrip("\ufeff"), head)


def _latin_text_or_binary(head: bytes) -> str:
    printable = sum(1 for b in head if b >= 0x20 or b in b"\t\r\n")
    if printable / len(head) < 0.95:
        return "application/octet-stream"
    return _classify_text(head.decode("latin-1"), head)


def _classify_text(text: str, head: bytes) -> str:
    stripped = text.lstrip()
    lowered = stripped[:200].lower()
    if head.startswith(b"From ") and b"\n" in head:
        first_line = head.split(b"\n", 1)[1]
        if _MAIL_HEADER.match(first_line):
            return "application/mbox"
    # a known mail header first, then any header, a continuation or the end of the headers
    first_lines = head.replace(b"\r\n", b"\n").split(b"\n", 2)[:2]
    if _MAIL_HEADER.match(first_lines[0]) and (
        len(first_lines) == 1 or _ANY_HEADER.match(first_lines[1]) or first_lines[1][:1] in b" \t"
    ):
        return "message/rfc822"
    if lowered.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "text/html"
    if lowered.startswith(("<?xml", "<svg", "<smses")):
        return _xml_kind(stripped)
    if stripped[:1] in ("{", "[") and stripped.rstrip()[-1:] in ("}", "]"):
        return "application/json"
    return "text/plain"


def _xml_kind(text: str) -> str:
    """By the root element where the head shows it (comments and a doctype
    may come first)."""
    root = _XML_ROOT.search(re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL))
    name = root.group(1).lower() if root else ""
    if name == "smses":
        return SMS_BACKUP_MEDIA_TYPE
    if name == "svg" or (not name and "<svg" in text[:200].lower()):
        return "image/svg+xml"
    return "application/xml"


# Extension -> content types that are consistent with it. Families with a
# trailing "*" accept any subtype (e.g. all text for .txt).
_EXPECTED: dict[str, tuple[str, ...]] = {
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".jpe": ("image/jpeg",),
    ".png": ("image/png",),
    ".gif": ("image/gif",),
    ".bmp": ("image/bmp",),
    ".webp": ("image/webp",),
    ".tif": ("image/tiff",),
    ".tiff": ("image/tiff",),
    ".heic": ("image/heic", "image/heif"),
    ".avif": ("image/avif",),
    ".svg": ("image/svg+xml", "application/xml", "text/plain"),
    ".ico": ("image/x-icon",),
    ".pdf": ("application/pdf",),
    ".zip": ("application/zip",),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/zip",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", "application/zip"),
    ".epub": ("application/epub+zip", "application/zip"),
    ".jar": ("application/java-archive", "application/zip"),
    ".apk": ("application/zip", "application/java-archive"),
    ".doc": ("application/msword", "application/x-ole-storage", "application/CDFV2"),
    ".xls": ("application/vnd.ms-excel", "application/x-ole-storage", "application/CDFV2"),
    ".msg": ("application/vnd.ms-outlook", "application/x-ole-storage", "application/CDFV2"),
    ".tar": ("application/x-tar",),
    ".gz": ("application/gzip",),
    ".tgz": ("application/gzip",),
    ".bz2": ("application/x-bzip2",),
    ".xz": ("application/x-xz",),
    ".7z": ("application/x-7z-compressed",),
    ".rar": ("application/vnd.rar", "application/x-rar-compressed"),
    ".mp3": ("audio/mpeg",),
    ".wav": ("audio/x-wav", "audio/wav"),
    ".flac": ("audio/x-flac", "audio/flac"),
    ".ogg": ("audio/ogg", "video/ogg"),
    ".opus": ("audio/ogg", "audio/opus"),
    ".m4a": ("audio/mp4", "audio/x-m4a", "video/mp4"),
    ".mp4": ("video/mp4", "video/quicktime"),
    ".mov": ("video/quicktime", "video/mp4"),
    ".webm": ("video/webm",),
    ".mkv": ("video/x-matroska",),
    ".avi": ("video/x-msvideo",),
    ".txt": ("text/*", "application/json", "application/xml", "message/rfc822", "application/mbox"),
    ".csv": ("text/*",),
    ".log": ("text/*",),
    ".md": ("text/*",),
    ".json": ("application/json", "text/plain"),
    ".xml": ("application/xml", "text/plain", "image/svg+xml", SMS_BACKUP_MEDIA_TYPE),
    ".html": ("text/html", "text/plain"),
    ".htm": ("text/html", "text/plain"),
    ".eml": ("message/rfc822", "text/plain"),
    ".mbox": ("application/mbox", "message/rfc822", "text/plain"),
    ".exe": tuple(sorted(EXECUTABLE_TYPES)),
    ".dll": tuple(sorted(EXECUTABLE_TYPES)),
    ".scr": tuple(sorted(EXECUTABLE_TYPES)),
    ".com": tuple(sorted(EXECUTABLE_TYPES)),
    ".sys": tuple(sorted(EXECUTABLE_TYPES)),
    ".elf": tuple(sorted(EXECUTABLE_TYPES)),
    ".bin": ("*",),
}
_EXECUTABLE_EXTENSIONS = frozenset({".exe", ".dll", ".scr", ".com", ".sys", ".elf", ".bin", ".msi"})


def _suffix(name: str) -> str:
    return PurePath(name).suffix.lower()


def expected_media_types(name: str) -> tuple[str, ...] | None:
    """Content types consistent with the name's extension; None if unknown."""
    return _EXPECTED.get(_suffix(name))


def is_executable_extension(name: str) -> bool:
    return _suffix(name) in _EXECUTABLE_EXTENSIONS
