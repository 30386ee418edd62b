"""Benchmark: live-accuracy scoring of archived forecasts (time, archive size) and the dashboard's cost.

What it measures (printed as markdown, paste into bench/README.md "Monitoring"):
1. Scoring: an instance with the demo data (``generate_demo_sales()``: 10 stores, 50 products, daily)
   and one with 10x the series (10 stores, 500 products), each with the last 8 weeks of sales held
   back; every level gets 8 archived snapshots (weekly origins, 400 days each, seasonal-naive paths
   with +-20%/+-35% ranges: the size and shape of real snapshots; the scoring cost does not depend on
   the model). The held-back sales are then imported and ``accuracy_report`` (all levels: read every
   snapshot, load the actuals, score, group by store x version x band) and the drift check of every
   level are timed. Archive size = Parquet bytes on disk.
2. Dashboard: a trained demo instance (``bench_dashboard.build_instance``) with the same snapshots
   under the MASTER versions, served by gunicorn twice — ``MONITORING_ENABLED`` on and off, runs
   interleaved on/off/on/off — and the view callback (``update_view``) timed through real HTTP with
   the same fixed-seed views; the ratio on/off of its p95 is the cost of this feature on it. The new
   forecast-vs-actual callback (``update_accuracy``) is timed in the "on" runs.
Run: ``.venv/bin/python bench/bench_monitoring.py [--requests 100] [--skip-10x] [--skip-dashboard]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from data.db import make_engine, upgrade_database
from data.demo import DEFAULT_END, generate_demo_sales
from data.forecast_store import list_snapshots, write_snapshot
from data.schema import LEVELS
from data.storage import import_sales_frame
from models.live import BacktestCache, check_level_drift
from models.registry import master_versions
from models.series import level_panel
from services.monitoring import accuracy_report

HELD_BACK_DAYS = 56
ORIGINS = 8  # weekly origins: 56, 49, ..., 7 days before the end
HORIZON = 400


class BenchServices:
    """The services bundle the use cases read."""

    def __init__(self, engine: Any, config: Settings) -> None:
        self.engine = engine
        self.config = config


def synthetic_points(panel: Any, origin: pd.Timestamp) -> pd.DataFrame:
    """Seasonal-naive paths of every series of ``panel`` for ``HORIZON`` days after ``origin``."""
    upto = int(np.searchsorted(panel.dates, origin, side="right"))
    last_week = np.nan_to_num(panel.values[:, max(0, upto - 7) : upto], nan=0.0)
    if last_week.shape[1] < 7:
        last_week = np.pad(last_week, ((0, 0), (7 - last_week.shape[1], 0)))
    paths = np.tile(last_week, (1, HORIZON // 7 + 1))[:, :HORIZON]
    dates = pd.date_range(origin + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    n = len(panel.ids)
    flat = paths.ravel()
    return pd.DataFrame(
        {
            "series_id": np.repeat(np.asarray(panel.ids, dtype=object), HORIZON),
            "date": np.tile(dates.values, n),
            "forecast": flat,
            "lo80": flat * 0.8,
            "hi80": flat * 1.2,
            "lo95": flat * 0.65,
            "hi95": flat * 1.35,
        }
    )


def archive(engine: Any, folder: Path, sales: pd.DataFrame, end: pd.Timestamp, versions: dict) -> dict:
    """Write ``ORIGINS`` weekly snapshots of every level; returns time and size figures."""
    started = time.perf_counter()
    for level in LEVELS:
        panel = level_panel(sales, level, "D")
        for k in range(ORIGINS, 0, -1):
            origin = end - pd.Timedelta(days=7 * k)
            write_snapshot(
                engine,
                folder,
                level=level,
                model_version=versions.get(level, "synthetic"),
                origin=origin,
                freq="D",
                reason="daily",
                points=synthetic_points(panel, origin),
            )
    snaps = list_snapshots(engine)
    size = sum(Path(s.path).stat().st_size for s in snaps)
    return {
        "write_s": time.perf_counter() - started,
        "snapshots": len(snaps),
        "rows": sum(s.n_rows for s in snaps),
        "series": {lv: max(s.n_series for s in snaps if s.level == lv) for lv in LEVELS},
        "bytes": size,
    }


def scoring_case(label: str, *, n_products: int, days: int) -> str:
    """Build, archive, import the held-back weeks and time the scoring; one markdown row."""
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'trendsales.db'}")
        upgrade_database(engine)
        end = pd.Timestamp(DEFAULT_END)
        sales = generate_demo_sales(n_products=n_products, start=(end - pd.Timedelta(days=days)).date())
        cut = end - pd.Timedelta(days=HELD_BACK_DAYS)
        started = time.perf_counter()
        import_sales_frame(engine, sales.loc[sales["date"] <= cut], filename="a.csv", uploaded_by="bench")
        import_s = time.perf_counter() - started
        facts = archive(engine, folder, sales.loc[sales["date"] <= cut], end - pd.Timedelta(days=7), {})
        import_sales_frame(engine, sales.loc[sales["date"] > cut], filename="b.csv", uploaded_by="bench")
        services = BenchServices(engine, Settings())
        started, cpu = time.perf_counter(), time.process_time()
        report = accuracy_report(services, each_store=True)
        score_s, score_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        cache = BacktestCache(engine)
        for level in LEVELS:
            check_level_drift(engine, services.config, level, "synthetic", cache)
        drift_s, drift_cpu = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()
    series = facts["series"]
    return (
        f"| {label} | {series['store']} / {series['category']} / {series['product']} | {len(sales):,} "
        f"| {facts['snapshots']} | {facts['rows']:,} | {facts['bytes'] / 2**20:.1f} MiB "
        f"({facts['bytes'] / facts['rows']:.1f} B/row) | {facts['write_s'] / facts['snapshots']:.2f} s "
        f"| {score_s:.1f} s ({score_cpu:.1f} s; {len(report.rows)} rows) "
        f"| {drift_s:.1f} s ({drift_cpu:.1f} s) | {import_s:.0f} s |"
    )


def run_views(base: str, warmup: list, views: list, accuracy: bool) -> tuple[list[float], list[float]]:
    """Log in, warm up, then time ``update_view`` for every view (and ``update_accuracy`` when on)."""
    from bench.bench_dashboard import call_view, login, timed

    session = login(base)
    for view in warmup:
        timed(lambda v=view: call_view(session, base, v))
    view_ms = [timed(lambda v=v: call_view(session, base, v)) for v in views]
    accuracy_ms = [timed(lambda v=v: call_accuracy(session, base, v)) for v in views] if accuracy else []
    return view_ms, accuracy_ms


def dashboard_case(requests_n: int) -> list[str]:
    """update_view p95 with monitoring on vs off (interleaved), and update_accuracy's own latency."""
    from bench.bench_dashboard import build_instance, random_views
    from tests.support.live_server import app_environment, start_server

    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-monitor-dash-") as tmp:
        instance = Path(tmp)
        catalogue = build_instance(instance, full_training=False)
        engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
        sales = generate_demo_sales()
        end = pd.Timestamp(sales["date"].max())
        archive(engine, instance / "snapshots", sales, end, master_versions(engine))
        engine.dispose()
        results: dict[str, list[float]] = {"on": [], "off": []}
        accuracy: list[float] = []
        for mode in ("on", "off", "on", "off"):
            env = app_environment(
                instance,
                TRENDSALES_ADMIN_PASSWORD="bench-admin-pass-1",
                TRENDSALES_SCHEDULER_ENABLED="0",
                TRENDSALES_ACCESS_LOG="",
                TRENDSALES_MONITORING_ENABLED="1" if mode == "on" else "0",
            )
            server = start_server(env, workers=2, threads=4)
            try:
                views = random_views(catalogue, requests_n, 7)
                view_ms, accuracy_ms = run_views(
                    server.url, random_views(catalogue, 20, 1), views, mode == "on"
                )
                results[mode] += view_ms
                accuracy += accuracy_ms
            finally:
                server.stop()
    from bench.bench_dashboard import percentiles

    on, off, acc = percentiles(results["on"]), percentiles(results["off"]), percentiles(accuracy)
    lines.append("| callback | n | p50 ms | p95 ms | max ms |")
    lines.append("|---|---|---|---|---|")
    for label, stats in (
        ("update_view, monitoring off", off),
        ("update_view, monitoring on", on),
        ("update_accuracy (new)", acc),
    ):
        lines.append(
            f"| {label} | {stats['n']} | {stats['p50']:.1f} | {stats['p95']:.1f} | {stats['max']:.1f} |"
        )
    lines.append(
        f"\nupdate_view p95 on/off = {on['p95'] / off['p95']:.2f} (p50 {on['p50'] / off['p50']:.2f})."
    )
    return lines


ACCURACY_OUTPUTS = [
    ("accuracy-graph", "figure"),
    ("accuracy-note", "children"),
    ("accuracy-card", "style"),
    ("model-live-error", "children"),
]


def call_accuracy(session: Any, base: str, filters: dict[str, Any]) -> Any:
    """POST the forecast-vs-actual callback like the browser."""
    output = ".." + "...".join(f"{i}.{p}" for i, p in ACCURACY_OUTPUTS) + ".."
    items = [
        {"id": {"name": name, "type": "ts-filter"}, "property": "value", "value": value}
        for name, value in filters.items()
    ]
    body = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in ACCURACY_OUTPUTS],
        "inputs": [items],
        "changedPropIds": ['{"name":"store","type":"ts-filter"}.value'],
        "state": [],
    }
    return session.post(
        base + "/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": session.cookies["_csrf_token"]},
        timeout=30,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100, help="view calls per server run")
    parser.add_argument("--days", type=int, default=400, help="days of sales before the end")
    parser.add_argument("--skip-10x", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true")
    args = parser.parse_args()
    print(
        f"Scoring ({ORIGINS} weekly origins per level, {HORIZON}-day paths, {HELD_BACK_DAYS} days of actuals)"
    )
    print("Times: wall (CPU of this process).\n")
    print(
        "| data | series store / category / product | sales rows | snapshots | points | archive "
        "| write per snapshot | score all levels | drift all levels | import |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(scoring_case("demo", n_products=50, days=args.days))
    if not args.skip_10x:
        print(scoring_case("10x series", n_products=500, days=args.days))
    if not args.skip_dashboard:
        print()
        for line in dashboard_case(args.requests):
            print(line)
    print(f"\n(measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
