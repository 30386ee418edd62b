"""Profile the dashboard's view callback in-process on a kept scale instance (``bench_scale --workdir``).

Builds what a gunicorn worker holds (``ModelHolder`` with the instance's settings, ``CatalogueCache``),
renders ``bench_dashboard.random_views`` with ``callbacks.forecast.render_view`` inside a request
context, and prints per tab the p50/p95 milliseconds, the slowest views, and (``--profile``) the
functions with the most cumulative time over all views. Why: the HTTP benchmark says how slow a view
is; this says which lines make it slow.

Run: ``.venv/bin/python bench/profile_views.py /tmp/views3-scale/scale10-sqlite [--views 100] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    """Render the views and print the timings (and the profile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", help="an instance folder kept by bench_scale --workdir")
    parser.add_argument("--views", type=int, default=100)
    parser.add_argument("--warm", type=int, default=10, help="views rendered first, not measured")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)

    import psutil
    from bench_dashboard import random_views

    from app import create_app
    from callbacks.catalogue import CatalogueCache
    from callbacks.forecast import render_view
    from callbacks.inputs import view_state
    from data.storage import list_categories, list_products, list_stores

    instance = Path(args.instance)
    db = next(instance.glob("scale*.db"))
    url = f"sqlite:///{db}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "MODEL_DIR": str(instance / "models-local"),
            "SCHEDULER_ENABLED": False,
            "SECRET_KEY": "profile-views-secret-key-0123456789",
        }
    )
    services = app.server.extensions["trendsales"]
    engine = services.engine
    stores = list_stores(engine)[:20]
    catalogue = {
        "stores": stores,
        "categories": list_categories(engine),
        "products": {s: [p for p, _ in list_products(engine, store=s)] for s in stores},
    }
    cache = CatalogueCache(engine, silent_days=services.config.store_silent_days)
    holder = services.holder
    me = psutil.Process()
    rss0 = me.memory_info().rss / 2**20
    with app.server.test_request_context("/store"):
        for view in random_views(catalogue, args.warm, seed=1):
            render_view(holder, engine, cache, view_state(view))
        rss1 = me.memory_info().rss / 2**20
        timings: dict[str, list[float]] = {}
        slow: list[tuple[float, dict]] = []
        profiler = cProfile.Profile() if args.profile else None
        for view in random_views(catalogue, args.views, seed=7):
            state = view_state(view)
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            render_view(holder, engine, cache, state)
            if profiler is not None:
                profiler.disable()
            elapsed = (time.perf_counter() - started) * 1000
            timings.setdefault(state.tab, []).append(elapsed)
            slow.append((elapsed, view))
    rss2 = me.memory_info().rss / 2**20
    every = sorted(t for ts in timings.values() for t in ts)
    print(f"instance {instance}: RSS {rss0:.0f} MB after start, {rss1:.0f} after warm-up, {rss2:.0f} after")
    for tab, ts in [*sorted(timings.items()), ("all", every)]:
        ordered = sorted(ts)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {tab:9s} n={len(ts):3d} p50 {statistics.median(ts):7.1f} ms  p95 {p95:7.1f} ms")
    for elapsed, view in sorted(slow, key=lambda x: x[0], reverse=True)[:5]:
        print(f"  slow {elapsed:7.1f} ms {view}")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
