"""Flask-Babel wiring: each request's language and time zone, and the navbar's language switch.

The language of a request is the logged-in user's choice (``users.language``, set by the navbar's
switch, ``POST /account/language``), else ``TRENDSALES_LANGUAGE``; the time zone is
``TRENDSALES_TIMEZONE``. Templates, components and callbacks translate with Flask-Babel's ``gettext``;
``components.i18n`` gives them the request's language for numbers and dates (``data.i18n``).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, abort, current_app, has_request_context, redirect, request
from flask_babel import Babel
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth import safe_next
from app.services import get_services
from data.i18n import LANGUAGE_NAMES, LANGUAGES, format_timestamp, html_lang
from services import accounts

babel = Babel()
bp = Blueprint("i18n", __name__)


def select_language() -> str:
    """The request's language: the user's saved choice, else the configured default."""
    signed_in = has_request_context() and current_user.is_authenticated  # the CLI has no request
    choice = getattr(current_user, "language", None) if signed_in else None
    return choice if choice in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The configured time zone (one for the whole company)."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _referrer_path() -> str:
    """Where the switch was pressed (same-site path only), so the user stays on that page."""
    referrer = request.referrer or ""
    root = request.host_url.rstrip("/")
    return safe_next(referrer[len(root) :] if referrer.startswith(root + "/") else None)


@bp.post("/account/language")
@login_required
def set_language() -> Response:
    """Save the user's language (a form POST with the CSRF token) and go back to the page."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, f"unknown language; expected one of {', '.join(LANGUAGES)}")
    accounts.set_language(get_services().sessions, current_user.id, language)
    return redirect(safe_next(request.form.get("next")) if request.form.get("next") else _referrer_path())


def init_i18n(server: Flask) -> None:
    """Bind Flask-Babel with the selectors above; templates get ``html_lang``, the language names and
    ``timestamp`` (a stored time in TRENDSALES_TIMEZONE with the zone named)."""
    babel.init_app(server, locale_selector=select_language, timezone_selector=select_timezone)
    server.register_blueprint(bp)

    @server.context_processor
    def _language_context() -> dict[str, object]:
        language = select_language()

        def timestamp(value: dt.datetime | None) -> str:
            return format_timestamp(value, select_timezone(), language)

        return {
            "html_lang": html_lang(language),
            "language": language,
            "language_names": LANGUAGE_NAMES,
            "timestamp": timestamp,
        }
