"""Named exact-hash sets (known-bad, known-good such as NSRL, notable)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from vigil.custody import make_entry
from vigil.domain.errors import NotFoundError, UsageError
from vigil.domain.model import HashSet, HashSetCategory
from vigil.services.workspace import Workspace

__all__ = ["SYSTEM_CHAIN", "import_hash_set", "parse_hash_lines"]

SYSTEM_CHAIN = "system"
"""Custody chain for actions that belong to no single case (hash-set imports)."""

_HEX = re.compile(
    r"(?<![0-9a-fA-F])([0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})(?![0-9a-fA-F])"
)
_ALGORITHM = {32: "md5", 40: "sha1", 64: "sha256"}


def parse_hash_lines(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(algorithm, lowercase hex) for every MD5/SHA-1/SHA-256 in plain lists,
    md5sum/sha256sum output, hashdeep and NSRL RDS CSV alike."""
    for line in lines:
        if line.startswith(("#", "%%%%")):
            continue
        for match in _HEX.finditer(line):
            value = match.group(1).lower()
            yield _ALGORITHM[len(value)], value


def import_hash_set(
    ws: Workspace,
    name: str,
    path: Path,
    category: HashSetCategory,
    source: str = "",
) -> int:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}", name):
        raise UsageError("a hash-set name uses letters, digits, '.', '_' and '-'")
    if not path.is_file():
        raise NotFoundError(f"no hash list at {path}")
    file_sha256 = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            file_sha256.update(chunk)
    ws.store.create_hash_set(HashSet(name, category, source or path.name, True, datetime.now(UTC)))
    with path.open(encoding="utf-8", errors="replace") as text:
        added = ws.store.add_hashes(name, parse_hash_lines(iter(text)))
    ws.store.append_custody(
        SYSTEM_CHAIN,
        make_entry(
            case_id=SYSTEM_CHAIN,
            actor=ws.actor,
            action="hashset.imported",
            object_sha256=file_sha256.hexdigest(),
            details={"set": name, "category": category.value, "file": str(path), "added": added},
        ),
    )
    return added
