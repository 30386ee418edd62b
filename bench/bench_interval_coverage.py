"""Benchmark: empirical coverage of the served prediction intervals on held-out demo data.

Trains every level on the default demo data up to a cut (default: the end of the month 3 months before
the data ends), then compares the held-out actuals with the forecaster's intervals: daily bands, weekly
sums and monthly sums, at 80% and 95%. A week that straddles the cut is compared including its observed
days, as the dashboard shows it (the forecaster adds them to the first period).
The aggregated bands are computed twice from the same model: with the error correlation ρ calibrated
per display frequency on the coverage of the backtests' period sums (the current method) and with the
single moment-estimated ρ (the method before it, the baseline measured in the same run), so the figure
is a comparison within one run.

Run: ``.venv/bin/python bench/bench_interval_coverage.py [--months 3] [--levels store,category,product]``
Target: weekly and monthly coverage within 10 points of nominal at every level.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.demo import generate_demo_sales
from data.schema import LEVELS
from models.series import display_alias, level_panel
from models.training import DEFAULT_CONFIG, train_level

INTERVALS = (0.8, 0.95)


def daily_actuals(sales: pd.DataFrame, level: str) -> pd.DataFrame:
    """Every daily actual of ``level`` (dates x series ids; zeros for gaps, NaN before a series starts)."""
    panel = level_panel(sales, level, freq="D")
    return pd.DataFrame(panel.values.T, index=panel.dates, columns=list(panel.ids))


def coverage(
    forecaster, actuals: pd.DataFrame, cut: pd.Timestamp, display: str, n: int, interval: float
) -> float:
    """Share of (series, period) actual sums inside the band, for the ``n`` periods from the cut's."""
    alias = display_alias(display)
    first = (cut + pd.Timedelta(days=1)).to_period(alias)
    periods = actuals.index.to_period(alias)
    keep = (periods >= first) & (periods < first + n)
    sums = actuals[keep].groupby(periods[keep]).sum(min_count=1)
    hits = []
    for sid in forecaster.series_ids:
        if sid not in sums.columns:
            continue
        out = forecaster.forecast(sid, n, freq=display, interval=interval)
        actual = sums[sid].to_numpy()
        hits.append((actual >= out["lower"].to_numpy()) & (actual <= out["upper"].to_numpy()))
    return float(np.mean(np.concatenate(hits)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=3, help="held-out whole months")
    parser.add_argument("--levels", default=",".join(LEVELS))
    args = parser.parse_args()

    sales = generate_demo_sales()
    end = pd.Timestamp(sales["date"].max())
    cut = (end.to_period("M") - args.months).end_time.normalize()
    print(f"demo data to {end.date()}; trained to {cut.date()}; {args.months} months held out\n")
    print(
        "| level | series | view | periods | nominal | coverage (calibrated ρ) "
        "| coverage (moment ρ, before) | ρ calibrated / moment | train s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    train = sales[pd.to_datetime(sales["date"]) <= cut]
    config = DEFAULT_CONFIG
    n_days = (end - cut).days
    views = [("D", n_days), ("W", n_days // 7), ("M", args.months)]
    for level in args.levels.split(","):
        started = time.perf_counter()
        forecaster = train_level(train, level, freq="D", config=config).forecaster
        seconds = time.perf_counter() - started
        tables = forecaster.tables
        before = dataclasses.replace(forecaster, tables=dataclasses.replace(tables, rho_by=None))
        actuals = daily_actuals(sales, level)
        for display, n in views:
            for interval in INTERVALS:
                now = coverage(forecaster, actuals, cut, display, n, interval)
                old = coverage(before, actuals, cut, display, n, interval) if display != "D" else now
                rho = (tables.rho_by or {}).get(display, tables.rho)
                print(
                    f"| {level} | {len(forecaster.series_ids)} | {display} | {n} | {interval:.0%} "
                    f"| {now:.1%} | {old:.1%} | {rho:.2f} / {tables.rho:.2f} | {seconds:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
