"""Events file: read and check a calendar of dated events (promotions…), store it, read it back.

A file is CSV (UTF-8, ``,`` or ``;``) or XLSX (first sheet) with the columns date (``date``/``data``),
name (``name``/``nome``/``event``/``evento``) and optionally store (``store``/``loja``; empty = every
store). Dates are ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY``. A bad file is rejected whole with every
problem listed (file, row, column, reason) and nothing written; a good one replaces the stored
calendar in one transaction (the file is the calendar).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from data.i18n import N_, Message, format_number, message, translate, translate_plural
from data.schema import Event, Sale, utc_now
from data.validation import MAX_NAME_LENGTH, Problem, normalise_header

EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "data", "day", "dia"),
    "name": ("name", "nome", "event", "evento", "description", "descricao"),
    "store": ("store", "loja", "store_id", "shop"),
}
MAX_EVENT_ROWS = 100_000
MAX_EVENT_NAME = 200


class EventsFileError(ValueError):
    """An events file was rejected; the message lists every problem (file, row, column, reason).

    ``str()`` is English (logs); ``text(language)`` the same for a reader (CLI, Admin › Events).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        """Every problem (up to 200) in ``language``, under a headline."""
        count = len(self.problems)
        total = str(count) if language == "en" else format_number(count, 0, language)
        head = translate_plural(language, "%(num)s problem", "%(num)s problems", count, num=total)
        lines = [
            translate(language, N_("Events file rejected (%(count)s); nothing was imported."), count=head)
        ]
        lines += [f"  - {p.text(language)}" for p in self.problems[:200]]
        if count > 200:
            more = translate(language, N_("... and %(count)s more problems not listed"), count=count - 200)
            lines.append(f"  {more}")
        return "\n".join(lines)


def _problem(file: str, row: int | None, column: str | None, why: Message) -> Problem:
    """A problem whose reason is shown in the reader's language (``Problem.text``)."""
    return Problem(file, row, column, str(why), why)


@dataclass(frozen=True)
class EventsImport:
    """What an import did: rows read, events stored (after removing repeated rows), the file name."""

    file: str
    rows: int
    events: int
    replaced: int


def _read_table(content: bytes, name: str) -> pd.DataFrame:
    """The raw table of a CSV or XLSX events file, every cell as text."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        return pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl").fillna("")
    text = content.decode("utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)


def _parse_date(text: str) -> dt.date | None:
    """ISO or DD/MM/YYYY; a spreadsheet's date cell arrives as ``YYYY-MM-DD 00:00:00``."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_LONGER = N_("longer than %(max)s characters")


def read_events(content: bytes, name: str, *, known_stores: set[str] | None = None) -> pd.DataFrame:
    """Parse and check an events file; return ``date, name, store`` (store None = every store).

    ``known_stores``: when given, a store not among them is a problem (a typo would silently flag
    nothing). Raises ``EventsFileError`` listing every problem.
    """
    file = Path(name).name
    try:
        raw = _read_table(content, file)
    except UnicodeDecodeError:
        why = message(N_("not UTF-8 text (save the CSV as UTF-8)"))
        raise EventsFileError([_problem(file, None, None, why)]) from None
    except Exception as exc:  # a parser error names the line; keep the reader's own words
        why = message(N_("cannot be read: %(error)s"), error=str(exc))
        raise EventsFileError([_problem(file, None, None, why)]) from None
    columns: dict[str, str] = {}
    for col in raw.columns:
        key = normalise_header(col)
        for field, aliases in EVENT_ALIASES.items():
            if key in aliases and field not in columns:
                columns[field] = col
    missing = [f for f in ("date", "name") if f not in columns]
    if missing:
        found = ", ".join(map(str, raw.columns)) or message(N_("none"))
        why = N_("missing column %(field)s (accepted: %(accepted)s; found: %(found)s)")
        raise EventsFileError(
            [
                _problem(
                    file,
                    1,
                    None,
                    message(why, field=repr(f), accepted=", ".join(EVENT_ALIASES[f]), found=found),
                )
                for f in missing
            ]
        )
    if raw.empty:
        why = message(N_("no events: the file has a header but no rows"))
        raise EventsFileError([_problem(file, None, None, why)])
    if len(raw) > MAX_EVENT_ROWS:
        why = message(
            N_("%(count)s rows; at most %(max)s events per file"), count=len(raw), max=MAX_EVENT_ROWS
        )
        raise EventsFileError([_problem(file, None, None, why)])
    problems: list[Problem] = []
    rows = []
    for i, record in enumerate(raw.to_dict("records")):
        line = i + 2  # header = line 1
        text_date = str(record[columns["date"]]).strip()
        date = _parse_date(text_date)
        if date is None:
            why = (
                message(N_("empty"))
                if not text_date
                else message(N_("%(value)s is not a date (YYYY-MM-DD or DD/MM/YYYY)"), value=repr(text_date))
            )
            problems.append(_problem(file, line, columns["date"], why))
        label = str(record[columns["name"]]).strip()
        if not label:
            problems.append(_problem(file, line, columns["name"], message(N_("empty event name"))))
        elif len(label) > MAX_EVENT_NAME:
            why = message(_LONGER, max=MAX_EVENT_NAME)
            problems.append(_problem(file, line, columns["name"], why))
        store = str(record[columns["store"]]).strip() if "store" in columns else ""
        if len(store) > MAX_NAME_LENGTH:
            problems.append(_problem(file, line, columns["store"], message(_LONGER, max=MAX_NAME_LENGTH)))
        elif store and known_stores is not None and store not in known_stores:
            why = message(N_("unknown store %(store)s (not in the sales data)"), store=repr(store))
            problems.append(_problem(file, line, columns["store"], why))
        rows.append((date, label, store or None))
    if problems:
        raise EventsFileError(problems)
    frame = pd.DataFrame(rows, columns=["date", "name", "store"]).drop_duplicates()
    return frame.sort_values(["date", "name"], key=lambda s: s.astype(str)).reset_index(drop=True)


def replace_events(engine: Engine, events: pd.DataFrame, *, file: str, actor: str, rows: int) -> EventsImport:
    """Replace the stored calendar with ``events`` (from ``read_events``) in one transaction."""
    now = utc_now()
    records = [
        {
            "date": d,
            "name": n,
            "store": s,
            "source_file": file[:255],
            "imported_at": now,
            "imported_by": actor,
        }
        for d, n, s in events.itertuples(index=False)
    ]
    with engine.begin() as conn:
        replaced = conn.execute(delete(Event)).rowcount or 0
        if records:
            conn.execute(insert(Event), records)
    return EventsImport(file=file, rows=rows, events=len(records), replaced=int(replaced))


def load_events(bind: Engine) -> pd.DataFrame:
    """The stored calendar: ``date`` (datetime64), ``name``, ``store`` (None = every store), by date."""
    with bind.connect() as conn:
        rows = conn.execute(
            select(Event.date, Event.name, Event.store).order_by(Event.date, Event.name)
        ).all()
    frame = pd.DataFrame(rows, columns=["date", "name", "store"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def known_stores(bind: Engine) -> set[str]:
    """Stores present in the sales data (events may name only these)."""
    with bind.connect() as conn:
        return set(conn.scalars(select(Sale.store).distinct()))


def event_pairs(bind: Engine) -> tuple[tuple[pd.Timestamp, str | None], ...]:
    """The calendar as (date, store or None) pairs, the form the models take (``Panel.events``)."""
    frame = load_events(bind)
    return tuple(
        (pd.Timestamp(d), None if s is None or pd.isna(s) else str(s))
        for d, s in zip(frame["date"], frame["store"], strict=True)
    )
