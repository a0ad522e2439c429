"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from vigil.store import SqlMetadataStore
from vigil.store.schema import Base


def test_migrated_database_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    SqlMetadataStore(url).close()  # runs the migrations to head
    engine = create_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert "ix_items_case_sha256" in {i["name"] for i in inspect(conn).get_indexes("items")}
    engine.dispose()


def test_reopening_an_existing_database_keeps_its_data(tmp_path: Path) -> None:
    from tests.store.test_metadata_store import _case

    url = f"sqlite:///{tmp_path / 'm.db'}"
    first = SqlMetadataStore(url)
    case = _case(first)
    first.close()
    again = SqlMetadataStore(url)
    assert again.get_case(case.id) == case
    again.close()
