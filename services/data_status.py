"""Which stores have reported which periods: the use case behind ``data status`` and the Admin heat-map.

After a store's last reported date its sales are unknown (not yet reported), not zero. The status
names, per store, the first and last reported date and the periods of the last ``RECENT_WEEKS``
weeks (up to the newest stored date) with no report; periods before a store's first report are not
counted. "Complete through" is the newest date every store has reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from data import queries
from data.frequency import recent_periods

RECENT_WEEKS = 8


@dataclass(frozen=True)
class StoreStatus:
    """One store: reported span, and per recent period True (reported), False (not) or None
    (before its first report)."""

    store: str
    first_date: dt.date
    last_date: dt.date
    reported: tuple[bool | None, ...]

    @property
    def unreported(self) -> int:
        """Recent periods since the store's first report with no report."""
        return sum(flag is False for flag in self.reported)


@dataclass(frozen=True)
class DataStatus:
    """Reporting per store over the recent periods (``frequency`` of the dataset, oldest first)."""

    frequency: str
    periods: tuple[dt.date, ...]
    stores: tuple[StoreStatus, ...]
    complete_through: dt.date | None

    @property
    def behind(self) -> tuple[StoreStatus, ...]:
        """Stores whose last report is older than the newest stored date."""
        return tuple(s for s in self.stores if self.periods and s.last_date < self.periods[-1])


def data_status(engine: Engine, *, weeks: int = RECENT_WEEKS) -> DataStatus:
    """The reporting status of every store; no stores (and no periods) on an empty database."""
    reports = queries.store_reporting(engine)
    freq = queries.dataset_frequency(engine) or "D"
    if not reports:
        return DataStatus(frequency=freq, periods=(), stores=(), complete_through=None)
    newest = max(r.last_date for r in reports)
    periods = tuple(p.date() for p in recent_periods(newest, freq, weeks=weeks))
    seen = queries.reported_dates(engine, start=periods[0])
    stores = tuple(
        StoreStatus(
            store=r.store,
            first_date=r.first_date,
            last_date=r.last_date,
            reported=tuple(None if p < r.first_date else p in seen.get(r.store, ()) for p in periods),
        )
        for r in reports
    )
    return DataStatus(
        frequency=freq, periods=periods, stores=stores, complete_through=queries.complete_through(reports)
    )
