"""Forecast-store benchmark: archive size and time per snapshot, serving memory and latency per worker.

For synthetic chains at 1x and ``--scale``x the demo's stores (same products, so the series grow with
the stores), it imports two years of daily sales into SQLite, trains every level with a cheap
configuration (``--families``; the serving side does not depend on the model family), then:

- publishes every level (``models.publishing.publish_masters``): seconds and bytes on disk per level;
- moves the origin after 7 new days (``reason="data"``): seconds, against the training's seconds;
- in a fresh process per mode, loads a ``ModelHolder`` the way a gunicorn worker does — ``memory``
  (the artifact of every level in memory, as before) or ``store`` (published snapshots, LRU of
  ``--cache`` series) — answers ``--requests`` dashboard-like requests (a daily and a weekly forecast at
  80% and 95%, the history and the back-test of a random series of a random level), and reports its
  RSS and the request latency.

    .venv/bin/python bench/bench_forecast_store.py [--scale 10] [--requests 300]

Figures are ratios against the in-memory holder (and against 1x) measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from data.db import make_engine, upgrade_database
from data.demo import generate_demo_sales
from data.forecast_store import META_SUFFIX, SERIES_SUFFIX, companion, list_snapshots
from data.storage import import_sales_frame
from models.pipeline import run_training
from models.publishing import publish_masters

DEMO_STORES, DEMO_PRODUCTS = 10, 50


def _size(snapshot: object) -> int:
    files = (Path(snapshot.path), companion(snapshot, SERIES_SUFFIX), companion(snapshot, META_SUFFIX))
    return sum(f.stat().st_size for f in files if f.exists())


def prepare(folder: Path, n_stores: int, families: str) -> dict:
    """Import, train, publish and move the origin once; return the timings and sizes."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    end = dt.date(2024, 12, 24)
    sales = generate_demo_sales(5, n_stores=n_stores, n_products=DEMO_PRODUCTS, end=end)
    cut = sales["date"] <= "2024-12-17"
    import_sales_frame(engine, sales[cut], filename="bench.csv", uploaded_by="bench")
    config = Settings().with_overrides(
        {
            "MODEL_DIR": str(folder / "models"),
            "TRAIN_FOLDS": 2,
            "TRAIN_FAMILIES": tuple(families.split(",")),
            "FORECAST_RETENTION_DAYS": 400,
        }
    )
    t0 = time.perf_counter()
    outcomes = run_training(engine, config, source="bench")  # publishes the promoted levels too
    train_seconds = time.perf_counter() - t0
    first = {s.level: s for s in list_snapshots(engine)}
    promotion = {p.level: p.seconds for p in publish_masters(engine, config, reason="promotion")}
    import_sales_frame(engine, sales[~cut], filename="week.csv", uploaded_by="bench")
    moved = {p.level: p.seconds for p in publish_masters(engine, config, reason="data")}
    latest = {s.level: s for s in list_snapshots(engine)}
    engine.dispose()
    return {
        "url": url,
        "model_dir": config.model_dir,
        "series": {lv: o.n_series for lv, o in outcomes.items()},
        "rows": len(sales),
        "train_seconds": round(train_seconds, 1),
        "train_level_seconds": {lv: round(o.durations.get("total", 0.0), 2) for lv, o in outcomes.items()},
        "publish_seconds": promotion,
        "move_origin_publish_seconds": moved,
        "snapshot_mib": {lv: round(_size(s) / 2**20, 2) for lv, s in latest.items()},
        "snapshot_rows": {lv: s.n_rows for lv, s in latest.items()},
        "first_origin": {lv: str(s.origin) for lv, s in first.items()},
        "moved_origin": {lv: str(s.origin) for lv, s in latest.items()},
    }


def measure(url: str, model_dir: str, mode: str, requests: int, cache: int) -> dict:
    """In this process: load a holder like a worker, answer ``requests`` view requests, report RSS."""
    from models.holder import ModelHolder

    engine = make_engine(url)
    gc.collect()
    base = psutil.Process().memory_info().rss
    holder = ModelHolder(engine, poll_seconds=3600, serve_store=mode == "store", cache_series=cache)
    t0 = time.perf_counter()
    snap = holder.snapshot()
    load_seconds = time.perf_counter() - t0
    catalogue = [(lv, sid) for lv, model in snap.models.items() for sid in model.series_ids]
    rng = random.Random(0)
    latencies = []
    for _ in range(requests):
        level, sid = rng.choice(catalogue)
        start = time.perf_counter()
        for freq, horizon in (("D", 90), ("W", 13)):
            for interval in (0.8, 0.95):
                holder.forecast(level, sid, horizon, freq=freq, interval=interval, snapshot=snap)
        snap.get(level).history(sid)
        snap.get(level).backtest(sid)
        latencies.append(time.perf_counter() - start)
    gc.collect()
    rss = psutil.Process().memory_info().rss
    ordered = sorted(latencies)
    return {
        "mode": mode,
        "load_seconds": round(load_seconds, 3),
        "rss_mib": round(rss / 2**20, 1),
        "rss_above_imports_mib": round((rss - base) / 2**20, 1),
        "request_p50_ms": round(1000 * statistics.median(ordered), 2),
        "request_p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2),
        "kinds": sorted({type(m).__name__ for m in snap.models.values()}),
    }


def measure_in_child(info: dict, mode: str, requests: int, cache: int) -> dict:
    """Run ``measure`` in a fresh interpreter (a worker's RSS, not this process's)."""
    args = [
        sys.executable,
        __file__,
        "--measure",
        mode,
        "--url",
        info["url"],
        "--model-dir",
        info["model_dir"],
    ]
    args += ["--requests", str(requests), "--cache", str(cache)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark and print a JSON summary and a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="stores = 10 x scale (1x is always run)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cache", type=int, default=256, help="FORECAST_CACHE_SERIES")
    parser.add_argument("--families", default="seasonal_naive,theta")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.model_dir, args.measure, args.requests, args.cache)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-fstore-") as tmp:
        for scale in sorted({1, args.scale}):
            folder = Path(tmp) / f"x{scale}"
            folder.mkdir()
            info = prepare(folder, DEMO_STORES * scale, args.families)
            info["serving"] = {
                mode: measure_in_child(info, mode, args.requests, args.cache) for mode in ("memory", "store")
            }
            results[f"{scale}x"] = info
            print(json.dumps({f"{scale}x": info}, indent=2), file=sys.stderr)
    print(json.dumps(results, indent=2))
    print(
        "\n| chain | series (store/category/product) | snapshot MiB (all levels) | publish s (all levels) "
        "| move origin + publish s | training s | worker RSS MiB memory → store | RSS above imports "
        "memory → store | request p95 ms memory → store |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        s, mem, sto = r["series"], r["serving"]["memory"], r["serving"]["store"]
        print(
            f"| {name} | {s.get('store')}/{s.get('category')}/{s.get('product')} "
            f"| {sum(r['snapshot_mib'].values()):.1f} | {sum(r['publish_seconds'].values()):.1f} "
            f"| {sum(r['move_origin_publish_seconds'].values()):.1f} | {r['train_seconds']:.1f} "
            f"| {mem['rss_mib']:.0f} → {sto['rss_mib']:.0f} | {mem['rss_above_imports_mib']:.0f} → "
            f"{sto['rss_above_imports_mib']:.0f} | {mem['request_p95_ms']:.1f} → "
            f"{sto['request_p95_ms']:.1f} |"
        )
    names = list(results)
    if len(names) == 2:
        lo, hi = (results[n]["serving"] for n in names)
        for mode in ("memory", "store"):
            growth = hi[mode]["rss_above_imports_mib"] / max(lo[mode]["rss_above_imports_mib"], 0.1)
            print(f"\n{mode}: RSS above imports grows x{growth:.2f} from {names[0]} to {names[1]}")
    print(f"\n(pid {os.getpid()})")


if __name__ == "__main__":
    main()
