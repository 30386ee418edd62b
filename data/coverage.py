"""What an upload covers, against what the database (and a batch's earlier files) already hold.

A store that is missing from a file which brings new dates will show those dates as not yet reported
(unknown, not zero) until its own rows arrive. The preview says so before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Coverage:
    """Dates, stores, products and series one file touches, compared with the catalogue.

    ``behind`` are the stores whose last report, once the file is in, is still older than the file's
    last date (other stores, or stores of the file that end earlier); ``behind_from``..``behind_to``
    are the file's dates that some of them will show as not yet reported.
    """

    date_min: dt.date
    date_max: dt.date
    dates: int
    stores: tuple[str, ...]
    new_stores: tuple[str, ...]
    known_stores: int
    products: int
    new_products: int
    series: int
    new_series: int
    behind: tuple[str, ...] = ()
    behind_from: dt.date | None = None
    behind_to: dt.date | None = None

    @property
    def all_stores(self) -> int:
        """Stores known once the file is in: the catalogue's plus the file's new ones."""
        return self.known_stores + len(self.new_stores)

    @property
    def partial(self) -> bool:
        """True when other stores will show some of the file's dates as not yet reported."""
        return bool(self.behind)


@dataclass
class CatalogueState:
    """Per store, the last reported date, and the known products: the database plus earlier files."""

    last_dates: dict[str, dt.date] = field(default_factory=dict)
    products: set[str] = field(default_factory=set)

    def add(self, frame: pd.DataFrame) -> None:
        """Take in a file of the batch (canonical columns, dates at their period start)."""
        last = frame.groupby("store")["date"].max()
        for store, date in last.items():
            day = pd.Timestamp(date).date()
            self.last_dates[store] = max(day, self.last_dates.get(store, day))
        self.products.update(frame["product"].unique().tolist())


def file_coverage(frame: pd.DataFrame, state: CatalogueState, *, new_series: int) -> Coverage:
    """The coverage of ``frame`` (canonical columns, dates at period starts) against ``state``."""
    dates = pd.DatetimeIndex(frame["date"].unique()).sort_values()
    stores = sorted(frame["store"].unique().tolist())
    products = frame["product"].unique().tolist()
    after = dict(state.last_dates)
    for store, date in frame.groupby("store")["date"].max().items():
        day = pd.Timestamp(date).date()
        after[store] = max(day, after.get(store, day))
    behind = sorted(s for s, last in after.items() if last < dates[-1].date())
    lacking = _dates_lacking(dates, (after[s] for s in behind))
    return Coverage(
        date_min=dates[0].date(),
        date_max=dates[-1].date(),
        dates=len(dates),
        stores=tuple(stores),
        new_stores=tuple(s for s in stores if s not in state.last_dates),
        known_stores=len(state.last_dates),
        products=len(products),
        new_products=sum(p not in state.products for p in products),
        series=int(frame[["store", "product"]].drop_duplicates().shape[0]),
        new_series=new_series,
        behind=tuple(behind),
        behind_from=lacking[0] if lacking else None,
        behind_to=lacking[-1] if lacking else None,
    )


def _dates_lacking(dates: pd.DatetimeIndex, last_dates: Iterable[dt.date]) -> list[dt.date]:
    """The file's dates after the oldest of ``last_dates`` (the dates some store has not reported)."""
    oldest = min(last_dates, default=None)
    if oldest is None:
        return []
    return [d.date() for d in dates if d.date() > oldest]
