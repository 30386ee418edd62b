"""Account rules: creating users, checking passwords, throttling, resets and access requests.

Plain functions on a SQLAlchemy session so the web views, the CLI and tests share them.
Passwords are hashed with Werkzeug's scrypt; nothing here ever stores or logs a clear password.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session, aliased
from werkzeug.security import check_password_hash, generate_password_hash

from data.audit import audit
from data.cells import FORMULA_PREFIXES
from data.i18n import N_, Readable
from data.schema import ROLES, LoginAttempt, User, utc_now

MIN_PASSWORD_LENGTH = 8
USERNAME_MAX = 80
ADDRESS_FAILURE_FACTOR = 4

OWN_ACCOUNT_REFUSED = N_("You cannot deactivate your own account; ask another administrator.")
ACCESS_REQUEST_MARK = "access request"  # LoginAttempt.username of an access request (names have no spaces)


# Checked when the user name is unknown, so that a wrong name costs the same scrypt time as a wrong
# password: response times do not tell which user names exist.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


class AccountError(Readable, ValueError):
    """A request about accounts that cannot be carried out: ``str()`` says why in English (logs),
    ``text(language)`` in the reader's language (pages, the CLI)."""


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: the user on success, else a message safe to show."""

    user: User | None
    message: str = ""  # a msgid: the page shows ``_(message, **params)``
    params: Mapping[str, object] = field(default_factory=dict)


def hash_password(password: str) -> str:
    """Hash a password with scrypt (salted; the hash embeds its parameters)."""
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str, username: str = "") -> None:
    """Refuse passwords that are too short or equal to the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            N_("The password must have at least %(count)s characters."), count=MIN_PASSWORD_LENGTH
        )
    if username and password.strip().lower() == username.strip().lower():
        raise AccountError(N_("The password must differ from the user name."))


def _validate_username(username: str) -> str:
    name = username.strip()
    if not name:
        raise AccountError(N_("The user name is empty."))
    if len(name) > USERNAME_MAX or any(c.isspace() for c in name):
        raise AccountError(
            N_("The user name must be 1–%(count)s characters without spaces."), count=USERNAME_MAX
        )
    if name.startswith(FORMULA_PREFIXES):
        # Names end up in CSV exports; a leading = + - @ would be run as a formula by spreadsheets.
        raise AccountError(N_("The user name must not start with =, +, - or @."))
    return name


def find_user(session: Session, username: str) -> User | None:
    """The user with this name (case-insensitive), or None."""
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def user_by_id(session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session cookie carries the token this replaces."""
    user.session_token = secrets.token_hex(8)


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: str = "manager",
    active: bool = True,
    must_change_password: bool = False,
    access_requested: bool = False,
    note: str | None = None,
) -> User:
    """Add a user after checking the name, role and password; the caller commits."""
    name = _validate_username(username)
    if role not in ROLES:
        raise AccountError(
            N_("Unknown role %(role)s; choose one of: %(roles)s."), role=repr(role), roles=", ".join(ROLES)
        )
    check_password_strength(password, name)
    if find_user(session, name) is not None:
        raise AccountError(N_("A user named %(user)s already exists."), user=repr(name))
    user = User(
        username=name,
        password_hash=hash_password(password),
        role=role,
        active=active,
        must_change_password=must_change_password,
        access_requested=access_requested,
        request_note=note,
        session_token=secrets.token_hex(8),
    )
    session.add(user)
    session.flush()
    return user


def _attempt_name(username: str) -> str:
    """How a login attempt's user name is recorded and counted (so " Ana" and "ana" count together)."""
    return username.strip().lower()[:USERNAME_MAX]


def recent_failures(
    session: Session, *, username: str, address: str, window: dt.timedelta, excluding: int | None = None
) -> int:
    """Failed logins in the window: those of this user name, or those of this address divided by
    ADDRESS_FAILURE_FACTOR (an office behind one address may hold several people who mistype).
    ``excluding`` leaves one attempt (the one being decided) out of the count."""
    since = utc_now() - window
    other = LoginAttempt.id != excluding if excluding is not None else true()
    by_user = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == _attempt_name(username),
            LoginAttempt.success.is_(False),
            LoginAttempt.at >= since,
            other,
        )
    )
    by_address = session.scalar(
        select(func.count()).where(
            LoginAttempt.address == address, LoginAttempt.success.is_(False), LoginAttempt.at >= since, other
        )
    )
    return max(by_user or 0, (by_address or 0) // ADDRESS_FAILURE_FACTOR)


def _claim_attempt(
    session: Session, username: str, *, address: str, max_failures: int, window: dt.timedelta
) -> LoginAttempt | None:
    """Record an attempt as failed and count the earlier failures in one committed step; None (and
    nothing recorded) when the limit is already reached.

    The insert comes first: on SQLite it takes the database's write lock, on PostgreSQL a transaction
    lock keyed by the user name is taken before it, so concurrent attempts on one name are counted one
    after the other and each sees the attempts before it. The lock ends with the commit, before the
    (slow) password check.
    """
    name = _attempt_name(username)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("login:" + name))))
    attempt = LoginAttempt(username=name, address=address, success=False)
    session.add(attempt)
    session.flush()
    over = recent_failures(session, username=username, address=address, window=window, excluding=attempt.id)
    if over >= max_failures:
        session.delete(attempt)
        attempt = None
    session.commit()
    return attempt


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    max_failures: int,
    window_minutes: int,
    verify: Callable[[str, str], bool] | None = None,
) -> LoginResult:
    """Check credentials with throttling shared by every worker (attempts live in the database).

    The attempt is recorded (and committed) as failed before the password is checked, so at most
    ``max_failures`` checks run per window however many arrive at once; ``verify`` checks a password
    against a hash (Werkzeug's check by default).
    """
    verify = verify or check_password_hash
    window = dt.timedelta(minutes=window_minutes)
    attempt = _claim_attempt(session, username, address=address, max_failures=max_failures, window=window)
    if attempt is None:
        return LoginResult(
            None,
            N_("Too many failed attempts. Try again in %(minutes)s minutes."),
            {"minutes": window_minutes},
        )
    user = find_user(session, username)
    ok = verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if not ok:
        return LoginResult(None, N_("Wrong user name or password."))
    attempt.success = True
    if not user.active:
        message = (
            N_("Your access request is waiting for an administrator's approval.")
            if user.access_requested
            else N_("This account is deactivated. Ask an administrator.")
        )
        return LoginResult(None, message)
    user.last_login_at = utc_now()
    return LoginResult(user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change one's own password (the current one is required); other sessions are logged out."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError(N_("The current password is wrong."))
    if current == new:
        raise AccountError(N_("The new password must differ from the current one."))
    check_password_strength(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    audit(session, user.username, "password_changed")


def reset_password(session: Session, username: str, *, actor: str) -> str:
    """Give a user a temporary password that must be changed at next login; returns it once."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(N_("No user named %(user)s."), user=repr(username))
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    end_sessions(user)
    audit(session, actor, "password_reset", user=user.username)
    return temporary


def note_access_request(session: Session, *, address: str, limit: int, window_minutes: int) -> None:
    """Count an access request from ``address``, refusing it beyond ``limit`` in the window.

    The public form creates accounts and says whether a name is taken, so it is rate-limited per
    address like logins are. Commit this on its own: a refused or failed request still counts.
    """
    since = utc_now() - dt.timedelta(minutes=window_minutes)
    recent = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == ACCESS_REQUEST_MARK,
            LoginAttempt.address == address,
            LoginAttempt.at >= since,
        )
    )
    if (recent or 0) >= limit:
        raise AccountError(
            N_("Too many access requests from your address. Try again in %(minutes)s minutes."),
            minutes=window_minutes,
        )
    session.add(LoginAttempt(username=ACCESS_REQUEST_MARK, address=address, success=True))


def request_access(session: Session, username: str, password: str, note: str = "") -> User:
    """Create an inactive account that waits for an administrator's approval."""
    user = create_user(
        session, username, password, role="manager", active=False, access_requested=True, note=note[:500]
    )
    audit(session, user.username, "access_requested")
    return user


def list_users(session: Session) -> list[User]:
    """Every account (pending requests included), by name."""
    return list(session.scalars(select(User).order_by(User.username)))


def pending_requests(session: Session) -> list[User]:
    """Accounts waiting for approval, oldest first."""
    stmt = (
        select(User).where(User.access_requested.is_(True), User.active.is_(False)).order_by(User.created_at)
    )
    return list(session.scalars(stmt))


def approve_request(session: Session, username: str, *, actor: str, role: str = "manager") -> User:
    """Activate a pending account with the given role."""
    user = find_user(session, username)
    if user is None or not user.access_requested:
        raise AccountError(N_("No pending access request for %(user)s."), user=repr(username))
    if role not in ROLES:
        raise AccountError(
            N_("Unknown role %(role)s; choose one of: %(roles)s."), role=repr(role), roles=", ".join(ROLES)
        )
    user.active, user.access_requested, user.role = True, False, role
    audit(session, actor, "access_approved", user=user.username, role=role)
    return user


def reject_request(session: Session, username: str | None, *, actor: str) -> None:
    """Refuse a pending access request: the inactive account is deleted so the name can ask again."""
    user = find_user(session, username or "")
    if user is None or not user.access_requested or user.active:
        raise AccountError(N_("No pending access request for %(user)s."), user=repr(username))
    session.delete(user)
    audit(session, actor, "access_rejected", user=user.username)


def count_active_admins(session: Session) -> int:
    """Number of active admin accounts."""
    return session.scalar(select(func.count()).where(User.role == "admin", User.active.is_(True))) or 0


def _deactivate_admin(session: Session, user: User) -> None:
    """Deactivate an admin unless no other active admin would remain, safely against concurrent calls.

    Two admins deactivating each other at once must not both succeed. PostgreSQL: the active admin rows
    are locked first, so a concurrent call waits and then counts again. SQLite: the count and the write
    are one statement, which runs under the database's single write lock.
    """
    session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
    ).all()
    other = aliased(User)
    others_active = (
        select(func.count())
        .select_from(other)
        .where(other.role == "admin", other.active.is_(True), other.id != user.id)
        .scalar_subquery()
    )
    done = session.execute(
        update(User)
        .where(User.id == user.id, others_active > 0)
        .values(active=False, session_token=secrets.token_hex(8))
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        raise AccountError(N_("The last active administrator cannot be deactivated."))
    session.refresh(user)


def set_active(session: Session, username: str, active: bool, *, actor: str) -> User:
    """Activate or deactivate a user; nobody deactivates themselves, and the last active admin stays."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(N_("No user named %(user)s."), user=repr(username))
    if not active and user.username.lower() == actor.strip().lower():
        raise AccountError(OWN_ACCOUNT_REFUSED)
    if not active and user.role == "admin" and user.active:
        _deactivate_admin(session, user)
    else:
        user.active = active
        if not active:
            end_sessions(user)
    audit(session, actor, "user_activated" if active else "user_deactivated", user=user.username)
    return user


def ensure_admin(session: Session, *, username: str, password: str | None) -> str | None:
    """Make sure an active admin exists; returns a generated password (to print once) or None."""
    if count_active_admins(session) > 0:
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    existing = find_user(session, username)
    if existing is not None:
        existing.role, existing.active, existing.access_requested = "admin", True, False
        existing.password_hash = hash_password(password)
        end_sessions(existing)
    else:
        create_user(session, username, password, role="admin")
    audit(session, "system", "admin_bootstrapped", user=username)
    return generated
