"""Login, logout, own-password change and access requests (server-rendered forms with CSRF)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.extensions import login_manager
from app.security import LOGIN_AT
from app.services import get_services
from components.i18n import text_language
from data.schema import User
from services import accounts

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user of a session id ("<id>:<token>"); a changed token ends old sessions."""
    return accounts.session_user(get_services().sessions, session_id)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths may be used as the post-login destination (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def client_address() -> str:
    """The client's address as seen by this server (proxies must be configured to pass it)."""
    return (request.remote_addr or "")[:64]


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the login form; on valid credentials start a session and go where the user wanted."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    services = get_services()
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        result = accounts.log_in(
            services.sessions,
            username,
            password,
            address=client_address(),
            max_failures=services.config.login_max_failures,
            window_minutes=services.config.login_window_minutes,
        )
        if result.user is not None:
            flask_session.permanent = True  # expire after SESSION_HOURS, not at browser close only
            flask_session.pop("csrf_token", None)  # a token known before login is not valid after it
            login_user(result.user, remember=False)
            flask_session[LOGIN_AT] = time.time()  # the guard ends the session SESSION_HOURS after this
            if result.user.must_change_password:
                flash(_("Your password was reset. Choose a new one to continue."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.form.get("next") or request.args.get("next")))
        flash(_(result.message, **result.params), "danger")
        return render_template("login.html", username=username, next=request.form.get("next", "")), 401
    return render_template("login.html", username="", next=request.args.get("next", ""))


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    """POST (with the CSRF token) ends the user's sessions on every device; GET only asks to confirm.

    The user's session token changes, so a copy of the cookie stops working too, not only this
    browser's. A GET never logs out, so a link on another site cannot end anyone's session.
    """
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("logout.html")
    if current_user.is_authenticated:
        accounts.log_out_everywhere(get_services().sessions, current_user.id)
    logout_user()
    flask_session.pop(LOGIN_AT, None)
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    """Let users change their own password (forced after an admin reset)."""
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm_password", ""):
            flash(_("The two new passwords differ."), "danger")
            return render_template("password.html"), 400
        try:
            user = accounts.change_own_password(
                get_services().sessions, current_user.id, request.form.get("current_password", ""), new
            )
        except accounts.AccountError as exc:
            flash(exc.text(text_language()), "danger")
            return render_template("password.html"), 400
        login_user(user, remember=False)  # the session token changed: renew this session's id
        flash(_("Password changed."), "success")
        return redirect("/")
    return render_template("password.html")


@bp.route("/request-access", methods=["GET", "POST"])
def request_access() -> str | Response:
    """Public form: create an inactive account that an administrator approves later."""
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        note = request.form.get("note", "")
        if password != request.form.get("confirm_password", ""):
            flash(_("The two passwords differ."), "danger")
            return render_template("request_access.html", username=username, note=note), 400
        services = get_services()
        try:
            accounts.request_access(
                services.sessions,
                username,
                password,
                note,
                address=client_address(),
                limit=services.config.login_max_failures,
                window_minutes=services.config.login_window_minutes,
            )
        except accounts.AccountError as exc:
            flash(exc.text(text_language()), "danger")
            return render_template("request_access.html", username=username, note=note), 400
        flash(_("Request sent. You can log in once an administrator approves it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("request_access.html", username="", note="")
