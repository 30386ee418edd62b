"""Server-side role checks shared by Dash callbacks and Flask views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

P = ParamSpec("P")
R = TypeVar("R")


def require_admin() -> None:
    """Raise 401/403 unless the current session belongs to an active admin."""
    if not current_user.is_authenticated:
        raise Unauthorized("login required")
    if not current_user.is_admin:
        raise Forbidden("This action is reserved to administrators.")


def admin_only(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a callback or view so that managers are refused on the server (HTTP 403)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        require_admin()
        return func(*args, **kwargs)

    return wrapper
