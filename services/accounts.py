"""Account actions: log in and out, passwords, access requests and the admin's user management.

Each function is one unit of work (its own transaction) and records what it did in the audit log,
so the auth views, the ``users`` CLI commands and Admin › Users act and audit identically. The rules
themselves (names, roles, password strength, throttling, the last active admin, nobody deactivates
themselves) live in ``data.accounts``; refusals raise its ``AccountError`` with a message to show.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from data import accounts
from data.accounts import OWN_ACCOUNT_REFUSED, AccountError, LoginResult
from data.audit import audit
from data.db import session_scope
from data.i18n import LANGUAGES, N_
from data.schema import User

__all__ = [
    "OWN_ACCOUNT_REFUSED",
    "Account",
    "AccountError",
    "LoginResult",
    "NewAccount",
    "approve_request",
    "change_own_password",
    "create_account",
    "ensure_admin",
    "list_accounts",
    "log_in",
    "log_out_everywhere",
    "pending_requests",
    "reject_request",
    "request_access",
    "reset_password",
    "session_user",
    "set_active",
    "set_language",
]

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class Account:
    """What the user lists show of an account (never its password hash or session token)."""

    username: str
    role: str
    active: bool
    must_change_password: bool
    access_requested: bool
    created_at: dt.datetime | None
    last_login_at: dt.datetime | None
    note: str

    @classmethod
    def of(cls, user: User) -> Account:
        """The listed facts of a user row."""
        return cls(
            username=user.username,
            role=user.role,
            active=bool(user.active),
            must_change_password=bool(user.must_change_password),
            access_requested=bool(user.access_requested),
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            note=user.request_note or "",
        )

    @property
    def state(self) -> str:
        """The state in words: active, must change password, pending request, or deactivated."""
        if self.active:
            return "active (must change password)" if self.must_change_password else "active"
        return "pending request" if self.access_requested else "deactivated"


@dataclass(frozen=True)
class NewAccount:
    """A created account; ``temporary_password`` is set (to show once) when none was given."""

    username: str
    role: str
    temporary_password: str | None = None


def create_account(
    sessions: Sessions, username: str, password: str | None = None, *, role: str = "manager", actor: str
) -> NewAccount:
    """Add an active user (audited as ``user_created``).

    With ``password=None`` a temporary one is generated, returned once, and must be changed at first
    login; a given password (even empty) is checked by the rules.
    """
    secret = secrets.token_urlsafe(9) if password is None else password
    temporary = secret if password is None else None
    with session_scope(sessions) as session:
        user = accounts.create_user(
            session, username, secret, role=role, must_change_password=temporary is not None
        )
        audit(session, actor, "user_created", user=user.username, role=user.role)
    return NewAccount(username=user.username, role=user.role, temporary_password=temporary)


def reset_password(sessions: Sessions, username: str, *, actor: str) -> str:
    """Give a user a temporary password (to change at next login) and end their sessions; returns it."""
    with session_scope(sessions) as session:
        return accounts.reset_password(session, username, actor=actor)


def set_active(sessions: Sessions, username: str, active: bool, *, actor: str) -> Account:
    """Activate or deactivate a user (a deactivated user is logged out everywhere)."""
    with session_scope(sessions) as session:
        return Account.of(accounts.set_active(session, username, active, actor=actor))


def approve_request(sessions: Sessions, username: str, *, actor: str, role: str = "manager") -> Account:
    """Activate a pending access request with ``role``."""
    with session_scope(sessions) as session:
        return Account.of(accounts.approve_request(session, username, actor=actor, role=role))


def reject_request(sessions: Sessions, username: str | None, *, actor: str) -> None:
    """Refuse a pending access request (the inactive account is deleted, so the name can ask again)."""
    with session_scope(sessions) as session:
        accounts.reject_request(session, username, actor=actor)


def ensure_admin(sessions: Sessions, *, username: str, password: str | None) -> str | None:
    """Make sure an active admin exists; returns a generated password (to print once) or None."""
    with session_scope(sessions) as session:
        return accounts.ensure_admin(session, username=username, password=password)


def list_accounts(sessions: Sessions) -> list[Account]:
    """Every account (pending requests included), by name."""
    with sessions() as session:
        return [Account.of(u) for u in accounts.list_users(session)]


def pending_requests(sessions: Sessions) -> list[Account]:
    """Accounts waiting for approval, oldest first."""
    with sessions() as session:
        return [Account.of(u) for u in accounts.pending_requests(session)]


def log_in(
    sessions: Sessions, username: str, password: str, *, address: str, max_failures: int, window_minutes: int
) -> LoginResult:
    """Check credentials (throttled per name and address); the attempt is recorded either way."""
    with session_scope(sessions) as session:
        return accounts.authenticate(
            session,
            username,
            password,
            address=address,
            max_failures=max_failures,
            window_minutes=window_minutes,
        )


def session_user(sessions: Sessions, session_id: str) -> User | None:
    """The active user of a login-session id ``"<id>:<token>"``; None once the token changed."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    with sessions() as session:
        user = accounts.user_by_id(session, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def log_out_everywhere(sessions: Sessions, user_id: int) -> None:
    """End every session of the user (a copy of the session cookie stops working too)."""
    with session_scope(sessions) as session:
        user = accounts.user_by_id(session, user_id)
        if user is not None:
            accounts.end_sessions(user)


def change_own_password(sessions: Sessions, user_id: int, current: str, new: str) -> User:
    """Change one's own password (the current one is required); other sessions end. Returns the user."""
    with session_scope(sessions) as session:
        user = accounts.user_by_id(session, user_id)
        if user is None:
            raise AccountError(N_("This account no longer exists."))
        accounts.change_password(session, user, current, new)
    return user


def request_access(
    sessions: Sessions,
    username: str,
    password: str,
    note: str = "",
    *,
    address: str,
    limit: int,
    window_minutes: int,
) -> None:
    """Create an inactive account awaiting approval; at most ``limit`` requests per address in the window.

    The request is counted in its own transaction first, so a refused or failed request still counts.
    """
    with session_scope(sessions) as session:
        accounts.note_access_request(session, address=address, limit=limit, window_minutes=window_minutes)
    with session_scope(sessions) as session:
        accounts.request_access(session, username, password, note)


def set_language(sessions: Sessions, user_id: int, language: str | None) -> None:
    """Keep the user's language choice (one of ``data.i18n.LANGUAGES``; None follows the default).

    Raises ``AccountError`` for a language the app does not translate, so nothing unknown is stored."""
    if language is not None and language not in LANGUAGES:
        raise AccountError(
            N_("Unknown language %(language)s; expected one of %(languages)s."),
            language=repr(language),
            languages=", ".join(LANGUAGES),
        )
    with session_scope(sessions) as session:
        user = accounts.user_by_id(session, user_id)
        if user is None:
            raise AccountError(N_("This account no longer exists."))
        user.language = language
