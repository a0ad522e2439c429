"""ZIP, TAR and compressed files: members become derived items with a locator
chain back to the seized original; hostile containers give warnings."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from vigil.ingest import IngestLimits

from .helpers import IngestEnv, kinds_of, steps_of, tar_bytes, tree_snapshot, write, zip_bytes

MB = 1 << 20


def noise(size: int, seed: int = 0) -> bytes:
    """Incompressible, deterministic bytes."""
    return random.Random(seed).randbytes(size)


def zeros_zip(path: Path, name: str, size: int, extra: dict[str, bytes] | None = None) -> Path:
    """A zip holding `size` zero bytes, written in chunks (never held whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for other, data in (extra or {}).items():
            archive.writestr(other, data)
        with archive.open(name, "w") as member:
            chunk = bytes(MB)
            for _ in range(size // MB):
                member.write(chunk)
    return path


# -- members become derived items ------------------------------------------


def test_zip_members_become_derived_items_with_locators(env: IngestEnv) -> None:
    members = {"docs/": b"", "docs/a.txt": b"alpha\n", "docs/sub/b.bin": noise(5000)}
    path = write(env.evidence / "seized.zip", zip_bytes(members))

    summary = env.add(path)

    assert (summary.added, summary.derived, summary.warnings) == (1, 2, 0)
    items = env.by_steps()
    top = items[(("path", str(path)),)]
    assert top.parent_id is None and top.media_type == "application/zip"
    assert top.source_path == str(path)
    for name in ("docs/a.txt", "docs/sub/b.bin"):
        child = items[(("path", str(path)), ("archive_member", name))]
        assert child.parent_id == top.id
        assert child.name == name.rsplit("/", 1)[-1]
        assert env.blob(child) == members[name]
        assert child.sha256 == hashlib.sha256(members[name]).hexdigest()
        assert child.md5 == hashlib.md5(members[name]).hexdigest()
        assert child.sha1 == hashlib.sha1(members[name]).hexdigest()
        assert child.size == len(members[name])
    assert str(items[(("path", str(path)), ("archive_member", "docs/a.txt"))].locator) == (
        f"path={path} > archive_member=docs/a.txt"
    )
    env.assert_consistent()


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [
        (".tar", "w"),
        (".tar.gz", "w:gz"),
        (".tgz", "w:gz"),
        (".tar.bz2", "w:bz2"),
        (".tar.xz", "w:xz"),
    ],
)
def test_tar_members_become_derived_items(env: IngestEnv, suffix: str, mode: str) -> None:
    members = {"a.txt": b"alpha\n", "dir/b.bin": noise(70_000, seed=1)}
    path = write(env.evidence / f"seized{suffix}", tar_bytes(members, mode))

    summary = env.add(path)

    assert (summary.added, summary.derived, summary.warnings) == (1, 2, 0)
    items = env.by_steps()
    top = items[(("path", str(path)),)]
    for name, data in members.items():
        child = items[(("path", str(path)), ("archive_member", name))]
        assert child.parent_id == top.id
        assert kinds_of(child) == ["path", "archive_member"]
        assert env.blob(child) == data
    env.assert_consistent()


def test_single_gzip_file_is_decompressed(env: IngestEnv) -> None:
    text = b"line of a log file\n" * 1000
    path = write(env.evidence / "server.log.gz", gzip.compress(text))

    env.add(path)

    items = env.by_steps()
    child = items[(("path", str(path)), ("decompressed", "server.log"))]
    assert env.blob(child) == text
    assert child.parent_id == items[(("path", str(path)),)].id
    env.assert_consistent()


def test_nested_zip_in_zip_keeps_the_whole_chain(env: IngestEnv) -> None:
    inner = zip_bytes({"deep/secret.txt": b"found me\n"})
    path = write(env.evidence / "outer.zip", zip_bytes({"inner.zip": inner, "top.txt": b"t"}))

    summary = env.add(path)

    assert (summary.added, summary.derived) == (1, 3)
    items = env.by_steps()
    outer = items[(("path", str(path)),)]
    inner_item = items[(("path", str(path)), ("archive_member", "inner.zip"))]
    leaf = items[
        (
            ("path", str(path)),
            ("archive_member", "inner.zip"),
            ("archive_member", "deep/secret.txt"),
        )
    ]
    assert inner_item.parent_id == outer.id
    assert leaf.parent_id == inner_item.id
    assert env.blob(leaf) == b"found me\n"
    assert str(leaf.locator) == (
        f"path={path} > archive_member=inner.zip > archive_member=deep/secret.txt"
    )
    env.assert_consistent()


def test_re_adding_an_archive_adds_nothing_new(env: IngestEnv) -> None:
    inner = zip_bytes({"x.txt": b"x"})
    path = write(env.evidence / "a.zip", zip_bytes({"inner.zip": inner, "y.txt": b"y"}))
    first = env.add(path)
    custody = len(env.ws.store.list_custody(env.case.id))

    second = env.add(path)

    assert (first.added, first.derived) == (1, 3)
    assert (second.added, second.derived, second.already_present) == (0, 0, 4)
    assert len(env.items()) == 4
    assert len(env.ws.store.list_custody(env.case.id)) == custody
    env.assert_consistent()


# -- bombs and limits --------------------------------------------------------


def test_zip_bomb_by_ratio_is_refused(env: IngestEnv) -> None:
    path = zeros_zip(env.evidence / "bomb.zip", "bomb.bin", 50 * MB, {"readme.txt": b"hi"})
    limits = IngestLimits(ratio_floor_bytes=MB, max_ratio=100)

    env.add(path, limits=limits)

    [warning] = env.warnings_with("decompression_ratio")
    assert steps_of(warning) == (("path", str(path)), ("archive_member", "bomb.bin"))
    assert warning.item_id == env.by_steps()[(("path", str(path)),)].id
    assert "bomb" in warning.message
    names = {i.name for i in env.items()}
    assert names == {"bomb.zip", "readme.txt"}
    assert list((env.home / "staging").iterdir()) == []
    env.assert_consistent()


def test_two_bombs_with_the_same_name_give_two_warnings(env: IngestEnv) -> None:
    path = env.evidence / "two.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in ("a", "b"):
            with archive.open(f"{folder}/bomb.bin", "w") as member:
                for _ in range(8):
                    member.write(bytes(MB))

    env.add(path, limits=IngestLimits(ratio_floor_bytes=MB, max_ratio=100))

    warnings = env.warnings_with("decompression_ratio")
    assert sorted(steps_of(w)[-1][1] for w in warnings) == ["a/bomb.bin", "b/bomb.bin"]
    assert [i.name for i in env.items()] == ["two.zip"]


def test_tar_gz_bomb_by_ratio_is_refused(env: IngestEnv) -> None:
    path = env.evidence / "bomb.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 50 * MB
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    limits = IngestLimits(ratio_floor_bytes=MB, max_ratio=100)

    env.add(path, limits=limits)

    [warning] = env.warnings_with("decompression_ratio")
    assert steps_of(warning) == (("path", str(path)), ("archive_member", "zeros.bin"))
    assert [i.name for i in env.items()] == ["bomb.tar.gz"]
    env.assert_consistent()


def test_sparse_tar_member_bomb_is_refused(env: IngestEnv) -> None:
    """A plain 10 KiB tar whose PAX header declares a 50 MiB sparse member."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("sparse.bin")
        info.size = 10
        info.pax_headers = {
            "GNU.sparse.size": str(50 * MB),
            "GNU.sparse.numblocks": "1",
            "GNU.sparse.offset": "0",
            "GNU.sparse.numbytes": "10",
        }
        archive.addfile(info, io.BytesIO(b"x" * 10))
        after = tarfile.TarInfo("after.txt")
        after.size = 5
        archive.addfile(after, io.BytesIO(b"after"))
    path = write(env.evidence / "sparse.tar", buffer.getvalue())

    env.add(path, limits=IngestLimits(ratio_floor_bytes=MB, max_ratio=100))

    [warning] = env.warnings_with("decompression_ratio")
    assert steps_of(warning)[-1] == ("archive_member", "sparse.bin")
    assert sorted(i.name for i in env.items()) == ["after.txt", "sparse.tar"]
    env.assert_consistent()


def test_gzip_bomb_by_ratio_is_refused(env: IngestEnv) -> None:
    path = env.evidence / "zeros.bin.gz"
    with gzip.open(path, "wb") as out:
        for _ in range(50):
            out.write(bytes(MB))
    limits = IngestLimits(ratio_floor_bytes=MB, max_ratio=100)

    env.add(path, limits=limits)

    assert env.codes() == ["decompression_ratio"]
    assert [i.name for i in env.items()] == ["zeros.bin.gz"]
    env.assert_consistent()


def test_expansion_budget_caps_one_container(env: IngestEnv) -> None:
    members = [(f"m{i}.bin", noise(400_000, seed=i)) for i in range(3)]
    path = write(env.evidence / "big.zip", zip_bytes(members, zipfile.ZIP_STORED))

    env.add(path, limits=IngestLimits(max_expanded_bytes=MB))

    [warning] = env.warnings_with("expansion_budget")
    assert steps_of(warning)[-1] == ("archive_member", "m2.bin")
    assert sorted(i.name for i in env.items()) == ["big.zip", "m0.bin", "m1.bin"]
    env.assert_consistent()


def test_expansion_budget_is_shared_with_nested_containers(env: IngestEnv) -> None:
    inner = zip_bytes(
        [("a.bin", noise(400_000, 1)), ("b.bin", noise(400_000, 2))], zipfile.ZIP_STORED
    )
    path = write(env.evidence / "outer.zip", zip_bytes({"inner.zip": inner}, zipfile.ZIP_STORED))

    env.add(path, limits=IngestLimits(max_expanded_bytes=1_500_000))

    [warning] = env.warnings_with("expansion_budget")
    assert steps_of(warning)[-2:] == (("archive_member", "inner.zip"), ("archive_member", "b.bin"))
    assert sorted(i.name for i in env.items()) == ["a.bin", "inner.zip", "outer.zip"]
    env.assert_consistent()


def test_member_larger_than_max_member_bytes_is_not_kept(env: IngestEnv) -> None:
    members = {"huge.bin": noise(2 * MB), "small.txt": b"small"}
    path = write(env.evidence / "a.zip", zip_bytes(members, zipfile.ZIP_STORED))

    env.add(path, limits=IngestLimits(max_member_bytes=MB))

    [warning] = env.warnings_with("member_too_large")
    assert steps_of(warning)[-1] == ("archive_member", "huge.bin")
    assert sorted(i.name for i in env.items()) == ["a.zip", "small.txt"]
    assert list((env.home / "staging").iterdir()) == []
    env.assert_consistent()


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_too_many_members(env: IngestEnv, kind: str) -> None:
    members = [(f"f{i}.txt", f"file {i}\n".encode()) for i in range(5)]
    data = zip_bytes(members) if kind == "zip" else tar_bytes(members)
    path = write(env.evidence / f"many.{kind}", data)

    summary = env.add(path, limits=IngestLimits(max_members=3))

    assert env.codes() == ["too_many_members"]
    assert summary.derived == 3
    assert sorted(i.name for i in env.items() if i.parent_id) == ["f0.txt", "f1.txt", "f2.txt"]
    env.assert_consistent()


def test_nesting_deeper_than_max_depth_is_not_expanded(env: IngestEnv) -> None:
    level3 = zip_bytes({"leaf.txt": b"too deep"})
    level2 = zip_bytes({"level3.zip": level3})
    path = write(env.evidence / "level1.zip", zip_bytes({"level2.zip": level2}))

    env.add(path, limits=IngestLimits(max_depth=2))

    items = env.by_steps()
    deepest = items[
        (("path", str(path)), ("archive_member", "level2.zip"), ("archive_member", "level3.zip"))
    ]
    [warning] = env.warnings_with("too_deep")
    assert warning.item_id == deepest.id
    assert "leaf.txt" not in {i.name for i in env.items()}
    assert len(items) == 3
    env.assert_consistent()


# -- hostile names and links --------------------------------------------------

_TRAVERSAL_NAMES = [
    "../../evil.txt",
    "/etc/vigil-abs-test.txt",
    "a/../../../up-and-out.txt",
    "..\\..\\win-evil.txt",
    "C:/vigil-drive.txt",
]


def _naive_targets(env: IngestEnv) -> list[Path]:
    """Where a naive extractor, run in the evidence folder or the cwd, would write."""
    targets = []
    for base in (env.evidence, Path.cwd()):
        targets += [
            (base / "../../evil.txt").resolve(),
            (base / "../../up-and-out.txt").resolve(),
            (base / "../../win-evil.txt").resolve(),
        ]
    return [*targets, Path("/etc/vigil-abs-test.txt"), Path("/etc/vigil-abs-tar.txt")]


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_path_traversal_members_are_kept_but_nothing_is_written_outside(
    env: IngestEnv, tmp_path: Path, kind: str
) -> None:
    names = (
        _TRAVERSAL_NAMES
        if kind == "zip"
        else ["../../evil.txt", "/etc/vigil-abs-tar.txt", "a/../../../up-and-out.txt"]
    )
    members = [(name, f"payload {i}\n".encode()) for i, name in enumerate(names)]
    members.append(("fine/ok.txt", b"ok"))
    data = zip_bytes(members) if kind == "zip" else tar_bytes(members)
    path = write(env.evidence / f"evil.{kind}", data)
    before = tree_snapshot(tmp_path, exclude=env.home)
    parent_before = sorted(x.name for x in tmp_path.parent.iterdir())

    env.add(path)

    warnings = env.warnings_with("path_traversal")
    assert sorted(steps_of(w)[-1][1] for w in warnings) == sorted(names)
    items = env.by_steps()
    for i, name in enumerate(names):
        item = items[(("path", str(path)), ("archive_member", name))]
        assert env.blob(item) == f"payload {i}\n".encode()
        assert "/" not in item.name and "\\" not in item.name and item.name != ".."
    # nothing appeared anywhere but the store
    assert tree_snapshot(tmp_path, exclude=env.home) == before
    assert sorted(x.name for x in tmp_path.parent.iterdir()) == parent_before
    for target in _naive_targets(env):
        assert not target.exists(), target
    env.assert_consistent()


def test_zip_symlink_member_is_not_followed(env: IngestEnv) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("passwd-link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("real.txt", b"real")
    path = write(env.evidence / "links.zip", buffer.getvalue())

    env.add(path)

    [warning] = env.warnings_with("symlink_member")
    assert steps_of(warning)[-1] == ("archive_member", "passwd-link")
    assert sorted(i.name for i in env.items()) == ["links.zip", "real.txt"]
    env.assert_consistent()


def test_tar_symlink_and_hardlink_members_are_not_followed(env: IngestEnv) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        real = tarfile.TarInfo("real.txt")
        real.size = 4
        archive.addfile(real, io.BytesIO(b"real"))
        sym = tarfile.TarInfo("sym")
        sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(sym)
        hard = tarfile.TarInfo("hard")
        hard.type, hard.linkname = tarfile.LNKTYPE, "real.txt"
        archive.addfile(hard)
    path = write(env.evidence / "links.tar", buffer.getvalue())

    env.add(path)

    warnings = env.warnings_with("symlink_member")
    assert sorted(steps_of(w)[-1][1] for w in warnings) == ["hard", "sym"]
    assert any("/etc/passwd" in w.message for w in warnings)
    assert sorted(i.name for i in env.items()) == ["links.tar", "real.txt"]
    env.assert_consistent()


def _mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of one member in its local and central headers
    (zipfile cannot write encrypted members)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    out[local + 6] |= 0x1
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    out[central + 8] |= 0x1
    return bytes(out)


@pytest.mark.parametrize("truncate", [False, True])
def test_encrypted_zip_member_gives_a_warning(env: IngestEnv, truncate: bool) -> None:
    data = _mark_encrypted(
        zip_bytes({"locked.txt": b"not really encrypted", "open.txt": b"open"}), "locked.txt"
    )
    if truncate:  # no central directory: the local header's flag is what is seen
        data = data[: data.index(b"PK\x01\x02")]
    path = write(env.evidence / "locked.zip", data)

    env.add(path)

    [warning] = env.warnings_with("encrypted_member")
    assert steps_of(warning)[-1] == ("archive_member", "locked.txt")
    assert sorted(i.name for i in env.items()) == ["locked.zip", "open.txt"]
    env.assert_consistent()


# -- truncated and corrupt containers ----------------------------------------


def _member_data_offset(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    header = data[info.header_offset : info.header_offset + 30]
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_corrupt_zip_member_keeps_the_others(env: IngestEnv, compression: int) -> None:
    members = [
        ("one.txt", noise(20_000, 1)),
        ("two.txt", noise(20_000, 2)),
        ("three.txt", noise(20_000, 3)),
    ]
    data = bytearray(zip_bytes(members, compression))
    start = _member_data_offset(bytes(data), "two.txt")
    for offset in range(start + 100, start + 400):
        data[offset] ^= 0x5A
    path = write(env.evidence / "corrupt.zip", bytes(data))

    env.add(path)

    [warning] = env.warnings_with("corrupt_member")
    assert steps_of(warning)[-1] == ("archive_member", "two.txt")
    assert sorted(i.name for i in env.items()) == ["corrupt.zip", "one.txt", "three.txt"]
    env.assert_consistent()


def test_truncated_zip_keeps_the_members_before_the_fault(env: IngestEnv) -> None:
    members = [
        ("one.txt", noise(20_000, 1)),
        ("two.txt", noise(20_000, 2)),
        ("three.txt", noise(20_000, 3)),
    ]
    data = zip_bytes(members)
    cut = _member_data_offset(data, "three.txt") + 5_000
    path = write(env.evidence / "cut.zip", data[:cut])

    env.add(path)

    assert "corrupt_container" in env.codes()
    items = env.by_steps()
    assert items[(("path", str(path)),)].size == cut
    kept = {steps_of(i)[-1][1]: env.blob(i) for i in env.items() if i.parent_id}
    assert kept == dict(members[:2])
    env.assert_consistent()


def test_truncated_tar_gz_keeps_the_members_before_the_fault(env: IngestEnv) -> None:
    members = [
        ("one.bin", noise(30_000, 1)),
        ("two.bin", noise(300_000, 2)),
        ("three.bin", noise(30_000, 3)),
    ]
    data = tar_bytes(members, "w:gz")
    path = write(env.evidence / "cut.tar.gz", data[: len(data) // 2])

    env.add(path)

    codes = set(env.codes())
    assert codes & {"corrupt_container", "corrupt_member"}, codes
    kept = {steps_of(i)[-1][1]: env.blob(i) for i in env.items() if i.parent_id}
    assert kept == {"one.bin": members[0][1]}
    env.assert_consistent()


def test_truncated_plain_tar_keeps_the_members_before_the_fault(env: IngestEnv) -> None:
    members = [("one.bin", noise(30_000, 1)), ("two.bin", noise(30_000, 2))]
    data = tar_bytes(members)
    path = write(env.evidence / "cut.tar", data[: 512 + 30_208 + 512 + 10_000])

    env.add(path)

    assert set(env.codes()) & {"corrupt_container", "corrupt_member"}
    kept = {steps_of(i)[-1][1]: env.blob(i) for i in env.items() if i.parent_id}
    assert kept == {"one.bin": members[0][1]}
    env.assert_consistent()


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupt_gzip_gives_a_warning_and_keeps_the_original(env: IngestEnv, damage: str) -> None:
    data = bytearray(gzip.compress(noise(50_000) + b"tail" * 10_000))
    if damage == "flip":
        for offset in range(len(data) // 2, len(data) // 2 + 64):
            data[offset] ^= 0xFF
    else:
        del data[len(data) // 2 :]
    path = write(env.evidence / "broken.txt.gz", bytes(data))

    env.add(path)

    assert set(env.codes()) & {"corrupt_container", "corrupt_member"}, env.codes()
    [item] = env.items()
    assert item.name == "broken.txt.gz" and env.blob(item) == bytes(data)
    assert list((env.home / "staging").iterdir()) == []
    env.assert_consistent()


def test_zip_with_garbage_after_a_valid_signature(env: IngestEnv) -> None:
    path = write(env.evidence / "junk.zip", b"PK\x03\x04" + noise(3_000))

    env.add(path)

    assert [i.name for i in env.items()] == ["junk.zip"]
    assert "corrupt_container" in env.codes()
    env.assert_consistent()


class _Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek back in, so it writes data
    descriptors (general purpose flag bit 3) after each member."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def test_truncated_streamed_zip_with_data_descriptors_keeps_the_members_before_the_fault(
    env: IngestEnv,
) -> None:
    sink = _Unseekable()
    members = [
        ("one.txt", b"first member\n" * 500),
        ("two.bin", noise(20_000, 2)),
        ("three.txt", b"third member\n" * 500),
    ]
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            with archive.open(name, "w") as member:
                member.write(data)
    data = bytes(sink.data)
    assert data[6] & 0x08  # sizes are only in the data descriptor
    third = data.index(b"PK\x03\x04", data.index(b"PK\x03\x04", 4) + 4)
    path = write(env.evidence / "streamed.zip", data[: third + 40])

    env.add(path)

    assert "corrupt_container" in env.codes()
    kept = {steps_of(i)[-1][1]: env.blob(i) for i in env.items() if i.parent_id}
    assert kept == dict(members[:2])
    env.assert_consistent()
