"""Seized files and folders: recursion, locators, links, special files,
unreadable paths, empty and huge files, re-adding."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from .helpers import IngestEnv, steps_of, tree_snapshot, write, zip_bytes

MB = 1 << 20


def _state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Content, size and mtime of every regular file under root."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            info = path.stat()
            out[str(path)] = (info.st_size, info.st_mtime_ns, path.read_bytes())
    return out


def test_folder_is_walked_recursively_with_path_locators(env: IngestEnv) -> None:
    files = {
        "a.txt": b"alpha\n",
        "sub/b.txt": b"bravo\n",
        "sub/deeper/c.bin": bytes(range(256)),
        "sub/deeper/even/d.zip": zip_bytes({"inside.txt": b"inside"}),
    }
    for name, data in files.items():
        write(env.evidence / name, data)
    before = _state(env.evidence)

    summary = env.add(env.evidence)

    assert (summary.added, summary.derived, summary.warnings) == (4, 1, 0)
    assert summary.bytes_stored == sum(len(d) for d in files.values()) + len(b"inside")
    items = env.by_steps()
    for name, data in files.items():
        path = env.evidence / name
        item = items[(("path", str(path)),)]
        assert item.parent_id is None
        assert item.name == path.name
        assert item.source_path == str(path)
        assert item.source == "test"
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert env.blob(item) == data
    zipped = env.evidence / "sub/deeper/even/d.zip"
    inside = items[(("path", str(zipped)), ("archive_member", "inside.txt"))]
    assert inside.parent_id == items[(("path", str(zipped)),)].id
    # the seized folder is untouched: same files, bytes and modification times
    assert _state(env.evidence) == before
    env.assert_consistent()


def test_relative_path_is_recorded_absolute(env: IngestEnv, monkeypatch) -> None:
    write(env.evidence / "rel.txt", b"relative")
    monkeypatch.chdir(env.evidence)

    env.add(Path("rel.txt"))

    [item] = env.items()
    assert steps_of(item) == (("path", str(env.evidence / "rel.txt")),)


def test_custody_records_every_item_with_its_hashes(env: IngestEnv) -> None:
    write(env.evidence / "a.txt", b"alpha")
    env.add(env.evidence)

    [item] = env.items()
    [entry] = [e for e in env.ws.store.list_custody(env.case.id) if e.action == "item.added"]
    assert entry.object_sha256 == item.sha256
    assert entry.details["item_id"] == item.id
    assert entry.details["md5"] == hashlib.md5(b"alpha").hexdigest()
    assert entry.details["sha1"] == hashlib.sha1(b"alpha").hexdigest()
    assert entry.actor == "tester"


def test_re_adding_the_same_folder_adds_nothing_new(env: IngestEnv) -> None:
    for i in range(5):
        write(env.evidence / f"d{i % 2}" / f"f{i}.txt", f"file {i}".encode())
    write(env.evidence / "dupe.txt", b"file 0")  # same bytes, other path: its own item
    first = env.add(env.evidence)
    custody = len(env.ws.store.list_custody(env.case.id))

    second = env.add(env.evidence)

    assert first.added == 6
    assert (second.added, second.derived, second.already_present) == (0, 0, 6)
    assert second.bytes_stored == 0
    assert len(env.items()) == 6
    assert len(env.ws.store.list_custody(env.case.id)) == custody
    env.assert_consistent()


def test_symlinks_inside_a_folder_are_not_followed(env: IngestEnv, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.txt", b"must not be ingested")
    write(env.evidence / "real.txt", b"real")
    (env.evidence / "to-file").symlink_to(outside / "secret.txt")
    (env.evidence / "to-dir").symlink_to(outside, target_is_directory=True)
    (env.evidence / "dangling").symlink_to(tmp_path / "nowhere")

    env.add(env.evidence)

    warnings = env.warnings_with("symlink_not_followed")
    assert sorted(Path(w.path).name for w in warnings) == ["dangling", "to-dir", "to-file"]
    assert any(str(outside / "secret.txt") in w.message for w in warnings)
    assert [i.name for i in env.items()] == ["real.txt"]
    env.assert_consistent()


@pytest.mark.timeout(30)
def test_fifo_in_a_folder_is_skipped_without_hanging(env: IngestEnv) -> None:
    write(env.evidence / "a.txt", b"a")
    os.mkfifo(env.evidence / "pipe")

    env.add(env.evidence)

    [warning] = env.warnings_with("not_regular_file")
    assert warning.path == str(env.evidence / "pipe")
    assert [i.name for i in env.items()] == ["a.txt"]


@pytest.mark.timeout(30)
def test_fifo_named_directly_is_skipped_without_hanging(env: IngestEnv) -> None:
    os.mkfifo(env.evidence / "pipe")

    summary = env.add(env.evidence / "pipe")

    assert env.codes() == ["not_regular_file"]
    assert (summary.added, summary.warnings) == (0, 1)


def test_missing_path_gives_unreadable_path(env: IngestEnv) -> None:
    missing = env.evidence / "not-there"
    write(env.evidence / "here.txt", b"here")

    summary = env.add(missing, env.evidence / "here.txt")

    [warning] = env.warnings_with("unreadable_path")
    assert warning.path == str(missing)
    assert "not-there" in warning.message
    assert summary.added == 1
    env.assert_consistent()


def test_path_through_a_file_gives_unreadable_path(env: IngestEnv) -> None:
    write(env.evidence / "file.txt", b"x")

    env.add(env.evidence / "file.txt" / "child")

    assert env.codes() == ["unreadable_path"]
    assert env.items() == []


def test_folder_whose_listing_fails_gives_unreadable_path(env: IngestEnv, monkeypatch) -> None:
    """os.scandir raising stands in for a folder we may not list (tests run as root)."""
    write(env.evidence / "ok" / "a.txt", b"a")
    write(env.evidence / "locked" / "b.txt", b"b")
    locked = str(env.evidence / "locked")
    real_scandir = os.scandir

    def scandir(path=".", *args, **kwargs):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    env.add(env.evidence)

    [warning] = env.warnings_with("unreadable_path")
    assert warning.path == locked
    assert "Permission denied" in warning.message
    assert [i.name for i in env.items()] == ["a.txt"]


def test_file_that_cannot_be_opened_gives_unreadable_path(env: IngestEnv, monkeypatch) -> None:
    """Path.open raising stands in for a file we may not read (tests run as root)."""
    write(env.evidence / "a.txt", b"a")
    blocked = write(env.evidence / "b.txt", b"b")
    real_open = pathlib.Path.open

    def open_(self, *args, **kwargs):
        if self == blocked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    env.add(env.evidence)

    [warning] = env.warnings_with("unreadable_path")
    assert warning.path == str(blocked)
    assert [i.name for i in env.items()] == ["a.txt"]
    assert list((env.home / "staging").iterdir()) == []
    env.assert_consistent()


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root reads files whatever their mode; the "
    "monkeypatched tests above cover the same path",
)
def test_file_with_no_permissions_gives_unreadable_path(env: IngestEnv) -> None:
    blocked = write(env.evidence / "blocked.txt", b"secret")
    blocked.chmod(0)
    try:
        env.add(env.evidence)
    finally:
        blocked.chmod(0o644)

    [warning] = env.warnings_with("unreadable_path")
    assert warning.path == str(blocked)
    assert env.items() == []


def test_empty_file_is_an_item(env: IngestEnv) -> None:
    path = write(env.evidence / "empty.dat", b"")

    env.add(path)

    [item] = env.items()
    assert item.size == 0
    assert item.media_type == "application/x-empty"
    assert item.sha256 == hashlib.sha256(b"").hexdigest()
    assert item.md5 == hashlib.md5(b"").hexdigest()
    env.assert_consistent()


def test_empty_folder_gives_nothing(env: IngestEnv) -> None:
    (env.evidence / "empty").mkdir()

    summary = env.add(env.evidence / "empty")

    assert (summary.added, summary.warnings) == (0, 0)
    assert env.items() == []


def test_nothing_is_written_outside_the_store(env: IngestEnv, tmp_path: Path) -> None:
    write(env.evidence / "a.zip", zip_bytes({"x/y.txt": b"y", "../z.txt": b"z"}))
    write(env.evidence / "b.txt", b"b")
    before = tree_snapshot(tmp_path, exclude=env.home)

    env.add(env.evidence)

    assert tree_snapshot(tmp_path, exclude=env.home) == before
    assert sorted(p.name for p in env.home.iterdir()) >= ["blobs", "staging"]


_STREAM_SCRIPT = textwrap.dedent(
    """
    import json, os, resource, sys, time
    from pathlib import Path
    from vigil.services.cases import add_evidence, create_case
    from vigil.services.config import load_settings
    from vigil.services.workspace import open_workspace

    home, path = Path(sys.argv[1]), Path(sys.argv[2])
    ws = open_workspace(load_settings(home=home, actor="tester"))
    case = create_case(ws, "huge")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    summary = add_evidence(ws, case.id, [path])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    [item] = ws.store.list_items(case.id)
    print(json.dumps({"base": base, "peak": peak, "added": summary.added, "size": item.size,
                      "sha256": item.sha256, "seconds": seconds}))
    """
)


def test_huge_file_is_streamed_not_read_whole(tmp_path: Path) -> None:
    size = 300 * MB
    path = tmp_path / "huge.img"
    with path.open("wb") as sparse:
        sparse.truncate(size)
    expected = hashlib.sha256()
    zeros = bytes(MB)
    for _ in range(size // MB):
        expected.update(zeros)

    env_vars = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    done = subprocess.run(
        [sys.executable, "-c", _STREAM_SCRIPT, str(tmp_path / "home"), str(path)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env_vars,
        check=True,
    )

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["added"] == 1 and result["size"] == size
    assert result["sha256"] == expected.hexdigest()
    growth = result["peak"] - result["base"]
    assert growth < 32 * MB, f"peak memory grew by {growth / MB:.0f} MiB for a 300 MiB file"


def test_progress_is_reported_per_seized_file(env: IngestEnv) -> None:
    for name in ("a.txt", "b/c.txt"):
        write(env.evidence / name, name.encode())
    seen: list[str] = []
    lock = threading.Lock()

    def progress(path: str) -> None:
        with lock:
            seen.append(path)

    from vigil.services.cases import add_evidence

    add_evidence(env.ws, env.case.id, [env.evidence], progress=progress)

    assert seen == [str(env.evidence / "a.txt"), str(env.evidence / "b/c.txt")]


def test_file_vanishing_during_the_walk_gives_unreadable_path(env: IngestEnv, monkeypatch) -> None:
    """A file listed by the walk but gone when it is examined (seized media
    being unplugged, a live system) is a warning, not a crash."""
    write(env.evidence / "a.txt", b"a")
    gone = write(env.evidence / "gone.txt", b"g")
    real_lstat = pathlib.Path.lstat

    def lstat(self):
        if self == gone:
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_lstat(self)

    monkeypatch.setattr(pathlib.Path, "lstat", lstat)
    env.add(env.evidence)

    [warning] = env.warnings_with("unreadable_path")
    assert warning.path == str(gone)
    assert [i.name for i in env.items()] == ["a.txt"]
