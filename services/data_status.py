"""Which stores have reported which periods: the use case behind ``data status`` and the Admin heat-map.

After a store's last reported date its sales are unknown (not yet reported), not zero. The status
names, per store, the first and last reported date and the periods of the last ``RECENT_WEEKS``
weeks (up to the newest stored date) with no report; periods before a store's first report are not
counted. "Complete through" and the silent (closed) stores follow the reporting rule of
``data.reporting``, the same facts the dashboard and the training cut use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from data import queries
from data.frequency import recent_periods
from data.reporting import load_reporting

RECENT_WEEKS = 8


@dataclass(frozen=True)
class StoreStatus:
    """One store: reported span, whether it counts as closed (silent), and per recent period True
    (reported), False (not) or None (before its first report)."""

    store: str
    first_date: dt.date
    last_date: dt.date
    reported: tuple[bool | None, ...]
    silent: bool = False

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
        """Stores, not silent, whose last report is older than the newest stored date."""
        newest = self.periods[-1] if self.periods else None
        return tuple(s for s in self.stores if not s.silent and newest and s.last_date < newest)

    @property
    def silent(self) -> tuple[StoreStatus, ...]:
        """Stores silent long enough to count as closed (they do not hold "complete through" back)."""
        return tuple(s for s in self.stores if s.silent)


def data_status(engine: Engine, *, silent_days: int, weeks: int = RECENT_WEEKS) -> DataStatus:
    """The reporting status of every store (``silent_days``: the settings' silence threshold); no
    stores and no periods on an empty database."""
    reporting = load_reporting(engine, silent_days=silent_days)
    freq = queries.dataset_frequency(engine) or "D"
    if not reporting.stores:
        return DataStatus(frequency=freq, periods=(), stores=(), complete_through=None)
    periods = tuple(p.date() for p in recent_periods(reporting.newest, freq, weeks=weeks))
    seen = queries.reported_dates(engine, start=periods[0])
    silent = {r.store for r in reporting.silent}
    stores = tuple(
        StoreStatus(
            store=r.store,
            first_date=r.first_date,
            last_date=r.last_date,
            reported=tuple(None if p < r.first_date else p in seen.get(r.store, ()) for p in periods),
            silent=r.store in silent,
        )
        for r in reporting.stores
    )
    return DataStatus(
        frequency=freq, periods=periods, stores=stores, complete_through=reporting.complete_through
    )
