"""Concurrency checks shared by the SQLite and PostgreSQL test suites."""

from __future__ import annotations

import multiprocessing
import threading

from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash

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


class CountingVerify:
    """A password check that counts how often it really runs (thread-safe)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.calls += 1
        return check_password_hash(password_hash, password)


def assert_concurrent_wrong_passwords_are_throttled(
    sessions: sessionmaker[Session], attempts: int = 20, limit: int = 5
) -> None:
    """``attempts`` wrong passwords at the same moment (one thread and session each): at most ``limit``
    password checks run, and every other attempt is refused as throttled."""
    with session_scope(sessions) as session:
        if accounts.find_user(session, "victim") is None:
            accounts.create_user(session, "victim", ADMIN_PASSWORD, role="manager")
    verify = CountingVerify()
    barrier = threading.Barrier(attempts)
    messages: list[str] = []

    def attempt(i: int) -> None:
        barrier.wait()
        with session_scope(sessions) as session:
            result = accounts.authenticate(
                session,
                "victim",
                f"wrong-{i}",
                address=f"10.0.0.{i}",
                max_failures=limit,
                window_minutes=15,
                verify=verify,
            )
        messages.append(result.message)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(messages) == attempts
    assert verify.calls <= limit, f"{verify.calls} password checks for a limit of {limit}"
    assert sum(m.startswith("Too many") for m in messages) == attempts - verify.calls


def requests_allowed_by_two_processes(hammer, *args: object) -> list[int]:
    """Start two spawned processes that each run ``hammer(*args, start, results)`` (a module-level
    function: wait on the ``start`` barrier, then put how many of its requests were allowed on
    ``results``) and return the two counts. Two processes share no memory, as two gunicorn workers or
    two hosts do, so a limit counted per process shows up as twice the limit."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=hammer, args=(*args, start, results)) for _ in range(2)]
    for w in workers:
        w.start()
    allowed = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    return allowed
