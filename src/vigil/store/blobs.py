"""Write-once, content-addressed blob store.

Every blob is written to a staging file while its SHA-256, SHA-1 and MD5 are
computed in one streaming pass, fsynced, atomically renamed to
`blobs/ab/cd/<sha256>` and made read-only. A crash leaves at most a staging
file, which is never evidence and is removed on the next open.
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vigil.domain.errors import NotFoundError, StoreError

__all__ = ["BlobStore", "StoredBlob", "CHUNK_SIZE", "hash_stream"]

CHUNK_SIZE = 1 << 20
HEAD_BYTES = 8192
_SIDE_TASKS = 3  # MD5, SHA-1 and the write, each on a worker thread
_PARALLEL_MIN = 64 << 10  # below this, thread hand-off costs more than it saves


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    md5: str
    sha1: str
    size: int
    already_present: bool
    head: bytes = b""
    """The first HEAD_BYTES bytes, kept so callers can sniff without re-reading."""


class _Hashes:
    """SHA-256, MD5 and SHA-1 of one stream, computed side by side.

    hashlib and file writes release the GIL on large buffers, so once a stream
    proves large, MD5 (the slowest), SHA-1 and the write each consume a queue
    of chunks on a worker thread while this thread reads and does SHA-256:
    the whole costs little more than its slowest part.
    """

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.size = 0
        self.head = bytearray()
        self._queues: list[queue.Queue[bytes | None]] = []
        self._workers: list[Future[None]] = []

    def update_and_write(self, chunk: bytes, out: BinaryIO) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.size += len(chunk)
        if not self._queues and len(chunk) < _PARALLEL_MIN:
            for digest in (self.md5, self.sha1):
                digest.update(chunk)
            out.write(chunk)
        else:
            if not self._queues:
                self._start(out)
            for pending in self._queues:
                self._put(pending, chunk)
        self.sha256.update(chunk)

    def _start(self, out: BinaryIO) -> None:
        """From here on MD5, SHA-1 and the write each run on their own thread."""
        consumers = (self.md5.update, self.sha1.update, out.write)
        assert len(consumers) == _SIDE_TASKS
        for consumer in consumers:
            chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
            self._queues.append(chunks)
            self._workers.append(self._pool.submit(_consume, consumer, chunks))

    def _put(self, pending: queue.Queue[bytes | None], item: bytes | None) -> None:
        """Hand over a chunk; if a worker died (disk full on write), raise its
        error instead of waiting forever on its full queue."""
        while True:
            try:
                pending.put(item, timeout=0.2)
                return
            except queue.Full:
                for worker in self._workers:
                    if worker.done():
                        worker.result()
                        raise RuntimeError("a hashing worker stopped early") from None

    def finish(self) -> None:
        """Wait for the side tasks; always call it, also when aborting."""
        try:
            for pending in self._queues:
                self._put(pending, None)
        finally:
            workers, self._queues, self._workers = self._workers, [], []
            for worker in workers:
                worker.result()


class _NullSink:
    def write(self, chunk: bytes) -> int:
        return len(chunk)


def _consume(consume: Callable[[bytes], object], chunks: queue.Queue[bytes | None]) -> None:
    while (chunk := chunks.get()) is not None:
        consume(chunk)


def hash_stream(stream: BinaryIO) -> str:
    """SHA-256 of a stream, read in chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._blobs = root / "blobs"
        self._staging = root / "staging"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._staging.mkdir(parents=True, exist_ok=True)
        self._remove_stale_staging()
        self._hash_pool: ThreadPoolExecutor | None = None
        self._flush_pool: ThreadPoolExecutor | None = None
        self._flushing: list[Future[None]] = []

    def _hashers(self) -> ThreadPoolExecutor:
        if self._hash_pool is None:
            # each side task holds a worker for a whole stream: one worker each
            self._hash_pool = ThreadPoolExecutor(_SIDE_TASKS, thread_name_prefix="vigil-hash")
        return self._hash_pool

    def _start_writeback(self, path: Path) -> None:
        """Push a non-durable blob to disk in the background, so the disk
        works while the next file is hashed and `sync()` finds little left."""
        if self._flush_pool is None:
            self._flush_pool = ThreadPoolExecutor(1, thread_name_prefix="vigil-flush")
        self._flushing.append(self._flush_pool.submit(_fsync_file, path))

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise NotFoundError(f"not a SHA-256: {sha256!r}")
        return self._blobs / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_of(sha256).open("rb")
        except FileNotFoundError as exc:
            raise NotFoundError(f"blob {sha256} is missing from the store") from exc

    def put_stream(self, stream: BinaryIO, *, durable: bool = True) -> StoredBlob:
        return self.put_chunks(iter(lambda: stream.read(CHUNK_SIZE), b""), durable=durable)

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_chunks([data])

    def put_chunks(self, chunks: Iterable[bytes], *, durable: bool = True) -> StoredBlob:
        """Store the concatenated chunks; the iterable may raise to abort.

        With durable=False the file and its directory are not fsynced here:
        the caller must call `sync()` before recording the blob anywhere
        (the ingestor does, once per batch, instead of twice per file)."""
        hashes = _Hashes(self._hashers())
        fd, staging_name = tempfile.mkstemp(dir=self._staging, prefix=f"blob-{os.getpid()}-")
        staging = Path(staging_name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    for chunk in chunks:
                        hashes.update_and_write(chunk, out)
                finally:
                    hashes.finish()
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            return self._commit(staging, hashes, durable)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise

    def digest(self, stream: BinaryIO) -> StoredBlob:
        """SHA-256, MD5 and SHA-1 of a stream exactly as `put_stream` computes
        them, without storing anything (quick checks, benchmarks)."""
        hashes = _Hashes(self._hashers())
        sink = _NullSink()
        try:
            while chunk := stream.read(CHUNK_SIZE):
                hashes.update_and_write(chunk, sink)  # type: ignore[arg-type]
        finally:
            hashes.finish()
        return StoredBlob(
            sha256=hashes.sha256.hexdigest(),
            md5=hashes.md5.hexdigest(),
            sha1=hashes.sha1.hexdigest(),
            size=hashes.size,
            already_present=False,
            head=bytes(hashes.head),
        )

    def sync(self) -> None:
        """Make every blob written so far durable: background writebacks are
        awaited, then one flush of what is left (renames, new directories)."""
        for pending in self._flushing:
            pending.result()
        self._flushing.clear()
        os.sync()

    def _commit(self, staging: Path, hashes: _Hashes, durable: bool) -> StoredBlob:
        sha256 = hashes.sha256.hexdigest()
        final = self.path_of(sha256)
        present = final.is_file()
        if present:
            staging.unlink()
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(staging, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            try:
                os.replace(staging, final)
            except OSError as exc:
                raise StoreError(f"cannot commit blob {sha256}: {exc}") from exc
            if durable:
                _fsync_dir(final.parent)
        if not durable and not present:
            self._start_writeback(final)
        return StoredBlob(
            sha256=sha256,
            md5=hashes.md5.hexdigest(),
            sha1=hashes.sha1.hexdigest(),
            size=hashes.size,
            already_present=present,
            head=bytes(hashes.head),
        )

    def rehash(self, sha256: str) -> str | None:
        """Recompute a stored blob's SHA-256; None when the blob is missing."""
        try:
            with self.path_of(sha256).open("rb") as stream:
                return hash_stream(stream)
        except FileNotFoundError:
            return None

    def _remove_stale_staging(self) -> None:
        """Drop staging files whose writer process is gone (it crashed)."""
        for leftover in self._staging.glob("blob-*"):
            pid = leftover.name.split("-")[1]
            if pid.isdigit() and not _process_alive(int(pid)):
                leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_file(path: Path) -> None:
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
