"""A lease in the database that elects one scheduler leader across workers and hosts.

The lease is one row of ``locks`` (name, holder, expires_at). A process takes it when the row is
absent or expired, and keeps it by renewing before it expires (a heartbeat). Every step is one
atomic statement whose row count says who won, so it works the same on SQLite (one host) and on a
shared PostgreSQL (several hosts). When the leader dies it stops renewing; the lease expires and the
next follower that tries takes it over. Times are the processes' naive-UTC clocks: hosts sharing a
database must keep their clocks in sync (NTP); a skew shorter than the lease is harmless.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from data.schema import Lock, utc_now

SCHEDULER_LEASE = "scheduler"


def process_identity() -> str:
    """A holder id unique to this process on this host: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class LeaseInfo:
    """Who holds a lease and until when (naive UTC)."""

    name: str
    holder: str
    acquired_at: dt.datetime
    expires_at: dt.datetime

    def expired(self, now: dt.datetime | None = None) -> bool:
        """True when the lease may be taken over."""
        return self.expires_at <= (now or utc_now())


def read_lease(engine: Engine, name: str = SCHEDULER_LEASE) -> LeaseInfo | None:
    """The current row of lease ``name`` (possibly expired), or None when nobody ever took it."""
    with engine.connect() as conn:
        row = conn.execute(select(Lock).where(Lock.name == name)).first()
    if row is None:
        return None
    return LeaseInfo(row.name, row.holder, row.acquired_at, row.expires_at)


class LeaderLease:
    """This process's view of one named lease; ``try_acquire()`` takes or renews it.

    ``ttl_seconds`` is how long a lease lives without renewal: the longest time a dead leader blocks
    the others. Renew well within it (the scheduler renews every ``ttl / 3``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        name: str = SCHEDULER_LEASE,
        holder: str | None = None,
        ttl_seconds: float = 30,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds!r}")
        self.engine = engine
        self.name = name
        self.holder = holder or process_identity()
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self._held_until: dt.datetime | None = None

    @property
    def is_leader(self) -> bool:
        """True while this process holds an unexpired lease (as of its last successful renewal)."""
        return self._held_until is not None and utc_now() < self._held_until

    def try_acquire(self) -> bool:
        """Take the lease if free or expired, or renew it if ours; True when we hold it afterwards.

        Exactly one of several racing processes wins: the update matches only our own or an expired
        row, and the insert of a missing row fails for all but one on the primary key.
        """
        now = utc_now()
        expires = now + self.ttl
        with self.engine.begin() as conn:
            renewed = conn.execute(
                update(Lock)
                .where(Lock.name == self.name, Lock.holder == self.holder)
                .values(expires_at=expires)
            ).rowcount
            if not renewed:
                renewed = conn.execute(
                    update(Lock)
                    .where(Lock.name == self.name, Lock.expires_at <= now)
                    .values(holder=self.holder, acquired_at=now, expires_at=expires)
                ).rowcount
        if not renewed:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(Lock).values(
                            name=self.name, holder=self.holder, acquired_at=now, expires_at=expires
                        )
                    )
                renewed = 1
            except IntegrityError:  # someone else holds it (or just took it)
                renewed = 0
        self._held_until = expires if renewed else None
        return bool(renewed)

    def release(self) -> None:
        """Give the lease up now (graceful shutdown) so a follower takes over without waiting."""
        with self.engine.begin() as conn:
            conn.execute(delete(Lock).where(Lock.name == self.name, Lock.holder == self.holder))
        self._held_until = None
