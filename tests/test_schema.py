"""The migrations create exactly what the ORM declares, and upgrading twice is harmless."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from data.db import current_revision, upgrade_database
from data.schema import Base


def test_migrations_match_the_orm_exactly(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(engine):
    revision = current_revision(engine)
    assert revision is not None
    upgrade_database(engine)
    assert current_revision(engine) == revision
