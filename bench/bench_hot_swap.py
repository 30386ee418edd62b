"""Hot-swap benchmark: forecast latency through gunicorn before, during and after MASTER swaps.

Starts a real gunicorn (2 workers x 4 threads, the project's gunicorn.conf.py) on a temporary
instance with the demo data, keeps ``--clients`` logged-in clients requesting ``/api/forecast``
(bounded loops on localhost), promotes pre-trained candidates of every level ``--swaps`` times, and
reports: p50/p95/p99 latency per phase, failed requests, the time from promotion until every worker
serves the new versions (polled on /admin/health), and memory per worker (psutil RSS/USS).

    .venv/bin/python bench/bench_hot_swap.py [--clients 4] [--swaps 3] [--requests 300]

Targets (issue "Live model operations"): zero failed requests during swaps; every worker on the new
MASTER <= 10 s after promotion; p95 during a swap <= 2 x p95 before it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.demo import generate_demo_sales
from data.storage import import_sales_frame
from models.pipeline import run_training
from models.registry import promote
from tests.ops.live import Client
from tests.support.apps import FAST_TRAINING
from tests.support.live_server import app_environment, health, start_server, worker_pids

PASSWORD = "bench-admin-pass-123"


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds (nearest-rank), plus the count."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "mean": 1000 * statistics.mean(ordered),
    }


def prepare(instance: Path, n_stores: int, n_products: int) -> tuple[dict, object, dict]:
    """Database, admin, demo sales (one year, daily), and a first MASTER per level (fast config)."""
    env = app_environment(
        instance,
        TRENDSALES_MODEL_POLL_SECONDS="2",
        TRENDSALES_SCHEDULER_ENABLED="1",
        TRENDSALES_ACCESS_LOG="",
        TRENDSALES_ADMIN_PASSWORD=PASSWORD,  # health() reads /admin/health as this admin
    )
    engine = make_engine(env["TRENDSALES_DATABASE_URL"])
    upgrade_database(engine)
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, "admin", PASSWORD, role="admin")
    sales = generate_demo_sales(
        11,
        n_stores=n_stores,
        n_categories=3,
        n_products=n_products,
        start=dt.date(2023, 1, 1),
        end=dt.date(2024, 12, 31),
    )
    import_sales_frame(engine, sales, filename="demo.csv", uploaded_by="bench")
    config = Settings().with_overrides({"MODEL_DIR": str(instance / "models"), **FAST_TRAINING})
    run_training(engine, config, source="bench")
    return env, engine, config


def series_catalogue(engine: object) -> list[tuple[str, str]]:
    """(level, series id) pairs to request, read from the loaded models' own series ids."""
    from models.holder import ModelHolder

    snap = ModelHolder(engine, poll_seconds=60).snapshot()
    return [(level, sid) for level, model in snap.models.items() for sid in model.series_ids]


class Load:
    """``clients`` threads, each with its own session, requesting forecasts; records (t, latency, ok)."""

    def __init__(self, url: str, clients: int, catalogue: list[tuple[str, str]]) -> None:
        self.records: list[tuple[float, float, bool, str | None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._clients = [Client(url, "admin", PASSWORD) for _ in range(clients)]
        self._catalogue = catalogue

    def _run(self, client: Client, seed: int, budget: int) -> None:
        rng = random.Random(seed)
        for _ in range(budget):
            if self._stop.is_set():
                return
            level, sid = rng.choice(self._catalogue)
            start = time.perf_counter()
            try:
                status, body = client.get_json(
                    "/api/forecast", level=level, series=sid, horizon=rng.randint(1, 60)
                )
                ok, version = status == 200, body.get("version")
            except OSError:
                ok, version = False, None
            end = time.perf_counter()
            with self._lock:
                self.records.append((end, end - start, ok, version))

    def run(self, budget: int) -> list[threading.Thread]:
        """Start the clients with ``budget`` requests each; returns the threads."""
        threads = [
            threading.Thread(target=self._run, args=(c, i, budget), daemon=True)
            for i, c in enumerate(self._clients)
        ]
        for t in threads:
            t.start()
        return threads

    def stop(self) -> None:
        """Ask the clients to stop after their current request."""
        self._stop.set()


def memory(server: object) -> dict[int, dict[str, float]]:
    """RSS and USS (MiB) of each gunicorn worker."""
    out = {}
    for pid in worker_pids(server):
        info = psutil.Process(pid).memory_full_info()
        out[pid] = {"rss_mib": info.rss / 2**20, "uss_mib": info.uss / 2**20}
    return out


def swap_once(server: object, engine: object, config: Settings, load: Load, budget: int) -> dict:
    """Train candidates, then promote them under load; measure latency around the swap."""
    outcomes = run_training(engine, config, promote=False, source="bench")
    targets = {level: o.version_id for level, o in outcomes.items()}
    threads = load.run(budget)
    time.sleep(2.0)  # a steady "before" window under load
    t_promote = time.perf_counter()
    for version in targets.values():
        promote(engine, version, reason="bench hot swap", actor="bench")
    pids, seen = worker_pids(server), {}
    while set(seen) < pids and time.perf_counter() - t_promote < 30:
        answer = health(server)
        if answer["masters"] == targets:
            seen.setdefault(answer["pid"], time.perf_counter() - t_promote)
    t_all = time.perf_counter()
    for t in threads:
        t.join()
    return {
        "t_promote": t_promote,
        "t_all": t_all,
        "swap_seconds": max(seen.values()) if seen else None,
        "per_worker": seen,
        "targets": targets,
    }


def main() -> None:
    """Run the benchmark and print a JSON summary (and a Markdown table)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--swaps", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="requests per client per swap round")
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--products", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hot-swap-") as tmp:
        env, engine, config = prepare(Path(tmp), args.stores, args.products)
        server = start_server(env, workers=2)
        try:
            catalogue = series_catalogue(engine)
            mem_before = memory(server)
            phases: dict[str, list[float]] = {"before": [], "during": [], "after": []}
            failures = {"before": 0, "during": 0, "after": 0}
            swaps = []
            for _ in range(args.swaps):
                load = Load(server.url, args.clients, catalogue)
                swap = swap_once(server, engine, config, load, args.requests)
                swaps.append(swap)
                for end, latency, ok, _version in load.records:
                    phase = (
                        "before" if end < swap["t_promote"] else "during" if end <= swap["t_all"] else "after"
                    )
                    phases[phase].append(latency)
                    failures[phase] += not ok
            mem_after = memory(server)
            healthz = health(server)
        finally:
            server.stop()
            engine.dispose()
    summary = {
        "clients": args.clients,
        "swaps": args.swaps,
        "series": len(catalogue),
        "latency_ms": {phase: percentiles(values) for phase, values in phases.items()},
        "failed_requests": failures,
        "swap_seconds": [round(s["swap_seconds"], 3) for s in swaps if s["swap_seconds"] is not None],
        "memory_before_mib": {pid: {k: round(v, 1) for k, v in m.items()} for pid, m in mem_before.items()},
        "memory_after_mib": {pid: {k: round(v, 1) for k, v in m.items()} for pid, m in mem_after.items()},
        "final_masters": healthz["masters"],
    }
    print(json.dumps(summary, indent=2))
    lat = summary["latency_ms"]
    print("\n| phase | requests | failed | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|")
    for phase in ("before", "during", "after"):
        p = lat[phase]
        print(
            f"| {phase} | {p['n']} | {failures[phase]} | {p.get('p50', 0):.1f} | {p.get('p95', 0):.1f} "
            f"| {p.get('p99', 0):.1f} |"
        )
    ratio = lat["during"].get("p95", 0) / max(lat["before"].get("p95", 1e-9), 1e-9)
    print(
        f"\nswap (promotion → every worker on it): {summary['swap_seconds']} s; "
        f"p95 during/before = {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
