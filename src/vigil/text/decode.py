"""Bytes to text: bounded reads and a charset decision that never fails.

Order of decision: a byte-order mark (UTF-8, UTF-32, UTF-16); the declared
charset when Python knows it; UTF-16 without a BOM when every other byte is
NUL (Windows exports); strict UTF-8; Windows-1252 when the bytes are valid
in it; ISO-8859-1 otherwise (every byte decodes). Only the declared-charset
step may replace characters (with U+FFFD), and the result says so.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["DecodedText", "decode_text", "looks_binary", "read_bounded"]

_CHUNK = 1 << 20
_TEXT_BYTES = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F) + b"\t\n\v\f\r\x1b"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """The codec used, e.g. utf-8, utf-16-le, cp1252, latin-1."""
    replaced: bool = False
    """True when some bytes did not decode and became U+FFFD."""


def read_bounded(stream: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes, read in 1 MiB chunks, and whether more remained."""
    buffer = bytearray()
    while len(buffer) < limit:
        chunk = stream.read(min(_CHUNK, limit - len(buffer)))
        if not chunk:
            return bytes(buffer), False
        buffer += chunk
    return bytes(buffer), bool(stream.read(1))


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'").lower())
    except (LookupError, ValueError):
        return None
    # codecs that are not text encodings (rot13, base64...) are refused
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_text(data: bytes, declared: str | None = None) -> DecodedText:
    """Text of `data`; never raises."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if name.startswith("utf-32") or name.startswith("utf-16"):
                unit = 4 if name.startswith("utf-32") else 2
                body = body[: len(body) - len(body) % unit]
            text = body.decode(name, "replace")
            return DecodedText(text, name, "\ufffd" in text)
    codec = _known_codec(declared)
    if codec is not None and codec not in ("utf-8", "ascii"):
        try:
            return DecodedText(data.decode(codec), codec)
        except UnicodeDecodeError:
            pass
        except (LookupError, ValueError, TypeError):
            codec = None
    if _utf16_without_bom(data):  # NULs are valid UTF-8, so this comes first
        order = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = data[: len(data) - len(data) % 2].decode(order, "replace")
        return DecodedText(text, order, "\ufffd" in text)
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            # a character cut by a size limit: keep what is whole
            return DecodedText(data[: exc.start].decode("utf-8"), "utf-8", True)
    if codec is not None and codec not in ("utf-8", "ascii"):
        text = data.decode(codec, "replace")
        return DecodedText(text, codec, True)
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return DecodedText(data.decode("latin-1"), "latin-1")


def _utf16_without_bom(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    nul_odd = odd.count(0) / len(odd)
    nul_even = even.count(0) / len(even)
    return (nul_odd > 0.4 and nul_even < 0.05) or (nul_even > 0.4 and nul_odd < 0.05)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or over 5 % control bytes in the first 64 KiB (a UTF-16/32
    byte-order mark, or UTF-16 without one, counts as text)."""
    sample = data[: 1 << 16]
    if not sample:
        return False
    if any(sample.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(sample):
        return False
    if b"\x00" in sample:
        return True
    control = len(sample.translate(None, _TEXT_BYTES))
    return control > 0.05 * len(sample)
