"""The migrations create every table the ORM declares, and upgrading twice is harmless."""

from sqlalchemy import inspect

from data.db import current_revision, upgrade_database
from data.schema import Base


def test_migrations_match_orm_and_are_idempotent(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    rev = current_revision(engine)
    assert rev is not None
    upgrade_database(engine)
    assert current_revision(engine) == rev
