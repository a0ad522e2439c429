"""Property tests: any bytes, named as any container or mail format, give
items and warnings, never an exception, and leave the case consistent."""

from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.custody import make_entry
from vigil.domain.model import Case
from vigil.ingest import IngestLimits, Ingestor
from vigil.services.cases import add_evidence, create_case
from vigil.services.config import load_settings
from vigil.services.verify import verify_case
from vigil.services.workspace import Workspace, open_workspace
from vigil.store import BlobStore, InMemoryMetadataStore

from .helpers import message_with_attachments, tar_bytes, zip_bytes

LIMITS = IngestLimits(
    max_depth=4,
    max_members=50,
    max_member_bytes=4 << 20,
    max_expanded_bytes=8 << 20,
    ratio_floor_bytes=64 << 10,
    max_mail_bytes=1 << 20,
)
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _mbox() -> bytes:
    body = message_with_attachments()
    return (
        b"From a@example.org Mon Mar  2 10:00:00 2020\n" + body + b"\n"
        b"From b@example.org Mon Mar  2 10:00:00 2020\nFrom: b@example.org\n"
        b"Subject: two\n\nbody\n>From quoted\n\n"
    )


SEEDS: dict[str, bytes] = {
    "zip": zip_bytes(
        {
            "a.txt": b"alpha" * 50,
            "dir/b.bin": bytes(range(256)) * 4,
            "inner.zip": zip_bytes({"c.txt": b"c" * 300}, zipfile.ZIP_STORED),
        }
    ),
    "tar": tar_bytes({"a.txt": b"alpha" * 50, "b/c.bin": bytes(range(256))}),
    "tar.gz": tar_bytes({"a.txt": b"alpha" * 50, "b/c.bin": bytes(range(256))}, "w:gz"),
    "gz": gzip.compress(b"some log line\n" * 200),
    "eml": message_with_attachments(),
    "mbox": _mbox(),
}
MAGIC: dict[str, bytes] = {
    "zip": b"PK\x03\x04",
    "tar": b"",
    "tar.gz": b"\x1f\x8b\x08\x00",
    "gz": b"\x1f\x8b\x08",
    "eml": b"From: a@example.org\nTo: b@example.org\nContent-Type: multipart/mixed; "
    b'boundary="b"\n\n--b\n',
    "mbox": b"From a@example.org Mon Mar  2 10:00:00 2020\nFrom: a@example.org\n",
}


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed with some bytes overwritten, a slice cut out or spliced in, or truncated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data)))
        data[start : start + draw(st.integers(0, 64))] = draw(st.binary(max_size=64))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def content(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=1024).map(lambda tail: MAGIC[kind] + tail),
        mutated(SEEDS[kind]),
    )


def _memory_ingestor(root: Path) -> tuple[Ingestor, InMemoryMetadataStore, Case]:
    store = InMemoryMetadataStore()
    case = Case(id=str(uuid.uuid4()), name="prop", created_at=datetime.now(UTC))
    store.create_case(
        case,
        make_entry(
            case_id=case.id,
            actor="t",
            action="case.created",
            object_sha256=hashlib.sha256(b"c").hexdigest(),
        ),
    )
    return Ingestor(store, BlobStore(root / "home"), "tester", LIMITS), store, case


def _check(items: list, warnings: list, path: Path, blobs: BlobStore) -> None:
    assert items, "the seized file itself is always an item"
    top = [i for i in items if i.parent_id is None]
    assert [(i.name, i.source_path) for i in top] == [(path.name, str(path))]
    ids = {i.id for i in items}
    for item in items:
        assert item.locator.steps[0].kind == "path"
        assert item.parent_id is None or item.parent_id in ids
        assert blobs.exists(item.sha256)
    for warning in warnings:
        assert isinstance(warning.code, str) and warning.code
        assert isinstance(warning.message, str) and warning.message
    assert list((blobs.root / "staging").iterdir()) == []


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_any_bytes_give_items_and_warnings_never_an_exception(kind: str) -> None:
    @SETTINGS
    @given(data=content(kind))
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            path = root / f"x.{kind}"
            path.write_bytes(data)
            ingestor, store, case = _memory_ingestor(root)
            summary = ingestor.add_paths(case, [path], "fuzz")
            items = store.list_items(case.id)
            warnings = store.list_warnings(case.id)
            assert summary.added == 1
            assert summary.added + summary.derived == len(items)
            assert summary.warnings >= len(warnings)  # the store keeps repeats once
            _check(items, warnings, path, ingestor._blobs)

    run()


@pytest.fixture(scope="module")
def shared_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    home = tmp_path_factory.mktemp("prop") / "home"
    with open_workspace(load_settings(home=home, actor="tester", db=f"sqlite:///{home}.db")) as ws:
        yield ws


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_add_evidence_survives_any_bytes(shared_ws: Workspace, kind: str) -> None:
    @settings(SETTINGS, max_examples=12)
    @given(data=content(kind))
    def run(data: bytes) -> None:
        case = create_case(shared_ws, f"fuzz-{uuid.uuid4()}")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"x.{kind}"
            path.write_bytes(data)
            add_evidence(shared_ws, case.id, [path], "fuzz", LIMITS)
            items = shared_ws.store.list_items(case.id)
            warnings = shared_ws.store.list_warnings(case.id)
            _check(items, warnings, path, shared_ws.blobs)
            result = verify_case(shared_ws, case.id, record=False)
            assert result.ok, result.problems

    run()


def test_seeds_are_expanded_when_intact(tmp_path: Path) -> None:
    """The seeds the fuzzers mutate really are containers (else the
    mutations would test little)."""
    for kind, data in SEEDS.items():
        path = tmp_path / kind / f"x.{kind}"
        path.parent.mkdir()
        path.write_bytes(data)
        ingestor, store, case = _memory_ingestor(path.parent)
        summary = ingestor.add_paths(case, [path], "seed")
        assert summary.derived >= 1, kind
        assert summary.warnings == 0, (kind, store.list_warnings(case.id))


def test_zip_mutation_example_in_memory() -> None:
    """A concrete regression: a zip whose first member's data is cut short."""
    data = SEEDS["zip"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        cut = archive.getinfo("dir/b.bin").header_offset + 40
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.zip"
        path.write_bytes(data[:cut])
        ingestor, store, case = _memory_ingestor(Path(tmp))
        ingestor.add_paths(case, [path], "cut")
        names = sorted(i.name for i in store.list_items(case.id))
        assert names == ["a.txt", "x.zip"]
        assert "corrupt_container" in [w.code for w in store.list_warnings(case.id)]
