"""The database leader lease: one holder at a time, renewal, takeover after expiry, release."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, update

from data.schema import Lock, utc_now
from scheduler.leader import LeaderLease, read_lease


def _expire(engine: Engine, name: str = "scheduler") -> None:
    """Move the lease's expiry into the past (what happens when its holder stops renewing)."""
    with engine.begin() as conn:
        conn.execute(
            update(Lock).where(Lock.name == name).values(expires_at=utc_now() - dt.timedelta(seconds=1))
        )


def test_one_holder_renewal_takeover_and_release(engine: Engine) -> None:
    a = LeaderLease(engine, holder="host-a:1", ttl_seconds=30)
    b = LeaderLease(engine, holder="host-b:2", ttl_seconds=30)
    assert a.try_acquire() and a.is_leader
    assert not b.try_acquire() and not b.is_leader
    first = read_lease(engine)
    assert a.try_acquire()  # renewal keeps the holder and pushes the expiry
    assert read_lease(engine).holder == "host-a:1"
    assert read_lease(engine).expires_at >= first.expires_at
    _expire(engine)  # a stops renewing (dies)
    assert b.try_acquire() and read_lease(engine).holder == "host-b:2"
    assert not a.try_acquire() and not a.is_leader  # the old leader learns it lost the lease
    b.release()
    assert read_lease(engine) is None
    assert a.try_acquire()


def test_racing_processes_elect_exactly_one(engine: Engine) -> None:
    leases = [LeaderLease(engine, holder=f"w{i}", ttl_seconds=30) for i in range(8)]
    barrier = threading.Barrier(len(leases))
    won: list[str] = []

    def contend(lease: LeaderLease) -> None:
        barrier.wait()
        if lease.try_acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=contend, args=(lease,)) for lease in leases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and read_lease(engine).holder == won[0]


def test_bad_ttl_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="ttl_seconds must be positive"):
        LeaderLease(engine, ttl_seconds=0)
