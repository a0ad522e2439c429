"""ZIP, TAR and single-stream compressed files, read from the stored blob.

Members are never written to the file system under their own names: their
bytes go straight into the content-addressed store, so a hostile name cannot
write anywhere. Names that would escape (absolute, '..') and links are
recorded as warnings.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from io import BufferedIOBase
from pathlib import Path
from typing import BinaryIO

from vigil.ingest._zipscan import scan_local_headers
from vigil.ingest.limits import IngestLimits
from vigil.ingest.members import Member, Problem, chunks_of, display_name, unsafe_member_path

__all__ = ["expand_compressed", "expand_tar", "expand_zip"]

Opener = Callable[[], BinaryIO]


def expand_zip(open_blob: Opener, limits: IngestLimits) -> Iterator[Member | Problem]:
    """Members listed in the central directory; when that is unreadable (a
    truncated or damaged archive), those found by walking the local headers."""
    with open_blob() as raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            fault = f"{type(exc).__name__}: {exc}"
        else:
            with archive:
                yield from _zip_members(archive, limits)
            return
    yield Problem(
        "corrupt_container",
        f"the central directory cannot be read ({fault}); "
        "members are recovered from their local headers",
    )
    yield from scan_local_headers(open_blob, limits)


def _zip_members(archive: zipfile.ZipFile, limits: IngestLimits) -> Iterator[Member | Problem]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        yield Problem(
            "too_many_members",
            f"{len(infos)} members; only the first {limits.max_members} are expanded",
        )
    for info in infos[: limits.max_members]:
        yield from _zip_member(archive, info)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[Member | Problem]:
    step = ("archive_member", info.filename)
    if info.is_dir():
        return
    reason = unsafe_member_path(info.filename)
    if reason:
        yield Problem(
            "path_traversal",
            f"member name {info.filename!r} {reason}; "
            "its bytes are kept in the store, nothing is written by that name",
            *step,
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        yield Problem(
            "symlink_member", f"member {info.filename!r} is a symbolic link; not followed", *step
        )
        return
    if info.flag_bits & 0x1:
        yield Problem("encrypted_member", f"member {info.filename!r} is encrypted", *step)
        return

    def open_chunks() -> Iterator[bytes]:
        with archive.open(info) as member:
            yield from chunks_of(member)

    yield Member(display_name(info.filename, "member"), *step, open_chunks, info.compress_size)


def expand_tar(
    open_blob: Opener, limits: IngestLimits, stored_size: int | None = None
) -> Iterator[Member | Problem]:
    """Members of a plain or compressed tar. `stored_size` (the size of the tar
    as stored) bounds the decompression ratio of every member: a member can
    only legitimately outgrow it when the tar is compressed or the member is
    sparse, which are exactly the ways a tar becomes a bomb."""
    with open_blob() as raw, tarfile.open(fileobj=raw, mode="r:*") as archive:
        count = 0
        for info in archive:
            count += 1
            if count > limits.max_members:
                yield Problem(
                    "too_many_members",
                    f"more than {limits.max_members} members; the rest are not expanded",
                )
                return
            yield from _tar_member(archive, info, stored_size)


def _tar_member(
    archive: tarfile.TarFile, info: tarfile.TarInfo, stored_size: int | None
) -> Iterator[Member | Problem]:
    step = ("archive_member", info.name)
    reason = unsafe_member_path(info.name)
    if reason and not info.isdir():
        yield Problem(
            "path_traversal",
            f"member name {info.name!r} {reason}; its bytes are "
            "kept in the store, nothing is written by that name",
            *step,
        )
    if info.issym() or info.islnk():
        yield Problem(
            "symlink_member",
            f"member {info.name!r} is a link to {info.linkname!r}; not followed",
            *step,
        )
        return
    if not info.isfile():
        return

    def open_chunks() -> Iterator[bytes]:
        stream = archive.extractfile(info)
        if stream is None:
            return
        with stream:
            yield from chunks_of(stream)

    yield Member(display_name(info.name, "member"), *step, open_chunks, stored_size)


_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BufferedIOBase]] = {
    "application/gzip": lambda f: gzip.open(f),
    "application/x-bzip2": lambda f: bz2.BZ2File(f),
    "application/x-xz": lambda f: lzma.LZMAFile(f),
}


def is_tar(open_blob: Opener) -> bool:
    try:
        with open_blob() as raw, tarfile.open(fileobj=raw, mode="r:*") as archive:
            return archive.next() is not None
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, ValueError):
        return False


def expand_compressed(
    open_blob: Opener, media_type: str, name: str, compressed_size: int
) -> Iterator[Member | Problem]:
    """A .gz/.bz2/.xz that is not a tar: one decompressed member."""
    decompress = _DECOMPRESSORS[media_type]

    def open_chunks() -> Iterator[bytes]:
        with open_blob() as raw, decompress(raw) as stream:
            yield from chunks_of(stream)

    inner = Path(display_name(name, "decompressed")).stem or "decompressed"
    yield Member(inner, "decompressed", inner, open_chunks, compressed_size)
