"""Events calendar use cases: import an events file (audited), list the calendar, events for a chart.

The admin console's upload and the ``events import`` / ``events list`` commands call this module.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data.audit import audit
from data.db import session_scope
from data.events import EventsFileError, EventsImport, known_stores, load_events, read_events, replace_events

__all__ = ["EventsFileError", "EventsImport", "chart_events", "import_events", "list_events"]


class EventServices(Protocol):
    """What these use cases need from ``app.services.Services``."""

    engine: Engine
    sessions: sessionmaker[Session]
    config: Any


def import_events(services: EventServices, content: bytes, filename: str, *, actor: str) -> EventsImport:
    """Check an events file and make it the stored calendar (all or nothing), then audit it.

    Raises ``EventsFileError`` (every problem: file, row, column, reason) and writes nothing when the
    file is bad. The new events reach the models at the next training.
    """
    events = read_events(content, filename, known_stores=known_stores(services.engine) or None)
    rows = len(events)
    result = replace_events(services.engine, events, file=filename, actor=actor, rows=rows)
    with session_scope(services.sessions) as session:
        audit(
            session, actor, "events_imported", file=filename, events=result.events, replaced=result.replaced
        )
    return result


def list_events(services: EventServices) -> pd.DataFrame:
    """The stored calendar: ``date, name, store`` (store None = every store)."""
    return load_events(services.engine)


def chart_events(
    engine: Engine,
    store: str | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    alias: str,
    stores: frozenset[str] | None = None,
) -> pd.DataFrame:
    """Events to mark on a chart between two dates, one row per display period: ``date, name``.

    ``alias`` is the display period (``D``, ``W-SUN``, ``M``, ``Q``): an event is drawn at the start of
    its period and a period's events share one marker. A store's chart shows its own events and the
    chain-wide ones; the stores-together chart shows the events of ``stores`` (None: every store).
    """
    events = load_events(engine)
    if events.empty:
        return pd.DataFrame({"date": pd.DatetimeIndex([]), "name": pd.Series([], dtype=object)})
    events["date"] = events["date"].dt.to_period(alias).dt.start_time
    keep = (events["date"] >= start) & (events["date"] <= end)
    if store is not None:
        keep &= events["store"].isna() | (events["store"] == store)
    elif stores is not None:
        keep &= events["store"].isna() | events["store"].isin(stores)
    shown = events[keep]
    names = shown.groupby("date", sort=True)["name"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    return names.reset_index()
