"""Server-side role and store-scope checks shared by Dash callbacks and Flask views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import g
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from components.i18n import _
from services.scoping import StoreScope, user_scope

P = ParamSpec("P")
R = TypeVar("R")


def require_admin() -> None:
    """Raise 401/403 unless the current session belongs to an active admin."""
    if not current_user.is_authenticated:
        raise Unauthorized("login required")
    if not current_user.is_admin:
        raise Forbidden(_("This action is reserved to administrators."))


def admin_only(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a callback or view so that managers are refused on the server (HTTP 403)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        require_admin()
        return func(*args, **kwargs)

    return wrapper


def current_scope(services: Any) -> StoreScope:
    """The stores the logged-in user may see (read once per request); no store without a session."""
    if "store_scope" not in g:
        user = current_user if current_user.is_authenticated else None
        g.store_scope = user_scope(services.sessions, user)
    return g.store_scope
