"""The publishing tests of ``tests/ops/test_publishing.py`` on PostgreSQL: promotion publishes and is
served, an upload moves the origin without training (undo moves it back), retention bounds the
archive, the leader publishes what is due, a broken snapshot falls back to the artifact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.ops.conftest import OpsServices
from tests.ops.test_publishing import (
    test_a_promotion_publishes_every_level_and_the_holder_serves_the_snapshot,
    test_a_snapshot_that_cannot_be_opened_falls_back_to_the_artifact,
    test_an_upload_moves_the_origin_without_a_training,
    test_the_archive_is_bounded_by_the_retention,
    test_the_leader_publishes_what_is_missing_or_older_than_the_setting,
    trained_daily,
)

__all__ = [
    "test_a_promotion_publishes_every_level_and_the_holder_serves_the_snapshot",
    "test_a_snapshot_that_cannot_be_opened_falls_back_to_the_artifact",
    "test_an_upload_moves_the_origin_without_a_training",
    "test_the_archive_is_bounded_by_the_retention",
    "test_the_leader_publishes_what_is_missing_or_older_than_the_setting",
]


@pytest.fixture
def daily(pg_engine: Engine, tmp_path: Path) -> OpsServices:
    """``trained_daily`` on a fresh PostgreSQL database."""
    return trained_daily(pg_engine, tmp_path)
