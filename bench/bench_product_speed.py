"""Benchmark: the demo's product level, our engine vs mlforecast-LightGBM on the same series, same run.

The issue's speed target: training the product level (425 daily series) takes at most 1.5x what a
practitioner's mlforecast + LightGBM (``peers.lightgbm_cv``) takes on the same series with the same
protocol: 3 rolling folds of 91 days, then a fit on all data and the forecast the dashboard serves.
The engine's training ends with the forecast it serves, 400 days for daily data (``max_horizon``: 12
whole months after any date); the peer is timed on that same final forecast (``--served`` days, default
the engine's) and, for comparison with earlier runs, on a 91-day one. All run in this process one after
the other, LightGBM single-threaded in both (``n_jobs=1``; the engine's ``TRAIN_N_JOBS=1`` default), so
the ratio holds on a busy machine. Also printed: CPU seconds, peak RSS (psutil, sampled), and the
engine's CV WAPE vs seasonal naive.

Run: ``.venv/bin/python bench/bench_product_speed.py [--level product] [--repeat 1] [--served 400]``
(``--repeat N``: the runs alternated N times, each one's fastest reported: CPU seconds on a shared
machine vary by ±15%).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import peers  # noqa: E402
from bench_training import peak_rss  # noqa: E402

from data.demo import generate_demo_sales  # noqa: E402
from models.series import default_max_horizon, level_panel  # noqa: E402
from models.training import TrainingConfig, train_level  # noqa: E402


def lightgbm_peer(long: pd.DataFrame, h: int, folds: int, served: int) -> None:
    """mlforecast-LightGBM: rolling CV of ``h`` steps (refit per fold), then a fit on everything and a
    ``served``-step forecast."""
    from lightgbm import LGBMRegressor
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    peers.lightgbm_cv(long, freq="D", alias="D", season=7, h=h, n_windows=folds, n_jobs=1)
    fcst = MLForecast(
        models={"LightGBM": LGBMRegressor(random_state=0, n_jobs=1, verbosity=-1)},
        freq="D",
        lags=[1, 2, 3, 7, 14, 28],
        lag_transforms={1: [RollingMean(window_size=7)]},
        date_features=["dayofweek", "month"],
    )
    fcst.fit(long)
    fcst.predict(served)


def timed(fn, *args, **kwargs) -> tuple[object, float, float]:
    """Result, wall seconds and CPU seconds of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    """Time both on the demo level and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="product", choices=["store", "category", "product"])
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate both runs N times; report each one's fastest"
    )
    parser.add_argument(
        "--served", type=int, default=None, help="the peer's final forecast, days (default: the engine's)"
    )
    args = parser.parse_args(argv)
    served = args.served or default_max_horizon("D")
    warnings.simplefilter("ignore")
    sales = generate_demo_sales(7)
    panel = level_panel(sales, args.level, "D", "BR")
    long = panel.to_long()
    peers.warm_up([peers.ML_METHOD])
    runs: dict[str, list[tuple[float, float, float]]] = {"peer91": [], "peer": [], "ours": []}
    trained = None
    for _ in range(max(1, args.repeat)):  # alternated, so a change in the machine's load hits every run
        for name, h_final in (("peer91", 91), ("peer", served)):
            with peak_rss() as mem:
                _, wall, cpu = timed(lightgbm_peer, long, 91, 3, h_final)
            runs[name].append((cpu, wall, mem["peak_mb"]))
        with peak_rss() as mem:
            trained, wall, cpu = timed(train_level, sales, args.level, freq="D", config=TrainingConfig())
        runs["ours"].append((cpu, wall, mem["peak_mb"]))
    best = {name: min(r) for name, r in runs.items()}
    n = panel.n_series
    labels = {
        "peer91": "mlforecast-LightGBM, 91-day final forecast",
        "peer": f"mlforecast-LightGBM, {served}-day final forecast (same work)",
        "ours": f"ours ({default_max_horizon('D')}-day served forecast)",
    }
    print(f"| run | {args.level} series | wall s | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, (cpu, wall, mb) in best.items():
        print(f"| {labels[name]} | {n} | {wall:.1f} | {cpu:.1f} | {mb:.0f} |")
    if args.repeat > 1:
        every = {name: [round(r[0], 1) for r in rs] for name, rs in runs.items()}
        print(f"\nCPU s of every run: {every}")
    ours_cpu, ours_wall, _ = best["ours"]
    mix = trained.best_params.get("mix", trained.best_params)
    print(
        f"\nours / LightGBM (same {served}-day final forecast): {ours_wall / best['peer'][1]:.2f}x wall, "
        f"{ours_cpu / best['peer'][0]:.2f}x CPU; vs its 91-day forecast: "
        f"{ours_wall / best['peer91'][1]:.2f}x wall, {ours_cpu / best['peer91'][0]:.2f}x CPU "
        f"(fastest of {len(runs['ours'])}); durations "
        f"{trained.durations}; CV WAPE {trained.metrics['wape']:.4f} vs seasonal naive "
        f"{trained.baseline_metrics['wape']:.4f}; mix {mix}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
