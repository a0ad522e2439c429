"""The write-once, content-addressed blob store."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.domain.errors import NotFoundError
from vigil.store import BlobStore
from vigil.store.blobs import CHUNK_SIZE, hash_stream


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "home")


def _staging(blobs: BlobStore) -> list[Path]:
    return sorted((blobs.root / "staging").iterdir())


def test_hashes_equal_hashlib(blobs: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)

    stored = blobs.put_stream(io.BytesIO(data))

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data).hexdigest()
    assert stored.sha1 == hashlib.sha1(data).hexdigest()
    assert stored.size == len(data)
    assert not stored.already_present
    with blobs.open(stored.sha256) as stream:
        assert stream.read() == data


@settings(max_examples=50, deadline=None)
@given(chunks=st.lists(st.binary(max_size=3000), max_size=6))
def test_chunked_put_equals_hashlib_of_the_concatenation(
    tmp_path_factory: pytest.TempPathFactory, chunks: list[bytes]
) -> None:
    store = BlobStore(tmp_path_factory.mktemp("prop"))
    data = b"".join(chunks)

    stored = store.put_chunks(iter(chunks))

    assert (stored.sha256, stored.md5, stored.sha1, stored.size) == (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        len(data),
    )
    assert store.path_of(stored.sha256).read_bytes() == data


def test_path_is_blobs_ab_cd_sha256(blobs: BlobStore) -> None:
    stored = blobs.put_bytes(b"evidence")
    digest = hashlib.sha256(b"evidence").hexdigest()

    path = blobs.path_of(stored.sha256)

    assert path == blobs.root / "blobs" / digest[:2] / digest[2:4] / digest
    assert path.is_file()
    assert blobs.exists(digest)


def test_blobs_are_read_only(blobs: BlobStore) -> None:
    stored = blobs.put_bytes(b"do not touch")
    path = blobs.path_of(stored.sha256)

    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    if os.geteuid() != 0:  # root ignores the mode bits
        with pytest.raises(PermissionError):
            path.open("ab")


def test_identical_content_is_stored_once(blobs: BlobStore) -> None:
    first = blobs.put_bytes(b"same bytes")
    second = blobs.put_chunks([b"same ", b"bytes"])

    assert first.sha256 == second.sha256
    assert (first.already_present, second.already_present) == (False, True)
    files = [p for p in (blobs.root / "blobs").rglob("*") if p.is_file()]
    assert files == [blobs.path_of(first.sha256)]
    assert _staging(blobs) == []


def test_empty_blob(blobs: BlobStore) -> None:
    stored = blobs.put_bytes(b"")

    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert stored.size == 0
    assert blobs.path_of(stored.sha256).read_bytes() == b""


def test_failing_iterator_leaves_no_staging_file_and_no_blob(blobs: BlobStore) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first part of a member"
        assert len(_staging(blobs)) == 1  # it really was being staged
        raise ValueError("archive member is corrupt")

    with pytest.raises(ValueError, match="corrupt"):
        blobs.put_chunks(chunks())

    assert _staging(blobs) == []
    assert [p for p in (blobs.root / "blobs").rglob("*") if p.is_file()] == []
    assert not blobs.exists(hashlib.sha256(b"first part of a member").hexdigest())


def test_interrupt_while_staging_leaves_nothing(blobs: BlobStore) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"x" * 100
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        blobs.put_chunks(chunks())

    assert _staging(blobs) == []


def test_stale_staging_of_dead_processes_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "home"
    BlobStore(root)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    stale = root / "staging" / f"blob-{dead_pid}-abc123"
    stale.write_bytes(b"half a blob")
    live = root / "staging" / f"blob-{os.getpid()}-def456"
    live.write_bytes(b"being written right now")
    foreign = root / "staging" / "not-a-blob"
    foreign.write_bytes(b"left alone")

    BlobStore(root)

    assert not stale.exists()
    assert live.exists()
    assert foreign.exists()


def test_open_missing_blob_raises_not_found(blobs: BlobStore) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()

    with pytest.raises(NotFoundError):
        blobs.open(missing)
    assert not blobs.exists(missing)
    assert blobs.rehash(missing) is None


@pytest.mark.parametrize("bad", ["", "abc", "../" * 20 + "etc/passwd", "G" * 64, "A" * 64])
def test_path_of_rejects_what_is_not_a_sha256(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(NotFoundError):
        blobs.path_of(bad)


def test_rehash_detects_an_altered_blob(blobs: BlobStore) -> None:
    stored = blobs.put_bytes(b"original")
    path = blobs.path_of(stored.sha256)
    assert blobs.rehash(stored.sha256) == stored.sha256

    path.chmod(0o644)
    path.write_bytes(b"tampered")

    assert blobs.rehash(stored.sha256) == hashlib.sha256(b"tampered").hexdigest()


def test_hash_stream_matches_hashlib() -> None:
    data = os.urandom(CHUNK_SIZE * 2 + 7)
    assert hash_stream(io.BytesIO(data)) == hashlib.sha256(data).hexdigest()


def test_digest_matches_what_put_stores_without_storing(tmp_path: Path) -> None:
    import io

    store = BlobStore(tmp_path / "home")
    data = os.urandom(3 << 20) + b"tail"
    digested = store.digest(io.BytesIO(data))
    stored = store.put_bytes(data)
    assert (digested.sha256, digested.md5, digested.sha1, digested.size) == (
        stored.sha256,
        stored.md5,
        stored.sha1,
        stored.size,
    )
    assert digested.md5 == hashlib.md5(data).hexdigest()
    assert digested.head == data[:8192]
    assert len(list((tmp_path / "home" / "blobs").rglob("*"))) == 3  # ab/, ab/cd/, the blob


def test_a_failing_write_raises_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    store = BlobStore(tmp_path / "home")

    class FullDisk(io.BufferedWriter):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            raise OSError(28, "No space left on device")

    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode, buffering=0)))
    with pytest.raises(OSError, match="No space left"):
        store.put_bytes(os.urandom(40 << 20))
    monkeypatch.undo()
    assert not list((tmp_path / "home" / "staging").iterdir())
    assert not list((tmp_path / "home" / "blobs").rglob("*"))
