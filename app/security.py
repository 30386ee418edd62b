"""Server-side access control, CSRF cookie for Dash, session cookies and security headers.

One ``before_request`` hook guards every route — Flask views, Dash's page, its internal
``/_dash-*`` endpoints and component suites — with a small allow-list of public paths.
Under ``/api/`` only, an ``Authorization: Bearer`` API token authenticates the request instead of a
session (``request_user``); it never logs anyone in, and everywhere else the header is ignored.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from flask import Flask, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response

from app.config import Settings
from app.services import get_services
from data.schema import User
from services import tokens

P = ParamSpec("P")
R = TypeVar("R")

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.request_access", "auth.logout", "healthz"})
PUBLIC_PATH_PREFIXES = ("/assets/",)
PASSWORD_CHANGE_ALLOWED = frozenset({"auth.change_password", "auth.logout"})
CSRF_COOKIE = "_csrf_token"
LOGIN_AT = "login_at"  # session key: when the user logged in (epoch seconds)
STATIC_BUNDLE_PREFIX = "/_dash-component-suites/"
API_PREFIX = "/api/"
LIMITER_KEY = "api_limiter"  # Services.extras key of the token rate limiter (shared by the host's workers)
RATE_DIRNAME = "api-rate"  # its per-token counts, inside the instance folder
FORM_TEMPLATES = {  # server-rendered forms, shown again when their CSRF token is refused
    "auth.login": "login.html",
    "auth.change_password": "password.html",
    "auth.request_access": "request_access.html",
}


def _wants_json() -> bool:
    """Dash internals (/_dash-*, /_reload-hash…), /api/, and POSTs get JSON; page loads get redirects."""
    return request.path.startswith(("/_", "/api/")) or request.method != "GET" or request.is_json


def _is_public() -> bool:
    return request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PATH_PREFIXES)


def session_outlived() -> bool:
    """True when this session began more than SESSION_HOURS ago (or has no start time).

    Flask renews a permanent session's cookie on every request, so without this an active (or stolen)
    cookie would never expire: this is the absolute limit.
    """
    started = session.get(LOGIN_AT)
    limit = get_services().config.session_hours * 3600
    return not isinstance(started, int | float) or time.time() - started > limit


def bearer_secret() -> str | None:
    """The secret of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def request_user() -> User | None:
    """Who an ``/api/`` request acts as: the API token's owner, else the session's user."""
    user = g.get("api_token_user")
    if user is not None:
        return user
    return current_user if current_user.is_authenticated else None


def _token_guard(secret: str) -> Response | tuple[Response, int] | None:
    """Authenticate an ``/api/`` request by its token: 401 when not valid, 429 over the rate limit."""
    services = get_services()
    found = tokens.token_user(services.sessions, secret)
    if found is None:
        return jsonify(error="invalid, expired or revoked API token"), 401
    limiter = services.extras.get(LIMITER_KEY)
    if limiter is None:
        folder = Path(services.config.instance_dir) / RATE_DIRNAME
        limiter = services.extras.setdefault(
            LIMITER_KEY, tokens.rate_limiter(services.config.api_rate_per_minute, services.engine, folder)
        )
    if not limiter.allow(found.token_id):
        response = jsonify(error="too many requests with this API token; try again in a minute")
        response.headers["Retry-After"] = "60"
        return response, 429
    if found.user.must_change_password:
        return jsonify(error="the token's owner must change their password first"), 403
    g.api_token_user = found.user
    return None


def guard_request() -> Response | tuple[Response, int] | None:
    """Refuse anonymous access everywhere except the public allow-list; enforce forced password changes
    and the absolute session lifetime. A bearer token counts under ``/api/`` only."""
    if _is_public():
        return None  # before touching current_user: assets and the login page load no user
    secret = bearer_secret() if request.path.startswith(API_PREFIX) else None
    if secret is not None:
        return _token_guard(secret)
    if current_user.is_authenticated and session_outlived():
        logout_user()
        session.pop(LOGIN_AT, None)
    if not current_user.is_authenticated:
        if _wants_json():
            return jsonify(error="login required", login_url=url_for("auth.login")), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
        if _wants_json():
            return jsonify(error="password change required", url=url_for("auth.change_password")), 403
        return redirect(url_for("auth.change_password"))
    if request.path == "/":
        return redirect("/store")  # the store tab is the home page (and its tab link shows as active)
    return None


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Decorate a Flask view so that only an active admin reaches it (401 anonymous, 403 managers).

    The route counterpart of ``callbacks.guards.admin_only``, which guards Dash callbacks the same way.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_authenticated:
            raise Unauthorized("login required")
        if not current_user.is_admin:
            raise Forbidden("This action is reserved to administrators.")
        return view(*args, **kwargs)

    return wrapper


def csrf_refused(error: CSRFError) -> Response | tuple[Response | str, int]:
    """A refused CSRF token, answered so that the user can go on instead of facing a bare 400.

    Dash and API calls get JSON asking the page to reload (which re-issues the token cookie); a form
    posted from a page left open too long is shown again, with a message, to submit once more.
    """
    if request.path.startswith(("/_", "/api/")) or request.is_json:
        return jsonify(error=f"{error.description} Reload the page.", reload=True), 400
    template = FORM_TEMPLATES.get(request.endpoint or "")
    if request.method == "POST" and template:
        flash(
            "The form had expired (its security token was missing or stale). Please submit it again.",
            "warning",
        )
        page = render_template(
            template, username=request.form.get("username", ""), next=request.form.get("next", "")
        )
        return page, 400
    return error.get_response()


def _content_security_policy(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",  # Plotly and Dash set inline styles
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install_security(server: Flask, settings: Settings, script_hashes: list[str]) -> None:
    """Register the guard, the CSRF cookie that Dash's renderer echoes, and the security headers."""
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        REMEMBER_COOKIE_DURATION=dt.timedelta(hours=settings.session_hours),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (short) session
        MAX_CONTENT_LENGTH=int(settings.max_upload_bytes * 1.4) + 65536,
    )
    csp = _content_security_policy(script_hashes)
    server.before_request(guard_request)
    server.register_error_handler(CSRFError, csrf_refused)

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html" and (
            current_user.is_authenticated or request.endpoint == "auth.login"
        ):
            # Dash's renderer copies this cookie into the X-CSRFToken header of every callback POST.
            # Pages are enough: the token lives as long as the session, so callbacks and bundles skip it.
            response.set_cookie(
                CSRF_COOKIE,
                generate_csrf(),
                samesite="Strict",
                secure=settings.secure_cookies,
                httponly=False,
            )
        if request.path.startswith(STATIC_BUNDLE_PREFIX):
            # Fingerprinted JS bundles: cacheable by this user's browser only (they sit behind login).
            response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        elif current_user.is_authenticated and not request.path.startswith(PUBLIC_PATH_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        return response
