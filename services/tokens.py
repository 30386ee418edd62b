"""Use case "API tokens": create, list, revoke and check personal tokens for ``/api/*``.

A token's secret (``ts_`` + 256 random bits) is shown once; only its sha256 is stored. A token acts
as its owner (same role, same store scope) until it expires or is revoked, and never outlives an
active owner. Users manage their own tokens; admins manage anyone's (service accounts). Creating and
revoking are audited (``token_created``, ``token_revoked``). The last-used time is written at most
once a minute per token. ``rate_limiter`` picks what the app counts with: on PostgreSQL
``DatabaseRateLimiter`` (every worker of every host together, in the database), on SQLite
``SharedRateLimiter`` (every worker of the one host, in locked files; ``data.rate_window``);
``RateLimiter`` counts in one process.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data import access, accounts
from data.audit import audit
from data.db import session_scope
from data.i18n import N_, Readable
from data.rate_window import allow_request, allow_request_in_database
from data.schema import ApiToken, User, utc_now

Sessions = sessionmaker[Session]
SECRET_PREFIX = "ts_"
TOKEN_NAME_MAX = 80
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenError(Readable, ValueError):
    """A token request that cannot be carried out: ``str()`` says why in English (logs),
    ``text(language)`` in the reader's language (the tokens page, the CLI)."""


@dataclass(frozen=True)
class TokenInfo:
    """What the token lists show (never the secret or its hash)."""

    id: int
    name: str
    owner: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def state(self, now: dt.datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or utc_now()):
            return "expired"
        return "active"


@dataclass(frozen=True)
class NewToken:
    """A created token and its secret, to show once."""

    info: TokenInfo
    secret: str


@dataclass(frozen=True)
class TokenUser:
    """The owner a valid token acts as, and the token's id (for rate limiting)."""

    user: User
    token_id: int


def _info(token: ApiToken, owner: str) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        name=token.name,
        owner=owner,
        created_at=token.created_at,
        created_by=token.created_by,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


def _actor(session: Session, name: str) -> User | None:
    return accounts.find_user(session, name)


def _may_manage(actor: User | None, owner: User, *, system: bool) -> bool:
    return system or (actor is not None and (actor.is_admin or actor.id == owner.id))


def create_token(
    sessions: Sessions, owner: str, name: str, *, expires_days: int | None, actor: str, system: bool = False
) -> NewToken:
    """A new token for ``owner`` (the actor themselves, or anyone for an admin or the CLI: ``system``)."""
    name = (name or "").strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise TokenError(N_("give the token a name of 1 to %(count)s characters"), count=TOKEN_NAME_MAX)
    if expires_days is not None and expires_days < 1:
        raise TokenError(N_("a token lasts at least 1 day"))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with session_scope(sessions) as session:
        user = accounts.find_user(session, owner)
        if user is None or not user.active:
            raise TokenError(N_("no active user named %(user)s"), user=repr(owner))
        if not _may_manage(_actor(session, actor), user, system=system):
            raise TokenError(N_("only administrators create tokens for other users"))
        expires = utc_now() + dt.timedelta(days=expires_days) if expires_days else None
        token = access.add_token(session, user.id, name, secret, actor=actor, expires_at=expires)
        audit(session, actor, "token_created", token_id=token.id, owner=user.username, name=name)
        info = _info(token, user.username)
    return NewToken(info=info, secret=secret)


def revoke_token(sessions: Sessions, token_id: int, *, actor: str, system: bool = False) -> TokenInfo:
    """Revoke a token of the actor's (any token for an admin or the CLI); revoking twice is harmless."""
    with session_scope(sessions) as session:
        token = access.token_by_id(session, token_id)
        owner = accounts.user_by_id(session, token.user_id) if token is not None else None
        if token is None or owner is None or not _may_manage(_actor(session, actor), owner, system=system):
            raise TokenError(N_("no token %(token)s of yours"), token=str(token_id))
        if token.revoked_at is None:
            token.revoked_at = utc_now()
            audit(session, actor, "token_revoked", token_id=token.id, owner=owner.username, name=token.name)
        return _info(token, owner.username)


def list_tokens(sessions: Sessions, owner: str | None = None) -> list[TokenInfo]:
    """Tokens of ``owner`` (everyone's with None), newest first."""
    with sessions() as session:
        users = {u.id: u for u in accounts.list_users(session)}
        user = next((u for u in users.values() if u.username == owner), None) if owner else None
        if owner and user is None:
            return []
        tokens = access.tokens_of(session, user.id if user else None)
        return [_info(t, users[t.user_id].username) for t in tokens if t.user_id in users]


def token_user(sessions: Sessions, secret: str, *, now: dt.datetime | None = None) -> TokenUser | None:
    """The active owner a valid, unexpired, unrevoked token acts as (its last use noted), else None."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    now = now or utc_now()
    with session_scope(sessions) as session:
        token = access.token_by_secret(session, secret)
        if token is None or token.revoked_at is not None:
            return None
        if token.expires_at is not None and token.expires_at <= now:
            return None
        user = accounts.user_by_id(session, token.user_id)
        if user is None or not user.active:
            return None
        access.touch_token(session, token.id, now, every=LAST_USED_EVERY)
        session.expunge(user)
        return TokenUser(user=user, token_id=token.id)


class RateLimiter:
    """At most ``limit`` requests per token in any 60 s, counted in this process (see module docstring)."""

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[int, deque[float]] = {}

    def allow(self, token_id: int) -> bool:
        """Count one request of ``token_id``; False when it is over the limit."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(token_id, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self._limit:
                return False
            seen.append(now)
            return True


class SharedRateLimiter:
    """At most ``limit`` requests per token in any 60 s, counted by every process of this host together
    (a locked file per token under ``folder``, see ``data.rate_window``)."""

    def __init__(self, limit: int, folder: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._folder = Path(folder)
        self._clock = clock

    def allow(self, token_id: int) -> bool:
        """Count one request of ``token_id``; False when it is over the limit."""
        return allow_request(self._folder, f"token-{int(token_id)}", self._limit, now=self._clock())


class DatabaseRateLimiter:
    """At most ``limit`` requests per token in any 60 s, counted in the database by every worker of
    every host together (a locked ``rate_windows`` row per token, see ``data.rate_window``)."""

    def __init__(self, limit: int, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._engine = engine
        self._clock = clock

    def allow(self, token_id: int) -> bool:
        """Count one request of ``token_id``; False when it is over the limit."""
        key = f"token-{int(token_id)}"
        return allow_request_in_database(self._engine, key, self._limit, now=self._clock())


def rate_limiter(limit: int, engine: Engine, folder: Path | None) -> SharedRateLimiter | DatabaseRateLimiter:
    """The per-token limiter for a deployment: counted in the database when it is PostgreSQL (the one
    store several hosts share), in host files under ``folder`` on SQLite (one host by design, and no
    database write on every API request)."""
    if engine.dialect.name == "postgresql":
        return DatabaseRateLimiter(limit, engine)
    if folder is None:
        raise ValueError("counting API requests on SQLite needs the instance's rate-limit folder")
    return SharedRateLimiter(limit, folder)
