"""The in-memory BankStore against the store contract."""

from __future__ import annotations

import pytest

from tests.banks.store_contract import BankStoreContract, test_bank_names_and_thresholds_are_checked
from vigil.banks import BankStore, InMemoryBankStore

__all__ = ["test_bank_names_and_thresholds_are_checked"]


class TestInMemoryBankStore(BankStoreContract):
    @pytest.fixture
    def store(self) -> BankStore:
        return InMemoryBankStore()
