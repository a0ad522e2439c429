"""PNG chunk walk: text chunks (tEXt, zTXt, iTXt, with bounded
decompression), eXIf, iCCP and caBX (C2PA) presence.

Pure Python over bytes already read; never raises for bad input.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

__all__ = ["PNG_SIGNATURE", "PngInfo", "parse_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_CHUNKS = 100_000
_MAX_TEXT = 4 << 20
"""A decompressed text chunk is cut at 4 MiB (zTXt/iTXt bombs)."""
_MAX_TEXT_TOTAL = 16 << 20


@dataclass(slots=True)
class PngInfo:
    width: int = 0
    height: int = 0
    bit_depth: int = 0
    colour_type: int = 0
    texts: list[tuple[str, str]] = field(default_factory=list)
    """(keyword, text) for every tEXt/zTXt/iTXt chunk, in file order."""
    exif: bytes | None = None
    has_icc: bool = False
    has_c2pa: bool = False
    chunk_types: list[str] = field(default_factory=list)
    reached_iend: bool = False
    problems: list[str] = field(default_factory=list)

    def text(self, keyword: str) -> str | None:
        for key, value in self.texts:
            if key == keyword:
                return value
        return None


def parse_png(data: bytes) -> PngInfo | None:
    """Walk the chunks of `data`; `None` when it lacks the PNG signature."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    info = PngInfo()
    pos = len(PNG_SIGNATURE)
    budget = _MAX_TEXT_TOTAL
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > len(data):
            info.problems.append("truncated: no IEND chunk")
            return info
        length, raw_type = struct.unpack_from(">I4s", data, pos)
        kind = raw_type.decode("latin-1")
        body = data[pos + 8 : pos + 8 + length]
        if len(body) < length:
            info.problems.append(f"chunk {kind!r} runs past the end of the file")
        if len(info.chunk_types) < 1000:
            info.chunk_types.append(kind)
        pos += 12 + length
        if kind == "IHDR" and len(body) >= 10:
            info.width, info.height, info.bit_depth, info.colour_type = struct.unpack_from(
                ">IIBB", body
            )
        elif kind in ("tEXt", "zTXt", "iTXt") and budget > 0:
            parsed = _text_chunk(kind, body, info.problems)
            if parsed is not None:
                budget -= len(parsed[1])
                info.texts.append(parsed)
        elif kind == "eXIf":
            info.exif = body
        elif kind == "iCCP":
            info.has_icc = True
        elif kind == "caBX":
            info.has_c2pa = True
        elif kind == "IEND":
            info.reached_iend = True
            return info
    info.problems.append("too many chunks")
    return info


def _inflate(blob: bytes, problems: list[str]) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(blob, _MAX_TEXT)
    except zlib.error:
        problems.append("a compressed text chunk does not inflate")
        return None
    if inflater.unconsumed_tail:
        problems.append("a compressed text chunk was cut at 4 MiB")
    return out


def _text_chunk(kind: str, body: bytes, problems: list[str]) -> tuple[str, str] | None:
    key, sep, rest = body.partition(b"\x00")
    if not sep or not 1 <= len(key) <= 79:
        problems.append(f"malformed {kind} chunk")
        return None
    keyword = key.decode("latin-1")
    if kind == "tEXt":
        return keyword, rest[:_MAX_TEXT].decode("latin-1")
    if kind == "zTXt":
        inflated = _inflate(rest[1:], problems)
        return None if inflated is None else (keyword, inflated.decode("latin-1"))
    # iTXt: compression flag, method, language\0, translated keyword\0, text (UTF-8)
    if len(rest) < 2:
        problems.append("malformed iTXt chunk")
        return None
    flag = rest[0]
    tail = rest[2:]
    _, _, tail = tail.partition(b"\x00")
    _, _, text = tail.partition(b"\x00")
    if flag:
        inflated = _inflate(text, problems)
        if inflated is None:
            return None
        text = inflated
    return keyword, text[:_MAX_TEXT].decode("utf-8", errors="replace")
