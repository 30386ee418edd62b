"""Reporting completeness: which dates each store has reported, so unreported days never read as zero.

The rule (README › Sales files): a store's *last reported date* is the newest date it has any sales
row for; after it the store's sales are unknown, not zero. A store silent for longer than the
silence threshold (``silence_days``), counted back from the newest report of any store, counts as
closed: its silence is taken as no sales, so it does not hold the others back. *Complete through* is
the newest date every other store has reported. Dates inside a store's reported span with no row for
a product are zero sales of that product.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from sqlalchemy import Connection, Engine

from data.frequency import frequency
from data.queries import StoreReport, dataset_frequency, store_reporting

SILENT_PERIODS = 2  # a silence also has to be longer than this many periods of the dataset


def silence_days(silent_days: int, freq: str | None) -> int:
    """Days of silence after which a store counts as closed: ``silent_days`` or two periods of
    ``freq`` (so a monthly store is not "closed" for skipping one month), whichever is longer."""
    periods = math.ceil(SILENT_PERIODS * frequency(freq).period_days) if freq else 0
    return max(int(silent_days), periods)


@dataclass(frozen=True)
class Reporting:
    """Every store's reported span and the silence threshold (days) the rule applies.

    Immutable, so the derived facts are computed once (each is a pass over the stores, and a view
    asks for several: ~4 ms per view at 1,000 stores before they were cached).
    """

    stores: tuple[StoreReport, ...]
    silent_after: int

    @cached_property
    def newest(self) -> dt.date | None:
        """The newest date any store has reported."""
        return max((r.last_date for r in self.stores), default=None)

    @cached_property
    def silent(self) -> tuple[StoreReport, ...]:
        """Stores silent for more than ``silent_after`` days before the newest report (closed)."""
        newest = self.newest
        if newest is None:
            return ()
        limit = newest - dt.timedelta(days=self.silent_after)
        return tuple(r for r in self.stores if r.last_date < limit)

    @cached_property
    def complete_through(self) -> dt.date | None:
        """The newest date every store that is not silent has reported."""
        silent = {r.store for r in self.silent}
        return min((r.last_date for r in self.stores if r.store not in silent), default=None)

    @cached_property
    def ahead(self) -> tuple[StoreReport, ...]:
        """Stores that have reported days after ``complete_through`` (those days are partly reported)."""
        through = self.complete_through
        return tuple(r for r in self.stores if through is not None and r.last_date > through)

    def within(self, stores: frozenset[str]) -> Reporting:
        """The facts of ``stores`` only (a manager limited to them: "all stores" means theirs)."""
        return Reporting(
            stores=tuple(r for r in self.stores if r.store in stores), silent_after=self.silent_after
        )

    def reported_through(self, store: str | None = None) -> dt.date | None:
        """Up to when sales of ``store`` are known (its last report), or of all stores together
        (``complete_through``) when ``store`` is None; None for an unknown store or no data."""
        if store is None:
            return self.complete_through
        return self._last_dates.get(store)

    @cached_property
    def _last_dates(self) -> dict[str, dt.date]:
        return {r.store: r.last_date for r in self.stores}


def load_reporting(bind: Engine | Connection, *, silent_days: int) -> Reporting:
    """The reporting facts of the stored sales (one grouped query) under the silence threshold
    ``silence_days(silent_days, dataset frequency)``."""
    return Reporting(
        stores=tuple(store_reporting(bind)),
        silent_after=silence_days(silent_days, dataset_frequency(bind)),
    )


def complete_sales(sales: pd.DataFrame, reporting: Reporting) -> pd.DataFrame:
    """The rows of ``sales`` dated up to ``reporting.complete_through`` (all of them when unknown)."""
    through = reporting.complete_through
    if through is None or sales.empty:
        return sales
    return sales.loc[sales["date"] <= pd.Timestamp(through)].reset_index(drop=True)
