"""Recover members of a ZIP whose central directory is gone (a truncated or
damaged archive) by walking its local file headers from the front.

Only what the local headers say is known: no permissions, so links cannot be
told from files. Stored and deflated members are read; each is checked
against its CRC-32 when the header carries one. A member whose data runs past
the end of the file raises `EOFError` while it is read, so it is reported as
corrupt and the members before it are kept.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from vigil.ingest.limits import IngestLimits
from vigil.ingest.members import Member, Problem, display_name, unsafe_member_path

__all__ = ["scan_local_headers"]

Opener = Callable[[], BinaryIO]

_SIGNATURE = b"PK\x03\x04"
_HEADER = struct.Struct("<4s5H3L2H")
_CHUNK = 1 << 20
_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800
_ZIP64_EXTRA = 0x0001


@dataclass(frozen=True, slots=True)
class _LocalHeader:
    name: str
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    variable: int
    """Length of the name and extra field after the fixed header."""

    @property
    def sizes_known(self) -> bool:
        return not self.flags & _FLAG_DESCRIPTOR


def scan_local_headers(open_blob: Opener, limits: IngestLimits) -> Iterator[Member | Problem]:
    with open_blob() as raw:
        total = raw.seek(0, 2)
        offset = _find_signature(raw, 0)
        count = 0
        while offset is not None and offset + _HEADER.size <= total:
            raw.seek(offset)
            header = _read_header(raw)
            if header is None:
                return
            count += 1
            if count > limits.max_members:
                yield Problem(
                    "too_many_members",
                    f"more than {limits.max_members} members; the rest are not expanded",
                )
                return
            found, data_start, next_hint = _member(open_blob, header, offset, total)
            yield from found
            # a header claiming more bytes than the file holds is damaged or
            # truncated: look for the next signature inside its data instead
            offset = _find_signature(raw, next_hint if next_hint <= total else data_start)


def _read_header(raw: BinaryIO) -> _LocalHeader | None:
    fixed = raw.read(_HEADER.size)
    if len(fixed) < _HEADER.size:
        return None
    (_, _, flags, method, _, _, crc, csize, usize, name_len, extra_len) = _HEADER.unpack(fixed)
    name_raw = raw.read(name_len)
    extra = raw.read(extra_len)
    if len(name_raw) < name_len or len(extra) < extra_len:
        return None
    name = name_raw.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", errors="replace")
    csize, usize = _zip64_sizes(extra, csize, usize)
    return _LocalHeader(name, flags, method, crc, csize, usize, name_len + extra_len)


def _zip64_sizes(extra: bytes, csize: int, usize: int) -> tuple[int, int]:
    if 0xFFFFFFFF not in (csize, usize):
        return csize, usize
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, position)
        body = extra[position + 4 : position + 4 + length]
        if kind == _ZIP64_EXTRA:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            break
        position += 4 + length
    return csize, usize


def _member(
    open_blob: Opener, header: _LocalHeader, offset: int, total: int
) -> tuple[list[Member | Problem], int, int]:
    """What to yield for one local header, where its data starts, and where
    the next header is expected (a hint; the scan looks for the signature)."""
    data_start = offset + _HEADER.size + header.variable
    next_hint = data_start + header.csize if header.sizes_known else data_start
    step = ("archive_member", header.name)
    out: list[Member | Problem] = []
    if header.name.endswith(("/", "\\")) and header.usize == 0:
        return out, data_start, next_hint
    reason = unsafe_member_path(header.name)
    if reason:
        out.append(
            Problem(
                "path_traversal",
                f"member name {header.name!r} {reason}; its bytes "
                "are kept in the store, nothing is written by that name",
                *step,
            )
        )
    if header.flags & _FLAG_ENCRYPTED:
        out.append(Problem("encrypted_member", f"member {header.name!r} is encrypted", *step))
        return out, data_start, next_hint
    if header.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        out.append(
            Problem(
                "unsupported_member",
                f"member {header.name!r} uses compression method {header.method}; not recovered",
                *step,
            )
        )
        return out, data_start, next_hint
    if header.method == zipfile.ZIP_STORED and not header.sizes_known:
        out.append(
            Problem(
                "unsupported_member",
                f"member {header.name!r} is stored with no size in its local header; not recovered",
                *step,
            )
        )
        return out, data_start, next_hint
    compressed = header.csize if header.sizes_known else total - data_start

    def open_chunks() -> Iterator[bytes]:
        with open_blob() as raw:
            raw.seek(data_start)
            yield from _data(raw, header)

    out.append(Member(display_name(header.name, "member"), *step, open_chunks, compressed))
    return out, data_start, next_hint


def _data(raw: BinaryIO, header: _LocalHeader) -> Iterator[bytes]:
    crc = 0
    size = 0
    if header.method == zipfile.ZIP_STORED:
        left = header.csize
        while left > 0:
            chunk = raw.read(min(_CHUNK, left))
            if not chunk:
                raise EOFError(f"member data ends {left} bytes early")
            left -= len(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        left = header.csize if header.sizes_known else -1
        while not inflater.eof:
            chunk = raw.read(_CHUNK if left < 0 else min(_CHUNK, left))
            if not chunk:
                raise EOFError("member data ends before its deflate stream does")
            if left > 0:
                left -= len(chunk)
            data = inflater.decompress(chunk, _CHUNK)
            while data:
                crc = zlib.crc32(data, crc)
                size += len(data)
                yield data
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
    if header.sizes_known and (crc != header.crc or size != header.usize):
        raise zipfile.BadZipFile(f"member {header.name!r} fails its CRC-32 or size check")


def _find_signature(raw: BinaryIO, start: int) -> int | None:
    """Offset of the next local header signature at or after `start`."""
    raw.seek(start)
    position = start
    carry = b""
    while chunk := raw.read(_CHUNK):
        window = carry + chunk
        found = window.find(_SIGNATURE)
        if found >= 0:
            return position - len(carry) + found
        carry = window[-3:]
        position += len(chunk)
    return None
