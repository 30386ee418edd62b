"""Languages, translations and number/date formats for people, without Flask.

One catalogue serves every layer: ``translations/<lang>/LC_MESSAGES/messages.mo`` (gettext, compiled
from the ``.po`` files; README › Languages). The web layers translate through Flask-Babel, which picks
the request's language (``app/i18n.py``); code below them (``models/``, ``data/``, the CLI, the
scheduler) has no request, so it passes the language explicitly to the functions here, which read the
same catalogue with Babel's ``babel.support.Translations``. Numbers use the separators of the
language's CLDR data (pt_BR ``1.234,5`` and ``12,4%``, en ``1,234.5`` and ``12.4%``); dates and month
names come from Babel's CLDR data too. Money is always Brazilian reais (the data is), written with the
language's separators: ``R$ 1.234`` / ``R$ 1,234``.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import babel.dates
import babel.numbers
from babel.support import NullTranslations, Translations

LANGUAGES = ("pt_BR", "en")
DEFAULT_LANGUAGE = "pt_BR"
DEFAULT_TIMEZONE = "America/Sao_Paulo"
# The language names shown in the language switch, each in its own language.
LANGUAGE_NAMES = {"pt_BR": "Português", "en": "English"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"
MISSING = "–"  # an en dash for a missing or non-finite value, in every language


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (module-level tables); the text is
    translated where it is shown (``translate(lang, message)`` or Flask-Babel's ``gettext``)."""
    return message


def check_language(language: str) -> str:
    """``language`` if it is one we translate; ValueError naming the valid ones otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return language


def html_lang(language: str | None) -> str:
    """The BCP 47 tag of a language for ``<html lang>`` (``pt_BR`` → ``pt-BR``)."""
    return (language or DEFAULT_LANGUAGE).replace("_", "-")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English, the source language, has none)."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [check_language(language)], DOMAIN)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` translated into ``language``, then ``%(name)s`` placeholders filled from ``values``."""
    text = translations(language).gettext(message)
    return text % values if values else text


def translate_plural(language: str, singular: str, plural: str, count: int, **values: Any) -> str:
    """The singular or plural form for ``count`` in ``language``; ``%(num)s`` is the count."""
    text = translations(language).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def format_number(value: float | None, decimals: int = 0, language: str = DEFAULT_LANGUAGE) -> str:
    """``1.234,5`` (pt_BR) or ``1,234.5`` (en); an en dash for missing or non-finite values.

    Python formats (half-even on the binary value, as everywhere else in the app); Babel's CLDR data
    gives the language's decimal and group symbols.
    """
    if not _finite(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}"
    decimal = babel.numbers.get_decimal_symbol(language)
    group = babel.numbers.get_group_symbol(language)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def plotly_separators(language: str = DEFAULT_LANGUAGE) -> str:
    """Plotly's layout ``separators`` for ``language``: decimal mark then thousands (``",."`` in pt_BR)."""
    return babel.numbers.get_decimal_symbol(language) + babel.numbers.get_group_symbol(language)


def format_percent(value: float | None, decimals: int = 0, language: str = DEFAULT_LANGUAGE) -> str:
    """``12,4%`` / ``12.4%`` from a fraction (0.124); an en dash when missing."""
    if not _finite(value):
        return MISSING
    return f"{format_number(float(value) * 100, decimals, language)}%"


def format_money(value: float | None, decimals: int = 0, language: str = DEFAULT_LANGUAGE) -> str:
    """``R$ 1.234.567`` (pt_BR) / ``R$ 1,234,567`` (en); an en dash for missing values."""
    if not _finite(value):
        return MISSING
    text = format_number(abs(float(value)), decimals, language)
    return f"{'-' if float(value) < 0 else ''}R$ {text}"


# Compact units per language, largest first (pt_BR "mil/mi/bi" as Brazilian papers write them).
_UNITS = {
    "pt_BR": ((1e9, "bi"), (1e6, "mi"), (1e3, "mil")),
    "en": ((1e9, "bn"), (1e6, "M"), (1e3, "k")),
}


def money_units(language: str = DEFAULT_LANGUAGE) -> tuple[tuple[float, str], ...]:
    """The compact money units of ``language``, largest first (pt_BR: bi, mi, mil)."""
    return _UNITS[check_language(language)]


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name``; ValueError when the system has no such zone."""
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; e.g. {DEFAULT_TIMEZONE}") from None


def _as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, pandas Timestamp or ISO text (``2026-11-30``); None when missing."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    return value.date() if isinstance(value, dt.datetime) else value


def format_date(value: Any, pattern: str = "medium", language: str = DEFAULT_LANGUAGE) -> str:
    """A date with month and weekday names in ``language`` (a Babel/CLDR pattern or width)."""
    day = _as_date(value)
    return MISSING if day is None else babel.dates.format_date(day, pattern, locale=language)


def format_skeleton(value: Any, skeleton: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A date from a CLDR skeleton in the language's own order: ``yMd`` is ``05/11/2026`` (pt_BR) or
    ``11/5/2026`` (en); ``dM`` is ``05/11`` / ``11/5``."""
    day = _as_date(value)
    return MISSING if day is None else babel.dates.format_skeleton(skeleton, day, locale=language)


def timezone_name(timezone: str = DEFAULT_TIMEZONE, language: str = DEFAULT_LANGUAGE) -> str:
    """The zone's name for people: ``Horário de Brasília`` / ``Brasilia Time`` (Babel's CLDR names)."""
    return babel.dates.get_timezone_name(parse_timezone(timezone), locale=language)


def format_timestamp(
    value: dt.datetime | None,
    timezone: str = DEFAULT_TIMEZONE,
    language: str = DEFAULT_LANGUAGE,
    *,
    zone: bool = True,
) -> str:
    """A stored time (naive UTC, ``data.schema.utc_now``) in ``timezone``, with the zone named:
    ``30/11/2026 21:10 (Horário de Brasília)`` / ``11/30/26, 9:10 PM (Brasilia Time)``; without the
    zone's name (``zone=False``) in grid cells, whose column header names the zone."""
    if value is None:
        return MISSING
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    when = babel.dates.format_datetime(aware, "short", tzinfo=parse_timezone(timezone), locale=language)
    return f"{when} ({timezone_name(timezone, language)})" if zone else when


def format_day(value: Any, language: str = DEFAULT_LANGUAGE) -> str:
    """A calendar date inside a sentence: ``2026-11-30`` in English (ISO, as the files and the logs
    write it), ``30/11/2026`` in pt_BR (the Brazilian order, also accepted in sales files)."""
    day = _as_date(value)
    if day is None:
        return MISSING
    return day.isoformat() if language == "en" else format_skeleton(day, "ddMMyyyy", language)


def _format_general(value: float, language: str) -> str:
    """``1.2e+12`` / ``2.5`` written with the language's decimal mark (``1,2e+12`` in pt_BR)."""
    return f"{value:g}".replace(".", babel.numbers.get_decimal_symbol(language))


@dataclass(frozen=True)
class Count:
    """A bound or a value in a message (a limit such as ``1e12`` or ``5,000,000``): whole numbers
    below ten million with the language's group separator, larger or fractional ones in ``%g``
    form, infinity as "unlimited"."""

    value: float

    def text(self, language: str) -> str:
        """The count written in ``language``."""
        value = float(self.value)
        if math.isinf(value):
            return translate(language, N_("unlimited"))
        if value >= 1e7 and value.is_integer():
            return f"{value:.6g}".replace(".", babel.numbers.get_decimal_symbol(language))
        return format_number(value, 0, language) if value.is_integer() else _format_general(value, language)


@dataclass(frozen=True)
class Size:
    """A size in bytes in a message: ``100.0 MB`` (MB = 1024² bytes) from 1 MB up, else ``2,048 bytes``,
    with the language's separators (``100,0 MB`` in pt_BR)."""

    value: float

    def text(self, language: str) -> str:
        """The size written in ``language``."""
        mb = 1024 * 1024
        if self.value >= mb:
            return f"{format_number(self.value / mb, 1, language)} MB"
        return translate(language, N_("%(count)s bytes"), count=format_number(self.value, 0, language))


@dataclass(frozen=True)
class Message:
    """A sentence to show in the reader's language later: its English msgid (marked with ``N_``) and
    the values of its ``%(name)s`` placeholders. Layers without a request (``data/``) build these;
    the edge (a page, the CLI) renders them with ``text(language)``; ``str()`` is the English
    sentence (logs, the audit trail, stored records).

    Values are written in the language at render time: ints with its group separator, floats in
    ``%g`` form with its decimal mark, dates as ``format_day``, ``Count``/``Size``/nested
    ``Message`` through their own ``text``; strings (file names, cell values as written) as they are.
    """

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        """The sentence in ``language``."""
        if not self.values:
            return translate(language, self.msgid)
        return translate(
            language, self.msgid, **{k: render_value(v, language) for k, v in self.values.items()}
        )

    def __str__(self) -> str:
        """The English sentence."""
        return self.text("en")


class Readable:
    """Mixin for an exception people read: raised with a msgid (marked ``N_``) and its values,
    ``str()`` is the English sentence (logs, the CLI's default), ``text(language)`` the reader's.

    ``class ScopeError(Readable, ValueError)``; ``raise ScopeError(N_("no user named %(name)s"), name=n)``.
    """

    def __init__(self, msgid: str, **values: Any) -> None:
        self.why = Message(msgid, values)
        super().__init__(str(self.why))

    def text(self, language: str) -> str:
        """The sentence in ``language``."""
        return self.why.text(language)


def readable_text(exc: BaseException, language: str) -> str:
    """An exception's sentence in ``language`` when it is ``Readable`` (or has ``text``), else ``str()``."""
    text = getattr(exc, "text", None)
    return text(language) if callable(text) else str(exc)


def message(msgid: str, **values: Any) -> Message:
    """``Message(msgid, values)`` written like a call to ``translate`` (``msgid`` marked with ``N_``)."""
    return Message(msgid, values)


def render_value(value: Any, language: str) -> str:
    """One placeholder value of a ``Message`` written in ``language`` (see ``Message``)."""
    if hasattr(value, "text") and callable(value.text):
        return value.text(language)
    if isinstance(value, str | bool) or value is None:
        return str(value)
    if isinstance(value, dt.date):
        return format_day(value, language)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return format_number(int(value), 0, language)
    if isinstance(value, float) or hasattr(value, "dtype"):
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        return (
            format_number(number, 0, language) if number.is_integer() else _format_general(number, language)
        )
    return str(value)


@dataclass(frozen=True)
class Joined:
    """Several values of one placeholder, each written in the language, joined by ``separator``
    (itself translated when it is a msgid such as ``N_(" and ")``)."""

    items: tuple[Any, ...]
    separator: str = "; "

    def text(self, language: str) -> str:
        """The items written in ``language``, joined."""
        return translate(language, self.separator).join(render_value(i, language) for i in self.items)


@dataclass(frozen=True)
class Weekday:
    """A weekday (0 = Monday) in a message: its abbreviated name in the language (``Mon``, ``seg.``)."""

    index: int

    def text(self, language: str) -> str:
        """The abbreviated name in ``language`` (Babel's CLDR data)."""
        return babel.dates.get_day_names("abbreviated", locale=language)[self.index]
