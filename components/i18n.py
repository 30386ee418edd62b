"""The request's language for layouts and callbacks: translated text and numbers/dates in one format.

Text goes through Flask-Babel (``_`` = ``flask_babel.gettext``; module-level tables mark their text
with ``N_`` and translate it where shown). Numbers, money, percentages and dates use ``data.i18n``
with the request's language, so every number on a page follows one convention (pt_BR ``1.234,5`` and
``12,4%``; en ``1,234.5`` and ``12.4%``). Outside a request (unit tests, start-up checks) there is no
user: text and month names stay in the source language (English, what gettext returns without a
catalogue) and numbers keep the default language's separators (pt_BR) — the output the pure layout
functions had before they were translated, so their unit tests read the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_request_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from data import i18n
from data.i18n import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, LANGUAGES, N_

__all__ = [
    "N_",
    "_",
    "date",
    "day",
    "language",
    "money",
    "ngettext",
    "number",
    "percent",
    "text_language",
    "timestamp",
    "timezone",
    "zone_name",
]


def language() -> str:
    """The request's language (``pt_BR`` or ``en``); the default language outside a request."""
    if has_request_context():
        locale = get_locale()
        if locale is not None and str(locale) in LANGUAGES:
            return str(locale)
    return DEFAULT_LANGUAGE


def text_language() -> str:
    """The language of words and month names: the request's; English (the msgids) outside a request."""
    return language() if has_request_context() else "en"


def timezone() -> str:
    """The configured time zone's IANA name (``America/Sao_Paulo`` outside an app)."""
    if has_request_context():
        return str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE)
    return DEFAULT_TIMEZONE


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the request's format: ``378.143`` / ``378,143``; an en dash when missing."""
    return i18n.format_number(value, decimals, language())


def percent(value: float | None, decimals: int = 0) -> str:
    """A fraction as a percentage in the request's format: ``12,4%`` / ``12.4%``."""
    return i18n.format_percent(value, decimals, language())


def money(value: float | None, decimals: int = 0) -> str:
    """Reais in the request's format: ``R$ 1.234`` / ``R$ 1,234``."""
    return i18n.format_money(value, decimals, language())


def date(value: Any, pattern: str = "medium") -> str:
    """A date with month and weekday names in the request's language (Babel/CLDR pattern)."""
    return i18n.format_date(value, pattern, text_language())


def day(value: Any, skeleton: str = "yMd") -> str:
    """A date written in digits, in the field order of the numbers' language (``05/11/2026`` in pt_BR,
    ``11/5/2026`` in en; pt_BR outside a request, like the numbers)."""
    return i18n.format_skeleton(value, skeleton, language())


def timestamp(value: dt.datetime | None, *, zone: bool = True) -> str:
    """A stored (naive UTC) time in the configured time zone, with the zone named (unless ``zone`` is
    False: a grid cell, whose column header names it)."""
    return i18n.format_timestamp(value, timezone(), text_language(), zone=zone)


def zone_name() -> str:
    """The configured time zone's name in the request's language (``Horário de Brasília``)."""
    return i18n.timezone_name(timezone(), text_language())
