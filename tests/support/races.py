"""Concurrency checks shared by the SQLite and PostgreSQL test suites."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from data import accounts
from data.db import session_scope

ADMIN_PASSWORD = "admin-pass-123"


def assert_concurrent_admin_deactivations_keep_one(sessions: sessionmaker[Session], rounds: int = 15) -> None:
    """Two admins deactivate each other at the same moment, ``rounds`` times: exactly one call wins.

    Creates the admins ``admin`` and ``admin2`` when missing. Before the locked count-and-write,
    about one round in four left no active admin.
    """
    with session_scope(sessions) as session:
        for name in ("admin", "admin2"):
            if accounts.find_user(session, name) is None:
                accounts.create_user(session, name, ADMIN_PASSWORD, role="admin")
    for _ in range(rounds):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def deactivate(target: str, actor: str, barrier=barrier, outcomes=outcomes) -> None:
            barrier.wait()
            try:
                with session_scope(sessions) as session:
                    accounts.set_active(session, target, False, actor=actor)
                outcomes.append("done")
            except accounts.AccountError:
                outcomes.append("refused")

        threads = [
            threading.Thread(target=deactivate, args=("admin2", "admin")),
            threading.Thread(target=deactivate, args=("admin", "admin2")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["done", "refused"]
        with session_scope(sessions) as session:
            assert accounts.count_active_admins(session) == 1
            for name in ("admin", "admin2"):
                accounts.set_active(session, name, True, actor="test")
