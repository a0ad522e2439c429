"""Concurrent writers (future Celery workers) never fork the custody chain."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.store.test_metadata_store import _case, _postgres_url
from vigil.custody import make_entry, verify_chain
from vigil.store import SqlMetadataStore


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_parallel_appends_keep_one_chain(backend: str, tmp_path: Path) -> None:
    urls = _postgres_url() if backend == "postgres" else iter([f"sqlite:///{tmp_path / 'c.db'}"])
    url = next(urls)
    stores = [SqlMetadataStore(url) for _ in range(4)]
    case = _case(stores[0])
    errors: list[BaseException] = []

    def append(store: SqlMetadataStore, worker: int) -> None:
        try:
            for n in range(15):
                store.append_custody(
                    case.id,
                    make_entry(
                        case_id=case.id,
                        actor=f"w{worker}",
                        action="detector.run",
                        object_sha256=f"{n:064x}",
                    ),
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(s, i)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = stores[0].list_custody(case.id)
    assert len(entries) == 61
    assert verify_chain(entries, stores[0].custody_head(case.id)) == []
    for store in stores:
        store.close()
    next(urls, None)
