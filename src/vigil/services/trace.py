"""Crypto tracing for a case: chain data into the workspace's transaction
store, then traces from addresses found in (or named for) the case. Each
trace is kept as blobs (JSON and GraphML) and logged to the case's custody."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.custody import make_entry
from vigil.domain.errors import NotFoundError
from vigil.services.workspace import Workspace

if TYPE_CHECKING:  # the crypto extra is imported only when used
    from vigil.crypto.service import NodeRange

__all__ = ["TagOptions", "import_chain", "import_from_node", "trace_for_case"]


@dataclass(frozen=True, slots=True)
class TagOptions:
    tagpack_dirs: Sequence[Path] = ()
    ofac_dirs: Sequence[Path] = ()
    cryptoscamdb_files: Sequence[Path] = ()
    user_files: Sequence[Path] = field(default_factory=tuple)

    def any(self) -> bool:
        return bool(
            self.tagpack_dirs or self.ofac_dirs or self.cryptoscamdb_files or self.user_files
        )


def import_chain(
    ws: Workspace, kind: str, path: Path, chain: str | None = None
) -> dict[str, object]:
    from vigil.crypto import service

    if not path.exists():
        raise NotFoundError(f"no chain data at {path}")
    return service.import_chain_data(
        service.default_store_path(ws.settings.home), kind, path, chain=chain
    )


def import_from_node(ws: Workspace, kind: str, url: str, blocks: NodeRange) -> dict[str, object]:
    """Read blocks from a live node (Bitcoin Core, Esplora, Ethereum) into the
    workspace's transaction store."""
    from vigil.crypto import service

    return service.import_node_data(service.default_store_path(ws.settings.home), kind, url, blocks)


def trace_for_case(
    ws: Workspace,
    case_ref: str,
    address: str,
    *,
    hops: int = 3,
    method: str = "haircut",
    direction: str = "forward",
    tags: TagOptions = TagOptions(),
) -> dict[str, object]:
    from vigil.crypto import service

    case = ws.store.get_case(case_ref)
    store_path = service.default_store_path(ws.settings.home)
    if not store_path.is_file():
        raise NotFoundError("no chain data in this workspace: run `vigil chain import` first")
    index = (
        service.load_tags(
            service.TagSources(
                tagpack_dirs=tags.tagpack_dirs,
                ofac_dirs=tags.ofac_dirs,
                cryptoscamdb_files=tags.cryptoscamdb_files,
                user_files=tags.user_files,
            )
        )
        if tags.any()
        else None
    )
    result = service.trace_address(
        store_path, address, hops=hops, method=method, direction=direction, tags=index
    )
    if index is not None:
        result["risk"] = service.risk_summary(
            store_path, address, tags=index, hops=hops, method=method
        )
    in_case = bool(ws.store.list_indicators(case.id, value=address))
    result["address_in_case_evidence"] = in_case
    graphml = ws.blobs.put_bytes(str(result["graphml"]).encode("utf-8"))
    record = ws.blobs.put_bytes(json.dumps(result, sort_keys=True, default=str).encode("utf-8"))
    ws.store.append_custody(
        case.id,
        make_entry(
            case_id=case.id,
            actor=ws.actor,
            action="crypto.traced",
            object_sha256=record.sha256,
            details={
                "address": address,
                "hops": hops,
                "method": method,
                "direction": direction,
                "graphml_sha256": graphml.sha256,
                "address_in_case_evidence": in_case,
                "tag_sources": [
                    str(p)
                    for p in (
                        *tags.tagpack_dirs,
                        *tags.ofac_dirs,
                        *tags.cryptoscamdb_files,
                        *tags.user_files,
                    )
                ],
            },
        ),
    )
    result["trace_sha256"] = record.sha256
    result["graphml_sha256"] = graphml.sha256
    return result
