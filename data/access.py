"""Store scopes of managers and personal API tokens: the rows behind row-level access.

Plain functions on a SQLAlchemy session (the services add transactions and audit). A user with no
scope rows sees every store; admins always do. Tokens are stored as the sha256 of their secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from data.schema import ApiToken, UserStoreScope, utc_now


def store_scope(session: Session, user_id: int) -> frozenset[str] | None:
    """The stores ``user_id`` is limited to, or None for every store."""
    rows = session.scalars(select(UserStoreScope.store).where(UserStoreScope.user_id == user_id))
    stores = frozenset(rows)
    return stores or None


def set_store_scope(session: Session, user_id: int, stores: frozenset[str] | None) -> None:
    """Replace the scope of ``user_id``: the given stores, or every store with None."""
    session.execute(delete(UserStoreScope).where(UserStoreScope.user_id == user_id))
    for store in sorted(stores or ()):
        session.add(UserStoreScope(user_id=user_id, store=store))


def secret_hash(secret: str) -> str:
    """The stored form of a token secret (hex sha256; the secret itself has 256 bits of entropy)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_by_secret(session: Session, secret: str) -> ApiToken | None:
    """The token whose secret this is (compared in constant time after the indexed lookup)."""
    digest = secret_hash(secret)
    token = session.scalars(select(ApiToken).where(ApiToken.secret_hash == digest)).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    return token


def add_token(
    session: Session, user_id: int, name: str, secret: str, *, actor: str, expires_at: dt.datetime | None
) -> ApiToken:
    """Record a new token (its hash) for ``user_id``."""
    token = ApiToken(
        user_id=user_id,
        name=name,
        secret_hash=secret_hash(secret),
        created_by=actor,
        created_at=utc_now(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token


def tokens_of(session: Session, user_id: int | None = None) -> list[ApiToken]:
    """Tokens of one user (every user's with None), newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    """One token by id."""
    return session.get(ApiToken, token_id)


def touch_token(session: Session, token_id: int, now: dt.datetime, *, every: dt.timedelta) -> bool:
    """Set the last-used time unless it was set less than ``every`` ago (one write a minute at most)."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= now - every))
        .values(last_used_at=now)
    )
    return bool(result.rowcount)
