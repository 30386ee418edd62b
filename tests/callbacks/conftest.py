"""Callback-test fixtures: the dashboard's small trained database, holder and catalogue cache."""

from tests.dashboard.conftest import cache, holder, trained_engine  # noqa: F401
