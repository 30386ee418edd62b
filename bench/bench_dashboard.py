"""Benchmark: latency of the forecast tabs' main callback through real HTTP, and first paint after login.

What it measures (printed as markdown, paste into bench/README.md "Dashboard"):
1. Builds a temporary instance on the default demo data (``generate_demo_sales()``: 10 stores,
   50 products, daily), imported through ``import_sales_frame`` and trained with ``run_training``
   (a small grid by default so the set-up takes seconds; ``--full-training`` uses the default grid —
   the served forecaster has the same shape either way, so the dashboard's cost is the same).
2. Starts gunicorn with the project's config (2 workers x 4 threads by default), logs in through the
   real form, and POSTs the view callback (``update_view``: chart, KPIs, model card, breakdown) to
   ``/_dash-update-component`` with the session cookie and the ``X-CSRFToken`` header, exactly like
   the browser. Views are drawn from a fixed-seed mix of tabs, stores, granularities and horizons,
   so both forecast-cache hits and misses are measured.
   - single client: ``--requests`` sequential calls; 10 concurrent clients: ``--per-client`` calls each.
   - baseline in the same run: the ``/healthz`` round trip (no login, no Dash).
   Times are client-side round trips on localhost (server time + ~1 ms of HTTP).
3. First dashboard paint in headless Chromium: from submitting the login form to the forecast chart
   drawn with its forecast trace (median of ``--paints`` fresh browser contexts).

Targets: p95 ≤ 150 ms single client, ≤ 500 ms with 10 concurrent clients on 2 cores; first paint ≤ 2 s.
Run: ``.venv/bin/python bench/bench_dashboard.py [--requests 200] [--per-client 30] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.demo import generate_demo_sales
from data.storage import import_sales_frame, list_categories, list_products, list_stores
from models.pipeline import run_training
from tests.support.live_server import app_environment, start_server

USER = ("bench", "bench-pass-12345")
TINY_TRAINING = {
    "TRAIN_FAMILIES": ("seasonal_naive", "theta"),
    "TRAIN_GRIDS": {"theta": {"theta": [2.0], "seasonal": [True]}},
}
VIEW_OUTPUTS = [
    ("forecast-graph", "figure"),
    ("forecast-title", "children"),
    ("forecast-note", "children"),
    ("kpi-row", "children"),
    ("model-card", "children"),
    ("breakdown-graph", "figure"),
    ("view-alert", "children"),
    ("breakdown-note", "children"),
    ("export-csv", "disabled"),
    ("export-xlsx", "disabled"),
    ("export-png", "disabled"),
    ("forecast-graph", "style"),
    ("breakdown-list", "children"),
]
HORIZONS = {"D": [14, 28, 91], "W": [8, 13, 26], "M": [3, 6, 12]}


def build_instance(instance: Path, *, full_training: bool) -> dict[str, Any]:
    """Demo data, MASTER models of every level and a manager account; returns the catalogue."""
    from data.accounts import create_user

    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        upgrade_database(engine)
        started = time.perf_counter()
        import_sales_frame(engine, generate_demo_sales(), filename="demo.csv", uploaded_by="bench")
        imported = time.perf_counter() - started
        training = {} if full_training else TINY_TRAINING
        config = Settings().with_overrides({**training, "MODEL_DIR": str(instance / "models")})
        started = time.perf_counter()
        run_training(engine, config, source="bench")
        trained = time.perf_counter() - started
        with session_scope(make_session_factory(engine)) as session:
            create_user(session, USER[0], USER[1], role="manager")
        return {
            "stores": list_stores(engine),
            "categories": list_categories(engine),
            "products": {s: [p for p, _ in list_products(engine, store=s)] for s in list_stores(engine)},
            "import_s": imported,
            "train_s": trained,
        }
    finally:
        engine.dispose()


def login(base: str) -> requests.Session:
    """A logged-in HTTP session carrying the CSRF cookie Dash's renderer would echo."""
    session = requests.Session()
    form = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = session.post(
        base + "/login",
        data={"username": USER[0], "password": USER[1], "csrf_token": token},
        timeout=10,
        allow_redirects=True,
    )
    response.raise_for_status()
    session.get(base + "/store", timeout=10)  # sets the _csrf_token cookie for callbacks
    if "_csrf_token" not in session.cookies:
        raise RuntimeError("login did not yield the _csrf_token cookie; is the user active?")
    return session


def view_payload(filters: dict[str, Any]) -> dict[str, Any]:
    """The JSON body the renderer sends for ``update_view`` with these filter values."""
    output = ".." + "...".join(f"{i}.{p}" for i, p in VIEW_OUTPUTS) + ".."
    items = [
        {"id": {"name": name, "type": "ts-filter"}, "property": "value", "value": value}
        for name, value in filters.items()
    ]
    return {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in VIEW_OUTPUTS],
        "inputs": [items],
        "changedPropIds": ['{"name":"store","type":"ts-filter"}.value'],
        "state": [],
    }


def random_views(catalogue: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """A fixed-seed mix of store, category and product views over granularities and horizons."""
    rng = random.Random(seed)
    views = []
    for _ in range(count):
        freq = rng.choice(["D", "W", "W", "M"])
        store = rng.choice([*catalogue["stores"], "__all__"])
        filters: dict[str, Any] = {"store": store}
        tab = rng.choice(["store", "category", "product"])
        if tab != "store":
            filters["category"] = rng.choice(catalogue["categories"])
        if tab == "product":
            pool = (
                catalogue["products"][store]
                if store != "__all__"
                else catalogue["products"][catalogue["stores"][0]]
            )
            filters["category"] = "__all__"
            filters["product"] = rng.choice(pool)
        filters.update(
            freq=freq,
            horizon=rng.choice(HORIZONS[freq]),
            history=rng.choice([182, 365, 0]),
            backtest=rng.random() < 0.2,
        )
        views.append(filters)
    return views


def timed(call: Callable[[], requests.Response]) -> float:
    """Milliseconds of one call; raises on an HTTP error or a callback error."""
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
    return elapsed


def call_view(session: requests.Session, base: str, filters: dict[str, Any]) -> requests.Response:
    """POST the view callback like the browser (session cookie + X-CSRFToken header)."""
    return session.post(
        base + "/_dash-update-component",
        data=json.dumps(view_payload(filters)),
        headers={"Content-Type": "application/json", "X-CSRFToken": session.cookies["_csrf_token"]},
        timeout=30,
    )


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds."""
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def concurrent_views(base: str, catalogue: dict[str, Any], clients: int, per_client: int) -> list[float]:
    """``clients`` threads, each logged in on its own, making ``per_client`` view calls."""
    sessions = [login(base) for _ in range(clients)]
    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    errors: list[BaseException] = []

    def client(index: int) -> None:
        views = random_views(catalogue, per_client, seed=100 + index)
        barrier.wait()
        try:
            mine = [timed(lambda v=v: call_view(sessions[index], base, v)) for v in views]
        except BaseException as exc:  # reported after join
            errors.append(exc)
            return
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return samples


def first_paints(base: str, count: int) -> list[float]:
    """Milliseconds from submitting the login form to the forecast chart drawn, per fresh context."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

    paints = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(count):
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.goto(base + "/login")
                page.fill("#username", USER[0])
                page.fill("#password", USER[1])
                started = time.perf_counter()
                page.click("#login-submit")
                page.wait_for_function(
                    "() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');"
                    " return g && g.data && g.data.some(t => t.name === 'Forecast'); }",
                    timeout=30_000,
                )
                paints.append((time.perf_counter() - started) * 1000)
                context.close()
        finally:
            browser.close()
    return paints


def row(label: str, stats: dict[str, float], baseline: float) -> str:
    return (
        f"| {label} | {stats['n']} | {stats['p50']:.1f} | {stats['p95']:.1f} | {stats['max']:.1f} "
        f"| {stats['p50'] / baseline:.1f}× |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="sequential view calls (single client)")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--per-client", type=int, default=30, help="view calls per concurrent client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--paints", type=int, default=5)
    parser.add_argument("--full-training", action="store_true")
    parser.add_argument(
        "--serve-store",
        choices=("on", "off", "both"),
        default="on",
        help="FORECAST_SERVE_STORE (both: compare)",
    )
    args = parser.parse_args()

    modes = {"on": ["1"], "off": ["0"], "both": ["0", "1"]}[args.serve_store]
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        instance = Path(tmp)
        catalogue = build_instance(instance, full_training=args.full_training)
        runs = {mode: measure(instance, catalogue, args, mode) for mode in modes}

    print(
        f"Demo data: {len(catalogue['stores'])} stores, {len(catalogue['categories'])} categories; "
        f"import {catalogue['import_s']:.1f} s, training {catalogue['train_s']:.1f} s "
        f"({'default grid' if args.full_training else 'small grid'}); gunicorn {args.workers} workers "
        f"x {args.threads} threads.\n"
    )
    for mode, (health, single, many, paints) in runs.items():
        baseline = statistics.median(health)
        source = "the forecast store (FORECAST_SERVE_STORE=1)" if mode == "1" else "artifacts in memory"
        print(f"Serving from {source}:\n")
        print("| call | n | p50 ms | p95 ms | max ms | p50 / healthz |")
        print("|---|---|---|---|---|---|")
        print(row("`/healthz` (baseline)", percentiles(health), baseline))
        print(row("view callback, 1 client", percentiles(single), baseline))
        print(row(f"view callback, {args.clients} concurrent clients", percentiles(many), baseline))
        if paints:
            paint = percentiles(paints)
            print(
                f"\nFirst dashboard paint after login (headless Chromium, {paint['n']} runs): "
                f"median {paint['p50']:.0f} ms, max {paint['max']:.0f} ms."
            )
        print()
    if len(runs) == 2:
        (_, off_single, off_many, _), (_, on_single, on_many, _) = runs["0"], runs["1"]
        for name, off, on in (("1 client", off_single, on_single), ("concurrent", off_many, on_many)):
            ratio = percentiles(on)["p95"] / percentiles(off)["p95"]
            print(f"view callback p95, {name}: store / memory = {ratio:.2f}")


def measure(instance: Path, catalogue: dict[str, Any], args: argparse.Namespace, serve_store: str) -> tuple:
    """Serve ``instance`` with FORECAST_SERVE_STORE=``serve_store``; time healthz, views and paints."""
    env = app_environment(
        instance,
        TRENDSALES_ADMIN_PASSWORD="bench-admin-pass-1",
        TRENDSALES_SCHEDULER_ENABLED="0",
        TRENDSALES_ACCESS_LOG="",
        TRENDSALES_FORECAST_SERVE_STORE=serve_store,
        TRENDSALES_SECRET_KEY="bench-dashboard-secret-key-0123456789",
    )
    server = start_server(env, workers=args.workers, threads=args.threads)
    try:
        base = server.url
        session = login(base)
        for view in random_views(catalogue, 20, seed=1):  # warm-up: model loads in each worker
            timed(lambda v=view: call_view(session, base, v))
        health = [timed(lambda: session.get(base + "/healthz", timeout=10)) for _ in range(100)]
        single = [
            timed(lambda v=v: call_view(session, base, v)) for v in random_views(catalogue, args.requests, 7)
        ]
        many = concurrent_views(base, catalogue, args.clients, args.per_client)
        paints = first_paints(base, args.paints) if args.paints else []
    finally:
        server.stop()
    return health, single, many, paints


if __name__ == "__main__":
    main()
