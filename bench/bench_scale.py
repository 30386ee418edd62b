"""Benchmark: a chain at 1×, 10×, 100× the demo's series, on SQLite and PostgreSQL, in-process and on Dask.

What it measures (markdown on stdout, every figure also in ``bench/results/scale_<UTC>.json``):
1. A synthetic chain of ``k`` blocks of the demo (``data.demo.generate_demo_sales``: 10 stores, 50
   products each; block b uses seed 7 + b and renames its stores ``… #b``), so the product level has
   k × 375 store series + 50 all-stores totals (1×: 425, 100×: 37,550), over the last ``--days`` days.
   Imported block by block through ``import_sales_frame`` (one upload per block): **rows/s**.
2. Training of each level through the real pipeline (``run_training``, partitioned input, registry,
   promotion), each level in a fresh spawned process: **wall s** and **peak RSS** of that process
   (``ru_maxrss``) — in-process (joblib) and on a 2-worker ``distributed.LocalCluster`` (**peak RSS of
   each worker process**, sampled every 0.2 s).
3. **Forecast-store size** per level: the files of the MASTER's published snapshot (points of every
   series at the longest served horizon with 80%/95% bounds, and the serving companions); without one,
   the points of a sample of ≤ 2,000 series staged (never registered) and scaled to all series.
4. Serving: gunicorn (2 workers × 4 threads) on the instance, 100 sequential view callbacks of a
   logged-in client (``bench_dashboard``'s payloads): **callback p50/p95** and **worker RSS** after them.

Run: ``.venv/bin/python bench/bench_scale.py [--scales 1,10,100] [--dbs sqlite,postgresql]
[--modes local,dask] [--levels store,category,product] [--days 365] [--train-env '{"TRAIN_FOLDS": 2}']``
Targets (issue 15): 100× trains with peak RSS ≤ 2 GB per process; training time ≤ linear in series;
worker RSS ≤ 400 MB at 100×; callback p95 at 100× within 1.5× of 1×.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from spawned import in_spawned_process  # noqa: E402

from app.config import Settings  # noqa: E402
from data.db import make_engine, make_session_factory, session_scope, upgrade_database  # noqa: E402
from data.demo import DEFAULT_END, generate_demo_sales  # noqa: E402
from data.storage import import_sales_frame  # noqa: E402

LEVELS = ("store", "category", "product")
SAMPLE_SERIES = 2_000


def chain_blocks(copies: int, days: int) -> Iterator[pd.DataFrame]:
    """The chain's sales, one demo-sized block (10 stores) at a time."""
    start = DEFAULT_END - dt.timedelta(days=days - 1)
    for b in range(copies):
        block = generate_demo_sales(7 + b, start=start, end=DEFAULT_END)
        if b:
            block["store"] = block["store"] + f" #{b:03d}"
        yield block.drop(columns=["units"])


def import_chain(engine: Any, copies: int, days: int) -> dict[str, float]:
    """Import every block as its own upload; rows, seconds and rows/s of the imports alone."""
    rows, seconds = 0, 0.0
    for b, block in enumerate(chain_blocks(copies, days)):
        started = time.perf_counter()
        result = import_sales_frame(engine, block, filename=f"chain-{b:03d}.csv", uploaded_by="bench")
        seconds += time.perf_counter() - started
        if result.status != "imported":
            raise RuntimeError(f"block {b} not imported: {result}")
        rows += len(block)
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def _train_child(url: str, model_dir: str, level: str, overrides: dict[str, Any], out: Any) -> None:
    """One level's training in a fresh process; sends back durations, outcome and its peak RSS."""
    from models.pipeline import run_training

    engine = make_engine(url)
    settings = Settings().with_overrides({"MODEL_DIR": model_dir, **overrides})
    started = time.perf_counter()
    outcome = run_training(engine, settings, levels=[level], source="bench")[level]
    out.send(
        {
            "wall": time.perf_counter() - started,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "series": outcome.n_series,
            "ok": outcome.ok,
            "error": outcome.error,
            "winner": outcome.params.get("family"),
            "wape": outcome.metrics.get("wape"),
            "durations": outcome.durations,
        }
    )
    engine.dispose()


@contextmanager
def worker_peaks(pids: list[int], interval: float = 0.2) -> Iterator[dict[int, float]]:
    """Peak RSS (MB) of the given processes while the block runs."""
    peaks = {pid: 0.0 for pid in pids}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in pids:
                with contextlib.suppress(psutil.Error):
                    peaks[pid] = max(peaks[pid], psutil.Process(pid).memory_info().rss / 2**20)
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def train_levels(url: str, model_dir: str, levels: list[str], overrides: dict[str, Any]) -> dict[str, Any]:
    """Train each level in its own spawned process; returns per-level results."""
    results = {}
    for level in levels:
        result = in_spawned_process(_train_child, url, model_dir, level, overrides)
        results[level] = result
        print(f"    {level}: {json.dumps(result, default=str)}", file=sys.stderr, flush=True)
    return results


def store_size(engine: Any, folder: Path, level: str) -> dict[str, float]:
    """Forecast-store bytes of the level's MASTER: the files of its published snapshot (points and the
    serving companions). Without one, a sample of series is written (staged, never registered: a
    registered points-only snapshot would hide the servable one from the workers), scaled to all."""
    from data.forecast_store import discard_staged, served_snapshots, stage_snapshot
    from models.artifacts import load_artifact
    from models.registry import get_version, master_versions

    version = master_versions(engine)[level]
    published = served_snapshots(engine, {level: version}).get(level)
    if published is not None:
        main = Path(published.path)
        files = [f for f in main.parent.glob(main.name.removesuffix(".parquet") + ".*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)
        return {"sampled": published.n_series, "series": published.n_series, "mb": size / 2**20}
    forecaster = load_artifact(get_version(engine, version).artifact_path, expected_level=level)
    ids = list(forecaster.series_ids)
    sample = (
        ids
        if len(ids) <= SAMPLE_SERIES
        else [ids[i] for i in np.linspace(0, len(ids) - 1, SAMPLE_SERIES, dtype=int)]
    )
    frames = []
    for sid in sample:
        f80 = forecaster.forecast(sid, forecaster.max_horizon, interval=0.8)
        f95 = forecaster.forecast(sid, forecaster.max_horizon, interval=0.95)
        frames.append(
            pd.DataFrame(
                {
                    "series_id": sid,
                    "date": f80["date"],
                    "forecast": f80["forecast"],
                    "lo80": f80["lower"],
                    "hi80": f80["upper"],
                    "lo95": f95["lower"],
                    "hi95": f95["upper"],
                }
            )
        )
    staged = stage_snapshot(
        folder,
        level=level,
        model_version=version,
        origin=forecaster.data_range[1],
        freq=forecaster.freq,
        reason="bench",
        points=pd.concat(frames, ignore_index=True),
    )
    size = Path(staged.values["path"]).stat().st_size
    discard_staged([staged])
    return {"sampled": len(sample), "series": len(ids), "mb": size * len(ids) / len(sample) / 2**20}


def serve(instance: Path, url: str, requests_n: int = 100) -> dict[str, float]:
    """gunicorn on the instance: p50/p95 of view callbacks and the workers' RSS after them."""
    from bench_dashboard import USER, call_view, login, percentiles, random_views, timed

    from data.accounts import create_user, find_user
    from data.storage import list_categories, list_products, list_stores
    from tests.support.live_server import app_environment, start_server

    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        if find_user(session, USER[0]) is None:  # a reused instance has the account already
            create_user(session, USER[0], USER[1], role="manager")
    stores = list_stores(engine)[:20]
    catalogue = {
        "stores": stores,
        "categories": list_categories(engine),
        "products": {s: [p for p, _ in list_products(engine, store=s)] for s in stores},
    }
    engine.dispose()
    env = app_environment(
        instance,
        TRENDSALES_DATABASE_URL=url,
        TRENDSALES_ADMIN_PASSWORD="bench-admin-pass-1",
        TRENDSALES_ACCESS_LOG="",
    )
    server = start_server(env, workers=2, threads=4, timeout=300)
    try:
        session = login(server.url)
        for view in random_views(catalogue, 10, seed=1):  # warm-up: each worker loads the MASTERs
            timed(lambda v=view: call_view(session, server.url, v))
        samples = [
            timed(lambda v=v: call_view(session, server.url, v))
            for v in random_views(catalogue, requests_n, 7)
        ]
        workers = psutil.Process(server.process.pid).children()
        memory = [w.memory_full_info() for w in workers]  # USS: the worker's own pages, not shared ones
    finally:
        server.stop()
    stats = percentiles(samples)
    rss, uss = [m.rss / 2**20 for m in memory], [m.uss / 2**20 for m in memory]
    return {
        "p50": stats["p50"],
        "p95": stats["p95"],
        "worker_rss_mb": max(rss) if rss else float("nan"),
        "worker_uss_mb": max(uss) if uss else float("nan"),
    }


@contextmanager
def database(kind: str, tmp: Path, name: str) -> Iterator[str]:
    """A fresh, migrated database URL: SQLite in ``tmp`` or a throwaway PostgreSQL server."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'{name}.db'}"
        upgrade_database(make_engine(url))
        yield url
        return
    from tests.support.postgres import start_postgres

    server = start_postgres()
    try:
        url = server.create_database(name)
        upgrade_database(make_engine(url))
        yield url
    finally:
        server.stop()


@contextmanager
def cluster(mode: str) -> Iterator[tuple[str | None, list[int]]]:
    """No cluster (in-process) or a 2-worker LocalCluster: its address and worker pids."""
    if mode == "local":
        yield None, []
        return
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        with Client(local) as client:
            pids = list(client.run(lambda: __import__("os").getpid()).values())
            client.run(lambda: __import__("models.training") and None)  # a running cluster has it loaded
        yield local.scheduler_address, pids


def republish_masters(url: str, model_dir: str) -> dict[str, float]:
    """Publish every MASTER of a kept instance again with this code (reason ``promotion``: no origin
    move), in a spawned process; its wall seconds and peak RSS."""
    result = in_spawned_process(_republish_child, url, model_dir)
    print(f"    republished: {result}", file=sys.stderr, flush=True)
    return result


def _republish_child(url: str, model_dir: str, out: Any) -> None:
    from models.publishing import publish_masters

    engine = make_engine(url)
    started = time.perf_counter()
    done = publish_masters(engine, Settings().with_overrides({"MODEL_DIR": model_dir}), reason="promotion")
    out.send(
        {
            "wall": time.perf_counter() - started,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "levels": sorted(p.level for p in done),
        }
    )
    engine.dispose()


@contextmanager
def instance_dir(workdir: str, copies: int, kind: str) -> Iterator[Path]:
    """A temporary instance folder, or ``workdir/scale<copies>-<kind>`` kept after the run (reused by
    a later run with the same ``--workdir``: import and training are skipped when it holds them)."""
    if not workdir:
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{copies}-{kind}-") as tmp_name:
            yield Path(tmp_name)
        return
    folder = Path(workdir) / f"scale{copies}-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def run_scale(
    copies: int,
    kind: str,
    modes: list[str],
    levels: list[str],
    days: int,
    train_env: dict,
    *,
    workdir: str = "",
    requests_n: int = 100,
    republish: bool = False,
) -> dict:
    """Import the chain at ``copies`` blocks into a ``kind`` database, train in each mode, serve.

    With ``workdir`` (SQLite only) the instance is kept; a second run on it skips the import and the
    training it already holds (their figures come from the first run's ``done.json``) and serves again
    (after publishing the MASTERs again with this code when ``republish``).
    """
    out: dict[str, Any] = {"copies": copies, "db": kind}
    with instance_dir(workdir if kind == "sqlite" else "", copies, kind) as tmp:
        done_file = tmp / "done.json"
        if done_file.exists():
            out.update(json.loads(done_file.read_text()))
            url = f"sqlite:///{tmp / f'scale{copies}.db'}"
            print(f"  reusing ×{copies} {kind} in {tmp}", file=sys.stderr, flush=True)
            if republish:
                out["republish"] = republish_masters(url, str(tmp / "models-local"))
            out["serve"] = serve(tmp, url, requests_n)
            print(f"  = ×{copies} {kind}: {json.dumps(out, default=str)}", file=sys.stderr, flush=True)
            return out
        with database(kind, tmp, f"scale{copies}") as url:
            engine = make_engine(url)
            out["import"] = import_chain(engine, copies, days)
            print(f"  import ×{copies} {kind}: {out['import']}", file=sys.stderr, flush=True)
            for mode in modes:
                model_dir = str(tmp / f"models-{mode}")
                with cluster(mode) as (address, pids), worker_peaks(pids) as peaks:
                    env = {**train_env, "DASK_ADDRESS": address} if address else dict(train_env)
                    out[mode] = {"levels": train_levels(url, model_dir, levels, env)}
                out[mode]["worker_peak_mb"] = max(peaks.values()) if peaks else None
            out["store"] = {level: store_size(engine, tmp / "store", level) for level in levels}
            engine.dispose()
            if workdir and kind == "sqlite":
                done_file.write_text(json.dumps(out, default=str))
            try:
                out["serve"] = serve(tmp, url, requests_n)
            except Exception as exc:  # a serving failure is reported, the training figures are kept
                out["serve"] = {"p50": float("nan"), "p95": float("nan"), "worker_rss_mb": float("nan")}
                out["serve_error"] = f"{type(exc).__name__}: {exc}"
    print(f"  = ×{copies} {kind}: {json.dumps(out, default=str)}", file=sys.stderr, flush=True)
    return out


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:.1f}×" if base else "–"


def report(results: list[dict], levels: list[str], modes: list[str]) -> str:
    """The scale table: one row per (db, scale, mode), ratios against the same db and mode at the smallest
    scale measured (1× when it ran); "–" where a run left a level or mode out."""
    lines = [
        "| db | scale | product series | rows | import rows/s | mode | "
        + " | ".join(f"{lv} s (ratio) / peak MB" for lv in levels)
        + " | worker peak MB | store MB (all levels) | callback p95 ms (ratio) | worker RSS MB |",
        "|" + "---|" * (10 + len(levels)),
    ]
    base: dict[tuple[str, str], dict] = {}
    for r in sorted(results, key=lambda r: (r["db"], r["copies"])):
        for mode in (m for m in modes if m in r):
            b = base.setdefault((r["db"], mode), r)
            cells = []
            for lv in levels:
                got, ref = r[mode]["levels"].get(lv), b[mode]["levels"].get(lv)
                if got is None:
                    cells.append("–")
                    continue
                ratio = _ratio(got["wall"], ref["wall"]) if ref else "–"
                cells.append(f"{got['wall']:.0f} ({ratio}) / {got['peak_mb']:.0f}")
            worker = r[mode].get("worker_peak_mb")
            store_mb = sum(s["mb"] for s in r["store"].values())
            p95, ref95 = r["serve"]["p95"], b["serve"]["p95"]
            series = max(x["series"] for x in r[mode]["levels"].values())
            lines.append(
                f"| {r['db']} | {r['copies']}× | {series:,} "
                f"| {r['import']['rows']:,} | {r['import']['rows_per_s']:,.0f} | {mode} | "
                + " | ".join(cells)
                + f" | {'–' if worker is None else f'{worker:.0f}'} | {store_mb:.1f} "
                f"| {p95:.0f} ({_ratio(p95, ref95)}) | {r['serve']['worker_rss_mb']:.0f} |"
            )
    return "\n".join(lines)


def extrapolate(results: list[dict], levels: list[str], modes: list[str], target: int = 1000) -> str:
    """Training wall and peak RSS at ``target``× from the last two measured scales (log-log line)."""
    lines = [
        f"| db | mode | level | measured scales | wall s exponent | wall s at {target}× (extrapolated) "
        f"| peak MB exponent | peak MB at {target}× (extrapolated) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for db in sorted({r["db"] for r in results}):
        runs = sorted((r for r in results if r["db"] == db), key=lambda r: r["copies"])
        for mode in modes:
            for lv in levels:
                have = [r for r in runs if lv in r.get(mode, {}).get("levels", {})]
                if len(have) < 2:
                    continue
                a, b = have[-2], have[-1]
                k = np.log(b["copies"] / a["copies"])
                cells = []
                for key in ("wall", "peak_mb"):
                    va, vb = a[mode]["levels"][lv][key], b[mode]["levels"][lv][key]
                    slope = np.log(vb / va) / k
                    cells += [f"{slope:.2f}", f"{vb * (target / b['copies']) ** slope:,.0f}"]
                lines.append(
                    f"| {db} | {mode} | {lv} | {a['copies']}×, {b['copies']}× | " + " | ".join(cells) + " |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the scale benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--modes", default="local,dask")
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--train-env", default="{}", help="JSON settings overrides for training")
    parser.add_argument("--from-json", default="", help="only print the tables of saved runs (comma list)")
    parser.add_argument(
        "--workdir", default="", help="keep SQLite instances here and reuse them (serve again only)"
    )
    parser.add_argument("--requests", type=int, default=100, help="view callbacks measured per scale")
    parser.add_argument(
        "--republish", action="store_true", help="with --workdir: publish the kept MASTERs again first"
    )
    args = parser.parse_args(argv)
    levels = [lv for lv in args.levels.split(",") if lv]
    modes = [m for m in args.modes.split(",") if m]
    if args.from_json:
        saved = [r for f in args.from_json.split(",") for r in json.loads(Path(f).read_text())["results"]]
        print(report(saved, levels, modes) + "\n\n" + extrapolate(saved, levels, modes))
        return 0
    train_env = json.loads(args.train_env)
    results = []
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    out_path = ROOT / "bench" / "results" / f"scale_{stamp}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    for copies in (int(s) for s in args.scales.split(",") if s):
        for kind in (d for d in args.dbs.split(",") if d):
            results.append(
                run_scale(
                    copies,
                    kind,
                    modes,
                    levels,
                    args.days,
                    train_env,
                    workdir=args.workdir,
                    requests_n=args.requests,
                    republish=args.republish,
                )
            )
            out_path.write_text(json.dumps({"args": vars(args), "results": results}, default=str, indent=1))
    print(report(results, levels, modes))
    print()
    print(extrapolate(results, levels, modes))
    cpu = statistics.mean(psutil.cpu_percent(interval=0.5, percpu=True))
    print(f"\n(load average {psutil.getloadavg()[0]:.1f}, CPU busy {cpu:.0f}% at the end; raw: {out_path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
