"""Import benchmark: a seeded 1M-row sales CSV through parsing/validation and the SQLite import.

Run: ``.venv/bin/python bench/bench_import.py [--rows N]``. Prints a markdown table with wall
time, rows/s and peak extra memory (RSS sampled by psutil) of each step, plus two baselines
measured in the same run: plain ``pandas.read_csv`` of the same file, and a naive per-row ORM
upsert (``session.merge``) on a 20k-row sample, extrapolated to the full size.

``--postgres`` runs the PostgreSQL variant on a private throwaway server (the tests' one, with
``fsync=off``), ``--database-url URL`` on an existing empty database: staging the rows with
``COPY`` against the previous row inserts (insertmanyvalues) on the same frame in the same run,
then the whole import through ``COPY``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.db import make_engine, make_session_factory, upgrade_database
from data.ingest import read_sales_table
from data.queries import load_revenue_series, load_sales, sales_summary
from data.schema import Sale
from data.staging import create_staging, drop_staging, fill_staging
from data.storage import import_sales_files

ORM_SAMPLE = 20_000


@dataclass
class Measure:
    """One benchmark step: wall time, rows handled and peak extra resident memory."""

    step: str
    seconds: float = 0.0
    rows: int = 0
    cpu: float = 0.0
    peak_mb: float = 0.0
    note: str = ""


@contextmanager
def measured(step: str, rows: int, note: str = "") -> Iterator[Measure]:
    """Time the block and sample this process's RSS every 20 ms for the peak above the start."""
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], proc.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    m = Measure(step, rows=rows, note=note)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        m.cpu = time.process_time() - cpu_start
        done.set()
        thread.join()
        m.peak_mb = (max(peak[0], proc.memory_info().rss) - base) / 1_048_576


def generate(rows: int, seed: int = 42) -> pd.DataFrame:
    """A daily grid of stores × products × days with about ``rows`` rows (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    stores, products = 50, 20
    days = max(2, rows // (stores * products))
    dates = pd.date_range("2022-01-01", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy()
    d, s, p = np.meshgrid(np.arange(days), np.arange(stores), np.arange(products), indexing="ij")
    d, s, p = d.ravel()[:rows], s.ravel()[:rows], p.ravel()[:rows]
    return pd.DataFrame(
        {
            "date": dates[d],
            "store": np.char.add("S", np.char.zfill(s.astype(str), 3)),
            "category": np.char.add("Cat", (p % 5).astype(str)),
            "product": np.char.add("P", np.char.zfill(p.astype(str), 3)),
            "revenue": np.round(rng.gamma(2.0, 50.0, len(d)), 2),
            "units": rng.integers(0, 20, len(d)),
        }
    )


def naive_orm_upsert(engine_url: str, frame: pd.DataFrame) -> None:
    """The baseline we avoid: one ORM object merged per row, then one commit."""
    engine = make_engine(engine_url)
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        for row in frame.itertuples(index=False):
            session.merge(
                Sale(
                    date=pd.Timestamp(row.date).date(), store=row.store, product=row.product,
                    category=row.category, revenue=float(row.revenue), units=float(row.units),
                )
            )  # fmt: skip
        session.commit()
    engine.dispose()


def parse_steps(csv_path: Path, rows: int) -> list[Measure]:
    """Parse + validate the file row by row (the check before distinct values), then as imports do."""
    with measured("parse + validate row by row (before: read_sales_table(distinct=False))", rows) as slow:
        read_sales_table(csv_path, distinct=False)
    with measured("parse + validate once per distinct value (read_sales_table)", rows) as fast:
        read_sales_table(csv_path)
    fast.note = f"{slow.cpu / max(fast.cpu, 1e-9):.1f}x less CPU than row by row"
    return [slow, fast]


def run(rows: int, workdir: Path) -> list[Measure]:
    """Run every step once and return the measures in order."""
    results: list[Measure] = []
    frame = generate(rows)
    csv_path = workdir / "sales_1m.csv"
    frame.to_csv(csv_path, index=False)
    size_mb = csv_path.stat().st_size / 1_048_576

    with measured("baseline: pandas.read_csv", rows, f"{size_mb:.0f} MB file, no validation") as m:
        pd.read_csv(csv_path)
    results.append(m)
    results += parse_steps(csv_path, rows)

    engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    upgrade_database(engine)
    upload_dir = workdir / "uploads"

    def do_import(path: Path) -> Any:
        return import_sales_files(engine, [path], uploaded_by="bench", upload_dir=upload_dir)[0]

    with measured("import into empty SQLite (parse + write)", rows) as m:
        first = do_import(csv_path)
    m.note = f"{first.rows_new:,} new"
    results.append(m)
    parse = results[2]
    first_seconds = m.seconds - parse.seconds
    results.append(
        Measure("  of which database work", first_seconds, rows, m.cpu - parse.cpu, note="estimated")
    )

    with measured("re-import identical file (sha256 no-op)", rows) as m:
        same = do_import(csv_path)
    m.note = same.status
    results.append(m)

    changed = frame.copy()
    rng = np.random.default_rng(7)
    picked = rng.choice(len(changed), size=len(changed) // 10, replace=False)
    changed.loc[picked, "revenue"] = changed.loc[picked, "revenue"] + 1.0
    changed_path = workdir / "sales_1m_changed.csv"
    changed.to_csv(changed_path, index=False)
    with measured("re-import with 10% of keys changed", rows) as m:
        upd = do_import(changed_path)
    m.note = f"{upd.rows_replaced:,} replaced, {upd.rows_unchanged:,} unchanged"
    results.append(m)

    queries: list[tuple[str, Callable[[], Any]]] = [
        ("query: revenue series, all stores", lambda: load_revenue_series(engine)),
        ("query: revenue series, one store", lambda: load_revenue_series(engine, store="S007")),
        ("query: revenue series, one product", lambda: load_revenue_series(engine, product="P003")),
        ("query: revenue series, store + category",
         lambda: load_revenue_series(engine, store="S007", category="Cat1")),
        ("query: load_sales, everything", lambda: load_sales(engine)),
        ("query: sales_summary", lambda: sales_summary(engine)),
    ]  # fmt: skip
    for label, fn in queries:
        with measured(label, 0) as m:
            out = fn()
        m.rows = len(out) if hasattr(out, "__len__") and not isinstance(out, dict) else 1
        results.append(m)
    engine.dispose()

    sample = frame.iloc[:ORM_SAMPLE]
    with measured(f"baseline: naive ORM merge per row ({ORM_SAMPLE:,} rows)", ORM_SAMPLE) as m:
        naive_orm_upsert(f"sqlite:///{workdir / 'naive.db'}", sample)
    results.append(m)
    extrapolated = m.seconds * rows / ORM_SAMPLE
    results.append(
        Measure(
            "  naive ORM extrapolated to all rows", extrapolated, rows,
            note=f"{extrapolated / max(first_seconds, 1e-9):.0f}x our database work",
        )
    )  # fmt: skip
    return results


def run_postgres(rows: int, workdir: Path, url: str) -> list[Measure]:
    """PostgreSQL: staging by COPY vs row inserts on the same rows, then the whole import by COPY."""
    results: list[Measure] = []
    frame = generate(rows)
    csv_path = workdir / "sales_1m.csv"
    frame.to_csv(csv_path, index=False)
    table = read_sales_table(csv_path)
    staged = table.frame
    engine = make_engine(url)
    upgrade_database(engine)
    for label, use_copy in (("before: stage rows by INSERT (insertmanyvalues)", False),
                            ("after: stage rows by COPY", True)):  # fmt: skip
        with engine.begin() as conn:
            create_staging(conn)
            with measured(label, len(staged)) as m:
                fill_staging(conn, staged, use_copy=use_copy)
            drop_staging(conn)
        results.append(m)
    before, after = results
    after.note = f"{before.seconds / max(after.seconds, 1e-9):.1f}x faster than INSERT"
    steps = parse_steps(csv_path, rows)
    results += steps
    parse = steps[1]
    upload_dir = workdir / "uploads"

    def do_import(path: Path) -> Any:
        return import_sales_files(engine, [path], uploaded_by="bench", upload_dir=upload_dir)[0]

    with measured("import into empty PostgreSQL (parse + write, COPY, indexes built after)", rows) as m:
        first = do_import(csv_path)
    m.note = f"{first.rows_new:,} new"
    first_seconds = m.seconds
    results.append(m)
    db_seconds = m.seconds - parse.seconds
    results.append(Measure("  of which database work (COPY)", db_seconds, rows, m.cpu - parse.cpu,
                           note="estimated: import minus parse"))  # fmt: skip
    estimate = db_seconds - after.seconds + before.seconds
    ratio = estimate / max(db_seconds, 1e-9)
    note = f"estimated; the COPY import is {ratio:.2f}x faster"
    results.append(Measure("  database work with INSERT staging (before)", estimate, rows, note=note))
    later = frame.assign(
        date=(pd.to_datetime(frame["date"]) + pd.Timedelta(days=-3650)).dt.strftime("%Y-%m-%d")
    )
    later_path = workdir / "sales_1m_later.csv"
    later.to_csv(later_path, index=False)
    with measured("import as many new keys into the filled table (COPY, indexes kept)", rows) as m:
        added = do_import(later_path)
    m.note = f"{added.rows_new:,} new; the first load was {m.seconds / max(first_seconds, 1e-9):.2f}x faster"
    results.append(m)
    changed = frame.copy()
    rng = np.random.default_rng(7)
    picked = rng.choice(len(changed), size=len(changed) // 10, replace=False)
    changed.loc[picked, "revenue"] = changed.loc[picked, "revenue"] + 1.0
    changed_path = workdir / "sales_1m_changed.csv"
    changed.to_csv(changed_path, index=False)
    with measured("re-import with 10% of keys changed (COPY)", rows) as m:
        upd = do_import(changed_path)
    m.note = f"{upd.rows_replaced:,} replaced, {upd.rows_unchanged:,} unchanged"
    results.append(m)
    engine.dispose()
    return results


def markdown(results: list[Measure]) -> str:
    """The results as a markdown table."""
    lines = [
        "| step | wall s | CPU s | rows/s (wall) | peak extra MB | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for m in results:
        rate = f"{m.rows / m.seconds:,.0f}" if m.rows and m.seconds else "-"
        peak = f"{m.peak_mb:,.0f}" if m.peak_mb else "-"
        cpu = f"{m.cpu:.2f}" if m.cpu else "-"
        lines.append(f"| {m.step} | {m.seconds:.2f} | {cpu} | {rate} | {peak} | {m.note} |")
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run the benchmark in a temporary folder and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the generated CSV")
    parser.add_argument("--postgres", action="store_true", help="on a private throwaway PostgreSQL")
    parser.add_argument("--database-url", help="on this (empty) PostgreSQL database instead")
    args = parser.parse_args()
    server = None
    url = args.database_url
    if args.postgres and url is None:
        from tests.support.postgres import start_postgres

        server = start_postgres()
        url = server.create_database("bench_import")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            results = run_postgres(args.rows, Path(tmp), url) if url else run(args.rows, Path(tmp))
    finally:
        if server is not None:
            server.stop()
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kind = "PostgreSQL" if url else "SQLite"
    print(f"Import benchmark, {args.rows:,} rows, {kind}, {psutil.cpu_count()} CPUs, load average {load}\n")
    print(markdown(results))
    print(f"\nPeak RSS of the benchmark process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
