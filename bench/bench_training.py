"""Benchmark: full training on the demo data, forecast latency, and how training time grows with series.

What it measures (printed as markdown tables):
1. ``run_training`` on the default demo (generate_demo_sales + load into a temp SQLite, the real
   pipeline incl. registry and reports): wall time per level and in total, peak RSS of this process
   (psutil sampling every 50 ms + ``ru_maxrss``), CV WAPE and MASE of the winner vs seasonal naive.
2. Forecast latency of one series from the reloaded product-level MASTER: 90 steps, warm, p50/p95
   over 200 calls.
3. Scaling: the demo's product level replicated 1×, 10× and 100× (copies of every store with a
   random scale per copy), on the last ``--scale-days`` days only (default 365) so a run stays well
   under 10 minutes; training of the product level only, time and peak RSS per size.

Run: ``.venv/bin/python bench/bench_training.py [--skip-scaling] [--scales 1,10,100] [--n-jobs 1]``
Targets: demo training ≤ 90 s wall and ≤ 2 GB peak; 90-step forecast ≤ 50 ms warm;
winner WAPE ≤ 0.85 × seasonal-naive WAPE at every level.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from data.db import make_engine, upgrade_database
from data.demo import generate_demo_sales, load_demo_data
from data.progress import Progress
from data.storage import dataset_frequency
from models.artifacts import load_artifact
from models.pipeline import run_training
from models.registry import get_version, master_versions
from models.training import TrainingConfig, train_level


@contextmanager
def peak_rss(interval: float = 0.05) -> Iterator[dict[str, float]]:
    """Sample this process's RSS while the block runs; yields a dict filled with ``peak_mb``."""
    proc = psutil.Process()
    result = {"peak_mb": proc.memory_info().rss / 2**20}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["peak_mb"] = max(result["peak_mb"], proc.memory_info().rss / 2**20)
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result["peak_mb"] = max(result["peak_mb"], proc.memory_info().rss / 2**20)


def _progress_printer() -> Progress:
    last = {"label": ""}

    def show(step: int, total: int, label: str) -> None:
        head = label.split(":")[0]
        if head != last["label"]:
            last["label"] = head
            print(f"  … {label} ({step}/{total})", file=sys.stderr, flush=True)

    return show


def bench_demo(workdir: Path, n_jobs: int, levels: list[str]) -> tuple[dict[str, Any], Any]:
    """Load the default demo into a temp SQLite and time the real pipeline, level by level."""
    engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    upgrade_database(engine)
    started = time.perf_counter()
    generate_demo_sales(seed=7)  # generation alone (the unit tests bound its size, not its speed)
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    load_demo_data(engine, seed=7, upload_dir=workdir / "uploads")
    load_seconds = time.perf_counter() - started
    config = Settings(model_dir=str(workdir / "models"), train_n_jobs=n_jobs)
    started = time.perf_counter()
    outcomes = {}
    with peak_rss() as mem:
        for level in levels:
            outcome = run_training(
                engine, config, levels=[level], source="bench", progress=_progress_printer()
            )
            outcomes.update(outcome)
            o = outcome[level]
            print(
                f"  = {level}: {o.durations.get('total', 0):.1f} s, WAPE {o.metrics.get('wape')}, "
                f"naive {o.baseline_metrics.get('wape')}, peak so far {mem['peak_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    wall = time.perf_counter() - started
    return {
        "generate_seconds": generate_seconds,
        "load_seconds": load_seconds,
        "wall": wall,
        "peak_mb": mem["peak_mb"],
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outcomes": outcomes,
        "freq": dataset_frequency(engine),
    }, engine


def bench_latency(engine: Any, level: str = "product", calls: int = 200, steps: int = 90) -> dict[str, float]:
    """p50/p95 latency of a warm 90-step forecast of one all-stores series of ``level``."""
    version = master_versions(engine)[level]
    forecaster = load_artifact(get_version(engine, version).artifact_path, expected_level=level)
    sid = next(s for s in forecaster.series_ids if s.startswith("store=*"))
    forecaster.forecast(sid, steps)  # warm-up
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        forecaster.forecast(sid, steps)
        times.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(times, n=100)
    return {"series": sid, "p50": quantiles[49], "p95": quantiles[94], "calls": calls}


def replicated_sales(base: pd.DataFrame, copies: int, days: int, seed: int = 0) -> pd.DataFrame:
    """``copies`` copies of every store (random scale 0.5–2 per copy) over the last ``days`` days."""
    recent = base[base["date"] >= base["date"].max() - pd.Timedelta(days=days - 1)]
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(copies):
        part = recent.copy()
        if k:
            part["store"] = part["store"] + f"#{k}"
            scales = dict(
                zip(part["store"].unique(), rng.uniform(0.5, 2.0, part["store"].nunique()), strict=True)
            )
            part["revenue"] = part["revenue"] * part["store"].map(scales)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def bench_scaling(scales: list[int], days: int, n_jobs: int) -> list[dict[str, Any]]:
    """Product-level training time and peak RSS for 1×, 10×, 100× the demo's product series."""
    base = generate_demo_sales(seed=7)
    rows = []
    for copies in scales:
        sales = replicated_sales(base, copies, days)
        n_series = sales.groupby(["store", "product"]).ngroups + sales["product"].nunique()
        print(f"  … scaling ×{copies}: {len(sales):,} rows, {n_series:,} series", file=sys.stderr, flush=True)
        started = time.perf_counter()
        with peak_rss() as mem:
            trained = train_level(sales, "product", freq="D", config=TrainingConfig(n_jobs=n_jobs))
        rows.append(
            {
                "copies": copies,
                "rows": len(sales),
                "series": trained.n_series,
                "seconds": time.perf_counter() - started,
                "peak_mb": mem["peak_mb"],
                "wape": trained.metrics.get("wape"),
                "winner": trained.best_params.get("family"),
            }
        )
        del sales, trained
    return rows


def report(demo: dict[str, Any], latency: dict[str, float], scaling: list[dict[str, Any]]) -> str:
    """All results as markdown."""
    lines = [
        f"Demo data (frequency {demo['freq']}) generated in {demo['generate_seconds']:.1f} s (target < 5 s), "
        f"generated and loaded in {demo['load_seconds']:.1f} s; full training "
        f"(all levels, real pipeline) **{demo['wall']:.1f} s wall**, peak RSS **{demo['peak_mb']:.0f} MB** "
        f"(ru_maxrss {demo['maxrss_mb']:.0f} MB).",
        "",
        "| level | series | train s | WAPE winner | WAPE snaive | ratio | MASE winner | MASE snaive "
        "| cover 80% | winner | promoted |",
        "|" + "---|" * 11,
    ]
    for level, o in demo["outcomes"].items():
        m, b = o.metrics, o.baseline_metrics
        ratio = m["wape"] / b["wape"] if m.get("wape") is not None and b.get("wape") else float("nan")
        lines.append(
            f"| {level} | {o.n_series} | {o.durations.get('total', 0):.1f} "
            f"| {100 * m.get('wape', float('nan')):.1f}% | {100 * b.get('wape', float('nan')):.1f}% "
            f"| {ratio:.2f} | {m.get('mase', float('nan')):.3f} | {b.get('mase', float('nan')):.3f} "
            f"| {100 * m.get('coverage_80', float('nan')):.0f}% | {o.params.get('family', '-')} "
            f"| {o.promoted} |"
        )
    lines += [
        "",
        f"Forecast latency, 90 steps of `{latency['series']}` from the reloaded MASTER, warm, "
        f"{latency['calls']} calls: **p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms**.",
    ]
    if scaling:
        lines += [
            "",
            "| product series (copies of the demo) | rows | train s | peak RSS MB | CV WAPE | winner |",
            "|---|---|---|---|---|---|",
        ]
        for r in scaling:
            lines.append(
                f"| {r['series']:,} (×{r['copies']}) | {r['rows']:,} | {r['seconds']:.1f} "
                f"| {r['peak_mb']:.0f} | {100 * r['wape']:.1f}% | {r['winner']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the demo, latency and scaling benchmarks and print markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--levels", default="store,category,product", help="levels to train, comma-separated")
    parser.add_argument("--scales", default="1,10,100", help="copies of the demo's stores, comma-separated")
    parser.add_argument("--scale-days", type=int, default=365, help="history length for the scaling runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        print("demo training …", file=sys.stderr, flush=True)
        levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
        demo, engine = bench_demo(Path(tmp), args.n_jobs, levels)
        latency = bench_latency(engine, level=levels[-1])
        engine.dispose()
    scaling = []
    if not args.skip_scaling:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
        scaling = bench_scaling(scales, args.scale_days, args.n_jobs)
    print(report(demo, latency, scaling))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
