"""A first import into an empty PostgreSQL, in fresh processes, this tree against another in turns.

Run: ``.venv/bin/python bench/bench_first_load.py [--rows N] [--rounds R] [--compare /work/main]
[--icu-locale pt-BR] [--chain] [--port P]``. Starts a private PostgreSQL 15 (the tests' server,
``fsync=off``; ``--port`` uses one already running on this host, trust auth as user ``postgres``),
writes the seeded CSV once (``bench_import.generate``: 50 stores × 20 products; ``--chain``: 200
stores × 1,000 products with Portuguese names), then imports it into a fresh, migrated database
(``--icu-locale``: created with that ICU collation, as a server in that language) once per tree and
round, alternating the trees (``--compare``: another worktree whose code the child imports, e.g.
``/work/main``). Each import runs in its own interpreter and reports: wall seconds, the client's CPU
seconds, the server's CPU seconds (its backends plus the parallel workers the postmaster reaped, read
from ``/proc``), the load average, and every statement that took over 50 ms (the ``COPY`` timed around
the call that streams it; an empty catalogue's whole first fill, where the tree has one), so the
server's share is visible even on a loaded machine; then the dashboard's revenue-series reads (first
read and median of five).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SLOW_SECONDS = 0.05


def child(tree: str, url: str, csv_path: str) -> dict:
    """Import ``csv_path`` into the fresh database ``url`` with the code of ``tree``; return timings."""
    sys.path.insert(0, tree)
    import psutil
    from sqlalchemy import event

    import data.staging as staging
    from data.db import make_engine, upgrade_database
    from data.storage import import_sales_files

    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    statements: list[tuple[str, float]] = []
    backends: set[int] = set()

    @event.listens_for(engine, "connect")
    def _backend(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backends.add(int(cur.fetchone()[0]))

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany) -> None:
        took = time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        if took >= SLOW_SECONDS:
            statements.append((" ".join(statement.split())[:90], round(took, 3)))

    def timed(fn, label):
        """``fn`` recording its wall seconds under ``label(args)`` with the slow statements."""

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                statements.append((label(args), round(time.perf_counter() - start, 3)))

        return wrapper

    staging._copy_rows = timed(
        staging._copy_rows, lambda args: f"COPY {args[1]} (client builds + server reads)"
    )
    fill_catalogue = getattr(staging, "copy_into_empty_catalogue", None)
    if fill_catalogue is not None:  # trees that copy a first load's series into an empty catalogue
        staging.copy_into_empty_catalogue = timed(
            fill_catalogue, lambda args: "store_products first fill (all of it, statements above)"
        )
    with engine.connect():
        pass  # one pooled connection (the import's) before the clock starts
    server_cpu0 = _backend_cpu(backends)
    load0 = os.getloadavg()[0]
    start, cpu0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as uploads:
        result = import_sales_files(engine, [Path(csv_path)], uploaded_by="bench", upload_dir=uploads)[0]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    server_cpu = _backend_cpu(backends) - server_cpu0
    reads = _read_timings(engine)
    engine.dispose()
    return {
        "wall": round(wall, 3),
        "client_cpu": round(cpu, 3),
        "server_cpu": round(server_cpu, 3) if server_cpu >= 0 else None,
        "rows": result.rows_new,
        "load": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb": round(psutil.Process().memory_info().rss / 1_048_576),
        "statements": statements,
        "reads": reads,
    }


READS = {
    "all stores": {},
    "all stores, last 30 days": {"start": "last 30 days"},
    "one store": {"store": "S007"},
    "one product": {"product": "P003"},
    "one category": {"category": "Cat1"},
    "store + category": {"store": "S007", "category": "Cat1"},
}


def _read_timings(engine) -> dict[str, list[float]]:
    """Milliseconds of the dashboard's revenue-series reads right after the import: the first read
    of each (cold: hint bits, visibility map), then the median of five more."""
    import datetime as dt

    from data.queries import date_range, list_products, list_stores, load_revenue_series

    store, (product, category) = list_stores(engine)[7], list_products(engine)[3]
    start = (date_range(engine)[1] - dt.timedelta(days=29)).isoformat()
    names = {"S007": store, "P003": product, "Cat1": category, "last 30 days": start}
    timings: dict[str, list[float]] = {}
    for label, given in READS.items():
        kwargs = {k: names.get(v, v) for k, v in given.items()}
        runs = []
        for _ in range(6):
            start = time.perf_counter()
            load_revenue_series(engine, **kwargs)
            runs.append((time.perf_counter() - start) * 1000)
        timings[label] = [round(runs[0], 1), round(sorted(runs[1:])[2], 1)]
    return timings


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _backend_cpu(pids: set[int]) -> float:
    """CPU seconds used so far by the server: the backends ``pids`` plus every child the postmaster
    has reaped (the parallel index-build workers); -1 when ``/proc`` cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        stats = [_stat(pid) for pid in pids]
        postmaster = _stat(int(stats[0][1]))
    except (OSError, IndexError):
        return -1.0
    own = sum(int(f[11]) + int(f[12]) for f in stats)
    return (own + int(postmaster[13]) + int(postmaster[14])) / tick


def fresh_database(admin_url: str, name: str, icu_locale: str | None = None) -> str:
    """Create database ``name`` on the server of ``admin_url`` (a psycopg conninfo), with the ICU
    collation ``icu_locale`` (e.g. ``pt-BR``, as a Brazilian server's) when given; return its name."""
    import psycopg

    locale = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'" if icu_locale else ""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"{locale}')
    return name


def chain(rows: int, seed: int = 42):
    """A chain's shape: 200 stores × 1,000 products in 40 categories, Portuguese names, as many days as
    ``rows`` needs (the bench's default file has 50 stores × 20 products)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cities = np.array(["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Água Branca"])
    stores = np.array([f"Loja {cities[i % 5]} {i:03d}" for i in range(200)])
    words = np.array(["Açaí", "Café", "Feijão", "Arroz", "Óleo", "Pão", "Maçã", "Leite", "Sabão", "Chá"])
    products = np.array(
        [f"{words[i % 10]} {['Tipo', 'Extra', 'Orgânico'][i % 3]} {i:04d}" for i in range(1000)]
    )
    categories = np.array([f"Categoria {i % 40:02d}" for i in range(1000)])
    per_day = len(stores) * len(products)
    days = max(1, -(-rows // per_day))
    d, s, p = (
        a.ravel()[:rows] for a in np.meshgrid(np.arange(days), np.arange(200), np.arange(1000), indexing="ij")
    )
    dates = pd.date_range("2024-01-01", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy()
    return pd.DataFrame(
        {"date": dates[d], "store": stores[s], "category": categories[p], "product": products[p],
         "revenue": np.round(rng.gamma(2.0, 50.0, len(d)), 2), "units": rng.integers(0, 20, len(d))}
    )  # fmt: skip


def main() -> None:
    """Parse arguments, run the alternating imports and print one line per import plus a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare", help="another worktree (e.g. /work/main), imported in turns")
    parser.add_argument("--child", nargs=3, metavar=("TREE", "URL", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help="an already running private server (tests' kind)")
    parser.add_argument("--icu-locale", help="databases with this ICU collation, e.g. pt-BR")
    parser.add_argument("--chain", action="store_true", help="200 stores x 1,000 products, Portuguese names")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    sys.path.insert(0, str(HERE))
    from bench.bench_import import generate
    from tests.support.postgres import start_postgres

    server = start_postgres() if args.port is None else None
    port = server.port if server else args.port
    trees = [("branch", str(HERE))] + ([("compare", args.compare)] if args.compare else [])
    try:
        with tempfile.TemporaryDirectory(prefix="bench-first-load-") as tmp:
            csv_path = Path(tmp) / "sales.csv"
            (chain(args.rows) if args.chain else generate(args.rows)).to_csv(csv_path, index=False)
            admin = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
            runs: dict[str, list[dict]] = {label: [] for label, _ in trees}
            n = 0
            for _ in range(args.rounds):
                for label, tree in trees:
                    n += 1
                    name = fresh_database(admin, f"first_load_{n}", args.icu_locale)
                    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"
                    python = str(Path(tree) / ".venv/bin/python")
                    out = subprocess.run(
                        [python, __file__, "--child", tree, url, str(csv_path)],
                        check=True, capture_output=True, text=True, cwd=tree,
                    )  # fmt: skip
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    runs[label].append(result)
                    rate = result["rows"] / result["wall"]
                    print(
                        f"{label:8} wall {result['wall']:6.2f} s  {rate:9,.0f} rows/s  client CPU "
                        f"{result['client_cpu']:5.2f}  server CPU {result['server_cpu']}  "
                        f"load {result['load']}",
                        flush=True,
                    )
                    for statement, took in result["statements"]:
                        print(f"    {took:6.3f}  {statement}", flush=True)
                    reads = ", ".join(f"{k} {a}/{b}" for k, (a, b) in result["reads"].items())
                    print(f"    reads ms (first/median): {reads}", flush=True)
    finally:
        if server is not None:
            server.stop()
    for label, results in runs.items():
        walls = sorted(r["wall"] for r in results)
        print(f"{label}: wall {walls}, median {walls[len(walls) // 2]:.2f} s")


if __name__ == "__main__":
    main()
