"""Series per level: ids, the regular date grid of a dataset, and the dense panel the engine works on.

A level's series live in a ``Panel``: one row per series, one column per grid date, NaN before a
series' first observation and zero for missing dates within its life (a missing date = no sales).
Every model in the engine reads the panel; the long ``(unique_id, ds, y)`` frame is its public view.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from data.frequency import frequency
from data.schema import LEVELS

REQUIRED_COLUMNS = ("date", "store", "category", "product", "revenue")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
SHORT_DAILY_HORIZON = 28  # the shortest daily fold before folds are given up


def check_level(level: str) -> None:
    """Raise a ValueError naming the valid levels when ``level`` is not one of them."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")


def check_freq(freq: str) -> None:
    """Raise a ValueError naming the valid frequencies when ``freq`` is not one of them."""
    frequency(freq)


def series_id(
    level: str, store: str | None = None, category: str | None = None, product: str | None = None
) -> str:
    """The id of one series of ``level``; an omitted store means all stores together (``store=*``)."""
    check_level(level)
    prefix = f"store={store if store is not None else '*'}"
    if level == "store":
        if category is not None or product is not None:
            raise ValueError("store-level series take no category or product")
        return prefix
    if level == "category":
        if category is None:
            raise ValueError("category-level series need a category")
        return f"{prefix}|category={category}"
    if product is None:
        raise ValueError("product-level series need a product")
    return f"{prefix}|product={product}"


def season_lengths(freq: str) -> tuple[int, ...]:
    """Seasonal periods in dataset steps (the first is the primary season used by seasonal naive)."""
    return frequency(freq).season_lengths


def default_horizon(freq: str) -> int:
    """CV fold length in steps: 13 weeks of days, 13 weeks, 12 months, 8 quarters."""
    return frequency(freq).cv_horizon


def default_max_horizon(freq: str) -> int:
    """Longest forecast served, in dataset steps (daily: 400 days so 12 whole months fit after any date)."""
    return frequency(freq).max_horizon


def year_length(freq: str) -> int:
    """Steps in a year, weekday-aligned for daily data (364) so the yearly lag falls on the same weekday."""
    return frequency(freq).year_length


def grid_alias(freq: str, dates: pd.DatetimeIndex | pd.Series) -> str:
    """Pandas frequency alias of a dataset's regular grid, anchored on what the dates show.

    Weekly grids are anchored on the most common weekday; monthly/quarterly grids use period
    starts unless every date is a period end.
    """
    check_freq(freq)
    idx = pd.DatetimeIndex(dates).normalize()
    if len(idx) == 0:
        raise ValueError("no dates to build a grid from")
    if freq == "D":
        return "D"
    if freq == "W":
        weekday = int(pd.Series(idx.day_of_week).mode().iloc[0])
        return f"W-{_WEEKDAYS[weekday]}"
    if freq == "M":
        if (idx.day != 1).any() and idx.is_month_end.all():
            return "ME"
        return "MS"
    first_month = _MONTHS[int(idx.min().month) - 1]
    if (idx.day != 1).any() and idx.is_month_end.all():
        return f"QE-{first_month}"
    return f"QS-{first_month}"


def snap_to_grid(dates: pd.DatetimeIndex, alias: str) -> pd.DatetimeIndex:
    """Map each date to the grid point at or before it (dates already on the grid are unchanged)."""
    idx = pd.DatetimeIndex(dates).normalize()
    offset = pd.tseries.frequencies.to_offset(alias)
    start = offset.rollback(idx.min())
    grid = pd.date_range(start, idx.max(), freq=alias)
    pos = grid.searchsorted(idx, side="right") - 1
    return grid[pos]


def future_dates(last: pd.Timestamp, alias: str, steps: int) -> pd.DatetimeIndex:
    """The ``steps`` grid dates after ``last``."""
    return pd.date_range(last, periods=steps + 1, freq=alias)[1:]


def display_alias(freq: str) -> str:
    """Pandas period alias used to aggregate forecasts to display frequency ``freq`` (weeks run Mon-Sun)."""
    return frequency(freq).display_alias


@dataclass(frozen=True)
class Panel:
    """Dense matrix of one level's series: ``values[i, t]`` = y of series i at ``dates[t]``.

    NaN before a series' first observation, real values (zeros for gaps) from then on.
    """

    ids: tuple[str, ...]
    dates: pd.DatetimeIndex
    values: np.ndarray
    freq: str
    alias: str
    holidays: str = "BR"  # country[-subdivision] of the holidays package, or "none"
    events: tuple[tuple[pd.Timestamp, str | None], ...] = ()  # (date, store or None = every store)

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.ids)

    @property
    def length(self) -> int:
        """Number of grid dates."""
        return len(self.dates)

    @property
    def starts(self) -> np.ndarray:
        """Index of each series' first observation (``length`` for a series with none)."""
        observed = ~np.isnan(self.values)
        first = observed.argmax(axis=1)
        return np.where(observed.any(axis=1), first, self.length)

    def n_obs(self) -> np.ndarray:
        """Observations per series (its length of life on the grid)."""
        return self.length - self.starts

    def truncate(self, end: int) -> Panel:
        """The panel up to and including grid position ``end`` (what is known at that cutoff)."""
        return dataclasses.replace(self, dates=self.dates[: end + 1], values=self.values[:, : end + 1])

    def take(self, rows: np.ndarray) -> Panel:
        """The panel of the series at positions ``rows`` (same dates)."""
        rows = np.asarray(rows, dtype=int)
        return dataclasses.replace(self, ids=tuple(self.ids[i] for i in rows), values=self.values[rows])

    def to_long(self) -> pd.DataFrame:
        """Long frame ``unique_id, ds, y`` of the observed cells, sorted by id then date."""
        rows, cols = np.nonzero(~np.isnan(self.values))
        return pd.DataFrame(
            {
                "unique_id": np.asarray(self.ids, dtype=object)[rows],
                "ds": self.dates[cols],
                "y": self.values[rows, cols],
            }
        )


def validate_sales(sales: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Check the sales frame and return a clean copy (normalised dates, string keys, float revenue)."""
    check_freq(freq)
    if not isinstance(sales, pd.DataFrame):
        raise TypeError(f"sales must be a pandas DataFrame, got {type(sales).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in sales.columns]
    if missing:
        raise ValueError(
            f"sales frame lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, sales.columns))}"
        )
    if sales.empty:
        raise ValueError("sales frame is empty: nothing to forecast")
    out = sales.loc[:, list(REQUIRED_COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    if out["date"].isna().any():
        raise ValueError(f"sales frame has {int(out['date'].isna().sum())} missing or unparseable date(s)")
    out["date"] = out["date"].dt.normalize()
    for col in ("store", "category", "product"):
        if out[col].isna().any():
            raise ValueError(
                f"sales frame has {int(out[col].isna().sum())} missing value(s) in column {col!r}"
            )
        out[col] = out[col].astype(str)
    revenue = pd.to_numeric(out["revenue"], errors="coerce").astype(float)
    bad = ~np.isfinite(revenue.to_numpy())
    if bad.any():
        raise ValueError(f"sales frame has {int(bad.sum())} missing or non-numeric revenue value(s)")
    if (revenue < 0).any():
        raise ValueError(f"sales frame has {int((revenue < 0).sum())} negative revenue value(s)")
    out["revenue"] = revenue
    return out


def _level_codes(sales: pd.DataFrame, level: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Ids of the store-specific and all-stores series of ``level`` and each row's two series codes."""
    store_codes, stores = pd.factorize(sales["store"], sort=True)
    if level == "store":
        ids = ["store=*"] + [f"store={s}" for s in stores]
        return ids, store_codes + 1, np.zeros(len(sales), dtype=np.int64)
    col = "category" if level == "category" else "product"
    codes, names = pd.factorize(sales[col], sort=True)
    combo = store_codes.astype(np.int64) * len(names) + codes
    uniq, own = np.unique(combo, return_inverse=True)
    totals = [f"store=*|{col}={n}" for n in names]
    ids = totals + [f"store={stores[u // len(names)]}|{col}={names[u % len(names)]}" for u in uniq]
    return ids, own + len(totals), codes.astype(np.int64)


def sales_grid(freq: str, dates: pd.DatetimeIndex | pd.Series) -> tuple[str, pd.DatetimeIndex]:
    """The regular grid (pandas alias, grid dates) of a dataset whose sales fall on ``dates``."""
    alias = grid_alias(freq, dates)
    snapped = snap_to_grid(pd.DatetimeIndex(dates), alias)
    return alias, pd.date_range(snapped.min(), snapped.max(), freq=alias)


def level_panel(
    sales: pd.DataFrame,
    level: str,
    freq: str,
    holidays: str = "BR",
    events: tuple[tuple[pd.Timestamp, str | None], ...] = (),
    grid: tuple[str, pd.DatetimeIndex] | None = None,
) -> Panel:
    """All series of ``level`` (each store's and all stores') as a Panel on the dataset's regular grid.

    ``grid`` (alias, dates) places a partition of the sales on the whole dataset's grid (``sales_grid``
    of every date); by default the grid is the one of ``sales`` itself. ``events`` (date, store or
    None) ride along for the models that take them as features.
    """
    check_level(level)
    clean = validate_sales(sales, freq)
    alias, dates = grid if grid is not None else sales_grid(freq, clean["date"])
    snapped = snap_to_grid(pd.DatetimeIndex(clean["date"]), alias)
    if snapped.min() < dates[0] or snapped.max() > dates[-1]:
        raise ValueError("sales dates fall outside the grid they are placed on")
    col = dates.get_indexer(snapped).astype(np.int64)
    ids, own, total = _level_codes(clean, level)
    order = np.argsort(np.array(ids, dtype=object))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    length = len(dates)
    size = len(ids) * length
    revenue = clean["revenue"].to_numpy(dtype=float)
    values = np.zeros(size)
    seen = np.zeros(size, dtype=bool)
    for codes in (own, total):  # one pass per key set keeps the memory of a 2x concatenation away
        flat = rank[codes] * length + col
        values += np.bincount(flat, weights=revenue, minlength=size)
        seen |= np.bincount(flat, minlength=size) > 0
    values = values.reshape(len(ids), length)
    seen = seen.reshape(len(ids), length)
    first = np.where(seen.any(axis=1), seen.argmax(axis=1), length)
    values[np.arange(length)[None, :] < first[:, None]] = np.nan
    return Panel(tuple(ids[i] for i in order), dates, values, freq, alias, holidays, tuple(events))


def build_level_series(sales: pd.DataFrame, level: str, freq: str) -> pd.DataFrame:
    """Long frame ``unique_id, ds, y`` of every series of ``level`` on the regular grid (gaps = 0)."""
    return level_panel(sales, level, freq).to_long()


class DataDigest:
    """Rows, date range and sha256 of sales added in parts (detects changed data).

    Rows are hashed in (store, date, product, category) order, so adding whole stores in sorted store
    order, one part at a time, gives the digest of the whole frame without ever holding it.
    """

    ORDER = ("store", "date", "product", "category")

    def __init__(self, freq: str) -> None:
        self.freq = freq
        self._sha = hashlib.sha256()
        self.rows = 0
        self.date_min: pd.Timestamp | None = None
        self.date_max: pd.Timestamp | None = None

    def add(self, sales: pd.DataFrame) -> None:
        """Hash the rows of ``sales`` (stores after those already added)."""
        clean = validate_sales(sales, self.freq).sort_values(list(self.ORDER), kind="stable")
        self._sha.update(pd.util.hash_pandas_object(clean, index=False).to_numpy().tobytes())
        self.rows += len(clean)
        low, high = clean["date"].min(), clean["date"].max()
        self.date_min = low if self.date_min is None else min(self.date_min, low)
        self.date_max = high if self.date_max is None else max(self.date_max, high)

    def result(self, n_series: int) -> dict:
        """The fingerprint stored with a trained level."""
        if self.date_min is None or self.date_max is None:
            raise ValueError("no sales were added to the digest")
        return {
            "rows": self.rows,
            "series": n_series,
            "date_min": self.date_min.date().isoformat(),
            "date_max": self.date_max.date().isoformat(),
            "sha256": self._sha.hexdigest(),
        }


def fingerprint(sales: pd.DataFrame, freq: str, n_series: int) -> dict:
    """Rows, series, date range and a sha256 of the sorted sales used (detects changed data)."""
    digest = DataDigest(freq)
    digest.add(sales)
    return digest.result(n_series)


class SalesSource(Protocol):
    """Sales a training reads in parts (``models.partitions.PartitionedSales``) instead of one frame."""

    def panel(self, level: str, freq: str, holidays: str) -> Panel:
        """The level's panel, built partition by partition."""
        ...

    def fingerprint(self, freq: str, n_series: int) -> dict:
        """The data fingerprint of every row the source holds."""
        ...


Sales = pd.DataFrame | SalesSource


def sales_panel(
    sales: Sales,
    level: str,
    freq: str,
    holidays: str = "BR",
    events: tuple[tuple[pd.Timestamp, str | None], ...] = (),
) -> Panel:
    """The panel of ``level`` from a sales frame or a partitioned source, carrying ``events``."""
    if isinstance(sales, pd.DataFrame):
        return level_panel(sales, level, freq, holidays, events=events)
    check_level(level)
    panel = sales.panel(level, freq, holidays)
    return dataclasses.replace(panel, events=tuple(events)) if events else panel


def sales_fingerprint(sales: Sales, freq: str, n_series: int) -> dict:
    """The data fingerprint of a sales frame or a partitioned source."""
    if isinstance(sales, pd.DataFrame):
        return fingerprint(sales, freq, n_series)
    return sales.fingerprint(freq, n_series)
