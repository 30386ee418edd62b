"""Benchmark: the demo's product level, our engine vs mlforecast-LightGBM on the same series, same run.

The issue's speed target: training the product level (425 daily series) takes at most 1.5x what a
practitioner's mlforecast + LightGBM (``peers.lightgbm_cv``) takes on the same series with the same
protocol (3 rolling folds of 91 days, then a fit on all data and a 91-day forecast). Both run in this
process one after the other, single-threaded (``n_jobs=1``), so the ratio holds on a busy machine.
Also printed: CPU seconds, peak RSS (psutil, sampled), and the engine's CV WAPE vs seasonal naive.

Run: ``.venv/bin/python bench/bench_product_speed.py [--level product] [--repeat 1]`` (``--repeat N``: both
runs alternated N times, each one's fastest reported: CPU seconds on a shared machine vary by ±15%).
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
from models.series import level_panel  # noqa: E402
from models.training import TrainingConfig, train_level  # noqa: E402


def lightgbm_peer(long: pd.DataFrame, h: int, folds: int) -> None:
    """mlforecast-LightGBM: rolling CV (refit per fold) then a fit on everything and an h-step forecast."""
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
    fcst.predict(h)


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
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    sales = generate_demo_sales(7)
    panel = level_panel(sales, args.level, "D", "BR")
    long = panel.to_long()
    peers.warm_up([peers.ML_METHOD])
    peer_runs, our_runs = [], []
    for _ in range(max(1, args.repeat)):  # alternated, so a change in the machine's load hits both
        with peak_rss() as mem_peer:
            _, wall, cpu = timed(lightgbm_peer, long, 91, 3)
        peer_runs.append((cpu, wall, mem_peer["peak_mb"]))
        with peak_rss() as mem_ours:
            trained, wall, cpu = timed(train_level, sales, args.level, freq="D", config=TrainingConfig())
        our_runs.append((cpu, wall, mem_ours["peak_mb"]))
    peer_cpu, peer_wall, peer_mb = min(peer_runs)
    ours_cpu, ours_wall, ours_mb = min(our_runs)
    n = panel.n_series
    print(f"| run | {args.level} series | wall s | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|")
    print(f"| mlforecast-LightGBM | {n} | {peer_wall:.1f} | {peer_cpu:.1f} | {peer_mb:.0f} |")
    print(f"| ours | {n} | {ours_wall:.1f} | {ours_cpu:.1f} | {ours_mb:.0f} |")
    if len(peer_runs) > 1:
        peer_all, ours_all = [round(r[0], 1) for r in peer_runs], [round(r[0], 1) for r in our_runs]
        print(f"\nCPU s of every run: LightGBM {peer_all}, ours {ours_all}")
    mix = trained.best_params.get("mix", trained.best_params)
    print(
        f"\nours / LightGBM: {ours_wall / peer_wall:.2f}x wall, {ours_cpu / peer_cpu:.2f}x CPU (fastest of "
        f"{len(peer_runs)}); durations {trained.durations}; CV WAPE {trained.metrics['wape']:.3f} vs "
        f"seasonal naive {trained.baseline_metrics['wape']:.3f}; mix {mix}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
