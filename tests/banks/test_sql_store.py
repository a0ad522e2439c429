"""The SQL bank store passes the same behaviour suite as the in-memory one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.banks.store_contract import BankStoreContract
from tests.store.test_metadata_store import _postgres_url
from vigil.banks.sql import SqlBankStore
from vigil.store import SqlMetadataStore


class TestSqliteBankStore(BankStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlBankStore]:
        metadata = SqlMetadataStore(f"sqlite:///{tmp_path / 'banks.db'}")
        yield SqlBankStore(metadata)
        metadata.close()


@pytest.mark.postgres
class TestPostgresBankStore(BankStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[SqlBankStore]:
        urls = _postgres_url()
        metadata = SqlMetadataStore(next(urls))
        yield SqlBankStore(metadata)
        metadata.close()
        next(urls, None)
