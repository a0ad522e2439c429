"""The ingestor: seized paths in, write-once items with custody entries out.

Order of writes: blobs (staging file, atomic rename) for a batch of items,
then one flush of all that data to disk, then one database transaction with
the batch's item rows and custody entries. A kill at any point leaves either
nothing, orphan blobs (harmless, deduplicated), or complete items whose blobs
are durable. Re-running the same `add` skips items already present and
finishes expanding containers, so an interrupted ingest resumes. Batching
turns three fsyncs per file into one flush per batch (bench/hashing.py).
"""

from __future__ import annotations

import email.errors
import logging
import lzma
import os
import stat
import struct
import tarfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from vigil.custody import make_entry
from vigil.domain.model import Case, Item, ItemWarning, Locator
from vigil.formats import SNIFF_BYTES, sniff_media_type
from vigil.ingest.archives import expand_compressed, expand_tar, expand_zip, is_tar
from vigil.ingest.limits import Budget, IngestLimits, LimitExceeded
from vigil.ingest.mail import expand_mbox, expand_message, expand_outlook
from vigil.ingest.members import Member, Problem
from vigil.ingest.video import expand_video
from vigil.store import BlobStore, EntryFactory, MetadataStore, StoredBlob
from vigil.text.outlook import OUTLOOK_MEDIA_TYPES

__all__ = ["IngestSummary", "Ingestor"]

log = logging.getLogger(__name__)

_ZIP_TYPES = {
    "application/zip",
    "application/java-archive",
    "application/epub+zip",
}
_COMPRESSED = {"application/gzip", "application/x-bzip2", "application/x-xz"}
_CONTAINER_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    email.errors.MessageError,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    LookupError,
    UnicodeError,
)


@dataclass(slots=True)
class IngestSummary:
    added: int = 0
    already_present: int = 0
    derived: int = 0
    warnings: int = 0
    bytes_stored: int = 0


Progress = Callable[[str], None]


class _Batch:
    """Items and warnings waiting for one durable commit."""

    def __init__(self, store: MetadataStore, blobs: BlobStore, max_items: int) -> None:
        self._store = store
        self._blobs = blobs
        self.max_items = max_items
        self.max_bytes = 512 << 20
        self._items: list[tuple[Item, EntryFactory]] = []
        self._index: dict[tuple[str | None, str, str], Item] = {}
        self._warnings: list[ItemWarning] = []
        self._bytes = 0
        self._known: dict[str, set[str]] = {}  # case id -> SHA-256s stored before this run

    def find(
        self, case_id: str, parent_id: str | None, locator: Locator, sha256: str
    ) -> Item | None:
        pending = self._index.get((parent_id, str(locator.to_json()), sha256))
        if pending is not None:
            return pending
        if case_id not in self._known:
            self._known[case_id] = self._store.item_hashes(case_id)
        if sha256 not in self._known[case_id]:
            return None  # bytes new to the case: no need to ask the database
        return self._store.find_item(case_id, parent_id, locator, sha256)

    def add_item(self, item: Item, custody: EntryFactory, new_bytes: int) -> None:
        self._items.append((item, custody))
        self._index[(item.parent_id, str(item.locator.to_json()), item.sha256)] = item
        self._bytes += new_bytes
        if len(self._items) >= self.max_items or self._bytes >= self.max_bytes:
            self.flush()

    def add_warning(self, warning: ItemWarning) -> None:
        self._warnings.append(warning)

    def flush(self) -> None:
        if self._items:
            self._blobs.sync()  # blobs durable before the rows that name them
            self._store.add_items(self._items)
            for item, _ in self._items:
                if item.case_id in self._known:
                    self._known[item.case_id].add(item.sha256)
        for warning in self._warnings:
            self._store.add_warning(warning)
        self._items, self._index, self._warnings, self._bytes = [], {}, [], 0


class Ingestor:
    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        actor: str,
        limits: IngestLimits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        commit_every: int = 500,
    ) -> None:
        """commit_every: items per durable commit (one disk flush each)."""
        self._store = store
        self._blobs = blobs
        self._actor = actor
        self._limits = limits or IngestLimits()
        self._clock = clock
        self._batch = _Batch(store, blobs, commit_every)

    def add_paths(
        self,
        case: Case,
        paths: Sequence[Path],
        source: str,
        progress: Progress | None = None,
    ) -> IngestSummary:
        summary = IngestSummary()
        try:
            for path in paths:
                for file_path in self._walk(case, Path(path), summary):
                    if progress:
                        progress(str(file_path))
                    self._add_file(case, file_path, source, summary)
        finally:
            self._batch.flush()  # what is pending is complete: keep it
        return summary

    # -- seized files ----------------------------------------------------
    def _walk(self, case: Case, path: Path, summary: IngestSummary) -> Iterator[Path]:
        absolute = Path(os.path.abspath(path))
        try:
            info = absolute.stat()  # the paths named by the user are followed
        except OSError as exc:
            self._warn(
                case,
                summary,
                "unreadable_path",
                f"cannot read {absolute}: {exc.strerror or exc}",
                path=str(absolute),
            )
            return
        if stat.S_ISDIR(info.st_mode):
            yield from self._walk_dir(case, absolute, summary)
        elif stat.S_ISREG(info.st_mode):
            yield absolute
        else:
            self._warn(
                case,
                summary,
                "not_regular_file",
                f"{absolute} is not a regular file (device, socket or pipe); not read",
                path=str(absolute),
            )

    def _walk_dir(self, case: Case, root: Path, summary: IngestSummary) -> Iterator[Path]:
        def on_error(exc: OSError) -> None:
            self._warn(
                case,
                summary,
                "unreadable_path",
                f"cannot list {exc.filename}: {exc.strerror or exc}",
                path=str(exc.filename or root),
            )

        for folder, dirs, files in os.walk(root, onerror=on_error, followlinks=False):
            dirs.sort()
            for name in sorted(files) + sorted(d for d in dirs if Path(folder, d).is_symlink()):
                entry = Path(folder, name)
                try:  # the file may vanish or turn unreadable between listing and here
                    mode = entry.lstat().st_mode
                    target = os.readlink(entry) if stat.S_ISLNK(mode) else ""
                except OSError as exc:
                    self._warn(
                        case,
                        summary,
                        "unreadable_path",
                        f"cannot examine {entry}: {exc.strerror or exc}",
                        path=str(entry),
                    )
                    continue
                if stat.S_ISLNK(mode):
                    self._warn(
                        case,
                        summary,
                        "symlink_not_followed",
                        f"{entry} is a symbolic link to {target!r}; not followed",
                        path=str(entry),
                    )
                elif stat.S_ISREG(mode):
                    yield entry
                else:
                    self._warn(
                        case,
                        summary,
                        "not_regular_file",
                        f"{entry} is not a regular file (device, socket or pipe); not read",
                        path=str(entry),
                    )

    def _add_file(self, case: Case, path: Path, source: str, summary: IngestSummary) -> None:
        try:
            with path.open("rb") as stream:
                blob = self._blobs.put_stream(stream, durable=False)
                mtime = os.fstat(stream.fileno()).st_mtime
        except OSError as exc:
            self._warn(
                case,
                summary,
                "unreadable_path",
                f"cannot read {path}: {exc.strerror or exc}",
                path=str(path),
            )
            return
        locator = Locator().child("path", str(path))
        item = self._register(
            case,
            blob,
            path.name,
            locator,
            None,
            source,
            summary,
            source_path=str(path),
            extra={"mtime": datetime.fromtimestamp(mtime, UTC).isoformat()},
        )
        self._expand(case, item, source, summary, depth=1)

    # -- items -----------------------------------------------------------
    def _register(
        self,
        case: Case,
        blob: StoredBlob,
        name: str,
        locator: Locator,
        parent: Item | None,
        source: str,
        summary: IngestSummary,
        source_path: str = "",
        extra: dict[str, str] | None = None,
    ) -> Item:
        parent_id = parent.id if parent else None
        existing = self._batch.find(case.id, parent_id, locator, blob.sha256)
        if existing is not None:
            summary.already_present += 1
            return existing
        item = Item(
            id=str(uuid.uuid4()),
            case_id=case.id,
            sha256=blob.sha256,
            md5=blob.md5,
            sha1=blob.sha1,
            size=blob.size,
            media_type=sniff_media_type(blob.head[:SNIFF_BYTES]),
            name=name,
            source=source,
            source_path=source_path,
            acquired_at=self._clock(),
            parent_id=parent_id,
            locator=locator,
        )
        details: dict[str, object] = {
            "item_id": item.id,
            "name": name,
            "parent_id": parent_id,
            "locator": str(locator),
            "size": blob.size,
            "md5": blob.md5,
            "sha1": blob.sha1,
            "media_type": item.media_type,
            "source": source,
            **(extra or {}),
        }
        self._batch.add_item(
            item,
            make_entry(
                case_id=case.id,
                actor=self._actor,
                action="item.derived" if parent else "item.added",
                object_sha256=blob.sha256,
                details=details,  # type: ignore[arg-type]
                clock=self._clock,
            ),
            0 if blob.already_present else blob.size,
        )
        if parent:
            summary.derived += 1
        else:
            summary.added += 1
        summary.bytes_stored += 0 if blob.already_present else blob.size
        return item

    # -- containers ------------------------------------------------------
    def _expand(
        self,
        case: Case,
        item: Item,
        source: str,
        summary: IngestSummary,
        depth: int,
        budget: Budget | None = None,
    ) -> None:
        members = self._members(item)
        if members is None:
            return
        if depth > self._limits.max_depth:
            self._warn(
                case,
                summary,
                "too_deep",
                f"container nested deeper than {self._limits.max_depth} levels; not expanded",
                item=item,
            )
            return
        budget = budget or Budget(self._limits.max_expanded_bytes)
        try:
            for member in members:
                if isinstance(member, Problem):
                    self._warn_problem(case, summary, item, member)
                else:
                    self._store_member(case, item, member, source, summary, depth, budget)
        except _CONTAINER_ERRORS as exc:
            self._warn(
                case,
                summary,
                "corrupt_container",
                f"{item.name} could not be read "
                f"to the end ({type(exc).__name__}: {exc}); members before the fault "
                "were kept",
                item=item,
            )

    def _members(self, item: Item) -> Iterator[Member | Problem] | None:
        def opener() -> BinaryIO:
            return self._blobs.open(item.sha256)

        media = item.media_type
        if media in _ZIP_TYPES:
            return expand_zip(opener, self._limits)
        if media == "application/x-tar" or (media in _COMPRESSED and is_tar(opener)):
            return expand_tar(opener, self._limits, item.size)
        if media in _COMPRESSED:
            return expand_compressed(opener, media, item.name, item.size)
        if media == "message/rfc822":
            if item.size > self._limits.max_mail_bytes:
                return iter(
                    [
                        Problem(
                            "message_too_large",
                            f"message has {item.size} bytes; "
                            f"over the {self._limits.max_mail_bytes}-byte limit, kept "
                            "but not expanded",
                        )
                    ]
                )
            return expand_message(opener)
        if media == "application/mbox":
            return expand_mbox(opener, self._limits.max_mail_bytes)
        if media in OUTLOOK_MEDIA_TYPES:
            return expand_outlook(opener, self._limits.max_mail_bytes)
        if media.startswith("video/"):
            return expand_video(opener, self._limits)
        return None

    def _store_member(
        self,
        case: Case,
        parent: Item,
        member: Member,
        source: str,
        summary: IngestSummary,
        depth: int,
        budget: Budget,
    ) -> None:
        locator = parent.locator.child(member.step_kind, member.step_value)
        # the full step, not just the name: two members may share a name
        what = f"{member.name} ({member.step_kind} {member.step_value!r})"
        try:
            chunks = budget.metered(member.open_chunks(), self._limits, member.compressed_size)
            blob = self._blobs.put_chunks(chunks, durable=False)
        except LimitExceeded as exc:
            self._warn(
                case, summary, exc.code, f"{what}: {exc}; not kept", item=parent, locator=locator
            )
            return
        except _CONTAINER_ERRORS as exc:
            self._warn(
                case,
                summary,
                "corrupt_member",
                f"{what} could not be expanded ({type(exc).__name__}: {exc})",
                item=parent,
                locator=locator,
            )
            return
        child = self._register(case, blob, member.name, locator, parent, source, summary)
        self._expand(case, child, source, summary, depth + 1, budget)

    # -- warnings --------------------------------------------------------
    def _warn_problem(
        self, case: Case, summary: IngestSummary, item: Item, problem: Problem
    ) -> None:
        locator = item.locator
        if problem.step_kind:
            locator = locator.child(problem.step_kind, problem.step_value)
        self._warn(case, summary, problem.code, problem.message, item=item, locator=locator)

    def _warn(
        self,
        case: Case,
        summary: IngestSummary,
        code: str,
        message: str,
        *,
        item: Item | None = None,
        locator: Locator | None = None,
        path: str = "",
    ) -> None:
        log.warning("%s: %s", code, message)
        summary.warnings += 1
        self._batch.add_warning(
            ItemWarning(
                case_id=case.id,
                code=code,
                message=message,
                at=self._clock(),
                item_id=item.id if item else None,
                locator=locator or (item.locator if item else Locator()),
                path=path,
            )
        )
