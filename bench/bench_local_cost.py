"""Measured CPU of the local families' back-tests against what the training budget counts for them.

The training budget (``models.selection.local_scopes``) prices each local family's back-test as
observations x a relative cost (``models.candidates.local.COST``, AutoETS = 1) x its fits. This runs the
engine's own back-test (``make_candidate(config).backtest``: daily data one fit at the first cutoff rolled
forward over the later ones, weekly/monthly/quarterly data one fit per fold) of AutoETS, AutoTheta,
AutoARIMA and MSTL (daily only) on real series of the benchmark registries (and four demo stores for
daily data), 3 folds of the frequency's default horizon, and prints per dataset and per frequency the CPU
seconds, the cost units the budget counts (``selection._model_cost``) and both relative to AutoETS. numba
compiles first on a synthetic series, outside the timings.

Run: ``.venv/bin/python bench/bench_local_cost.py [D W M Q] [--series 4]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import holdout_data  # noqa: E402
import real_data  # noqa: E402

from models.candidates import make_candidate  # noqa: E402
from models.selection import _model_cost  # noqa: E402
from models.series import Panel  # noqa: E402

HORIZON = {"D": 91, "W": 13, "M": 12, "Q": 8}
ALIAS = {"D": "D", "W": "W-MON", "M": "MS", "Q": "QS"}
FAMILIES = {"AutoETS": "ets", "AutoTheta": "theta", "AutoARIMA": "arima", "MSTL": "mstl"}
DATASETS = {
    "D": [("flights", real_data.SPECS), ("elecdaily", real_data.SPECS), ("hyndsight", real_data.SPECS)]
    + [(n, holdout_data.SPECS) for n in ("birthdays", "chicago", "pizza_daily")],
    "W": [
        ("mpls_stops", real_data.SPECS),
        ("us_gasoline", real_data.SPECS),
        ("pizza_weekly", holdout_data.SPECS),
    ],
    "M": [
        ("tourism_m", real_data.SPECS),
        ("txhousing", holdout_data.SPECS),
        ("hhs_breaches", real_data.SPECS),
    ],
    "Q": [("tourism_q", real_data.SPECS), ("prison", real_data.SPECS), ("visnights", real_data.SPECS)],
}


def wide_sets(freq: str, n_series: int) -> list[tuple[str, pd.DataFrame]]:
    """(name, dates x series frame) of the frequency's datasets; daily data adds four demo stores."""
    out = []
    for name, specs in DATASETS[freq]:
        ds = real_data.load(name, specs=specs, max_series=n_series, max_windows=1)
        out.append((name, ds.df.pivot(index="ds", columns="unique_id", values="y").asfreq(ALIAS[freq])))
    if freq == "D":
        from data.demo import generate_demo_sales

        stores = generate_demo_sales(7).groupby(["date", "store"])["revenue"].sum().unstack(1)
        stores.index = pd.DatetimeIndex(stores.index)
        out.append(("demo", stores.iloc[:, :n_series].asfreq("D")))
    return out


def warm_up(freq: str) -> None:
    """One back-test of every family on a synthetic series, so numba's compilation is not timed."""
    n = {"D": 800, "W": 200, "M": 60, "Q": 30}[freq]
    rng = np.random.default_rng(0)
    dates = pd.date_range("2000-01-01", periods=n, freq=ALIAS[freq])
    panel = Panel(("a",), dates, 100 + rng.normal(size=(1, n)).cumsum(axis=1), freq, ALIAS[freq])
    positions = [n - 1 - HORIZON[freq] * k for k in (3, 2, 1)]
    for family in FAMILIES.values():
        make_candidate({"family": family}).backtest(panel, positions, HORIZON[freq])


def measure(freq: str, n_series: int) -> pd.DataFrame:
    """One row per (dataset, model): CPU seconds of the back-test and the cost units the budget counts."""
    rows = []
    for name, wide in wide_sets(freq, n_series):
        panel = Panel(tuple(map(str, wide.columns)), wide.index, wide.to_numpy(float).T, freq, ALIAS[freq])
        h = HORIZON[freq]
        positions = [panel.length - 1 - h * k for k in (3, 2, 1)]
        at_cutoffs = np.clip(np.asarray(positions)[:, None] + 1 - panel.starts[None, :], 0, None)
        for model, family in FAMILIES.items():
            if model == "MSTL" and freq != "D":
                continue
            config = {"family": family}
            start = time.process_time()
            make_candidate(config).backtest(panel, positions, h)
            cpu = time.process_time() - start
            units = float(_model_cost(config, freq, panel.n_obs(), at_cutoffs).sum())
            rows.append({"freq": freq, "dataset": name, "series": panel.n_series, "model": model,
                         "cpu_s": cpu, "units": units})  # fmt: skip
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per frequency and model: CPU and counted units summed, each relative to AutoETS's."""
    total = rows.groupby(["freq", "model"], sort=False)[["cpu_s", "units"]].sum().reset_index()
    ets = total[total["model"] == "AutoETS"].set_index("freq")
    total["cpu_vs_ets"] = total["cpu_s"] / total["freq"].map(ets["cpu_s"])
    total["units_vs_ets"] = total["units"] / total["freq"].map(ets["units"])
    return total


def main(argv: list[str] | None = None) -> int:
    """Measure the frequencies asked for and print the per-dataset rows and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("freqs", nargs="*", help="D, W, M and/or Q (default all)")
    parser.add_argument("--series", type=int, default=4, help="series per dataset (largest sample cap)")
    args = parser.parse_args(argv)
    unknown = [f for f in args.freqs if f not in DATASETS]
    if unknown:
        parser.error(f"unknown frequency {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    warnings.simplefilter("ignore")
    parts = []
    for freq in args.freqs or list(DATASETS):
        warm_up(freq)
        parts.append(measure(freq, args.series))
    rows = pd.concat(parts, ignore_index=True)
    print(rows.to_string(index=False, float_format="%.2f"))
    print()
    print(summary(rows).to_string(index=False, float_format="%.2f"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
