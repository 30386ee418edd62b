"""Benchmark: what a serving worker holds per series, before and after (same run, same data).

For chains of N product series (``--series``, default the demo 425, 100× = 37,550 and 1,000,000) it
builds, once, a SQLite series catalogue (``store_products``: N (store, product) pairs, 20-character
names) and a product level's ids as a snapshot publishes them (the old meta JSON list and the new
``.ids.arrow`` file); then, in a fresh interpreter per (variant, N), it loads what a worker keeps:

- ``old``: the catalogue's ``carried`` as ``{store: frozenset(products)}`` (``carried_products``) and
  the served ids as a tuple parsed from the meta JSON — what main did;
- ``new``: ``CarriedIndex`` (``carried_index``) and ``SeriesIds`` memory-mapped from the ids file;

answers 2,000 membership questions of each kind, and reports RSS and USS (MiB) above the
interpreter's RSS after importing the app's modules. A separate pair of interpreters measures the
import itself with the code of ``--old-root`` (e.g. a checkout of main) and of this tree.

Run: ``.venv/bin/python bench/bench_worker_memory.py [--series 425,37550,1000000] [--old-root DIR]``
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from spawned import in_spawned_process  # noqa: E402


def chain(n: int) -> tuple[list[str], list[str]]:
    """Stores and products of a chain with ``n`` (store, product) pairs: 1 store per 40 products at
    most 1,000 products (the demo has 10 stores × ~37 products; 1M = 1,000 stores × 1,000 products)."""
    products = min(1000, max(40, round(n**0.5)))
    stores = -(-n // products)
    return [f"Loja {i:05d} Centro" for i in range(stores)], [
        f"Produto {j:05d} 500 g" for j in range(products)
    ]


def build(folder: Path, n: int) -> dict[str, str]:
    """The catalogue database and the ids files of a chain of ``n`` pairs; returns their paths."""
    from data.db import make_engine, upgrade_database
    from data.series_ids import SeriesIds

    stores, products = chain(n)
    pairs = [(s, p) for s in stores for p in products][:n]
    db = folder / f"cat{n}.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_database(engine)
    engine.dispose()
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO store_products (store, product, category) VALUES (?, ?, 'Mercearia')", pairs
        )
    ids = sorted({f"store={s}|product={p}" for s, p in pairs} | {f"store=*|product={p}" for p in products})
    meta = folder / f"ids{n}.meta.json"
    meta.write_text(json.dumps({"series_ids": ids}))
    arrow = folder / f"ids{n}.ids.arrow"
    SeriesIds.from_values(ids).write(arrow)
    return {"db": str(db), "meta": str(meta), "arrow": str(arrow), "series": str(len(ids))}


def _measure(variant: str, files: dict[str, str], out) -> None:
    """In a fresh interpreter: import the app's modules, then load what a worker keeps (``variant``)."""
    import gc
    import os

    import psutil

    os.environ.setdefault("TRENDSALES_DATABASE_URL", f"sqlite:///{files['db']}")
    import app  # noqa: F401  (the worker's imports, so only the data is measured below)
    from data.db import make_engine
    from data.queries import carried_index, carried_products
    from data.series_ids import SeriesIds

    me = psutil.Process()
    gc.collect()
    base = me.memory_full_info()
    engine = make_engine(f"sqlite:///{files['db']}")
    if variant == "old":
        carried = {s: frozenset(p) for s, p in carried_products(engine).items()}
        ids = tuple(json.loads(Path(files["meta"]).read_text())["series_ids"])
        served = set(ids)  # what each breakdown built per callback on main
    else:
        carried = carried_index(engine)
        ids = SeriesIds.open(files["arrow"])
        served = ids
    rng = random.Random(1)
    stores = list(carried)
    asked = [ids[rng.randrange(len(ids))] for _ in range(2000)]
    hits = sum(sid in served for sid in asked)
    carries = sum(len(carried[rng.choice(stores)]) > 0 for _ in range(2000))
    gc.collect()
    after = me.memory_full_info()
    engine.dispose()
    out.send(
        {
            "variant": variant,
            "rss_mb": (after.rss - base.rss) / 2**20,
            "uss_mb": (after.uss - base.uss) / 2**20,
            "base_rss_mb": base.rss / 2**20,
            "checks": hits + carries,
        }
    )


def measure(variant: str, files: dict[str, str]) -> dict:
    """``_measure`` in a spawned interpreter."""
    return in_spawned_process(_measure, variant, files)


IMPORT_PROBE = (
    "import os, sys, psutil; os.environ.setdefault('TRENDSALES_DATABASE_URL', 'sqlite:///:memory:');"
    "import app; heavy = [m for m in ('statsforecast', 'mlforecast', 'lightgbm', 'sklearn', 'dask', 'fugue')"
    " if m in sys.modules]; print(psutil.Process().memory_info().rss / 2**20, ','.join(heavy) or '-')"
)


def import_rss(root: Path) -> tuple[float, str]:
    """RSS (MiB) of an interpreter that imported the app package of ``root``, and the training
    libraries that import loaded."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    rss, heavy = done.stdout.split()
    return float(rss), heavy


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="425,37550,1000000")
    parser.add_argument("--old-root", default="", help="a checkout of the old code, for the import row")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-worker-mem-") as tmp:
        for n in (int(s) for s in args.series.split(",") if s):
            files = build(Path(tmp), n)
            old, new = measure("old", files), measure("new", files)
            rows.append((n, int(files["series"]), old, new))
            print(f"  {n}: old {old} new {new}", file=sys.stderr, flush=True)
    print(
        "| product series (pairs) | ids served | old: RSS / USS MiB above imports "
        "| new: RSS / USS MiB | old / new (USS) |"
    )
    print("|---|---|---|---|---|")
    for n, served, old, new in rows:
        ratio = old["uss_mb"] / new["uss_mb"] if new["uss_mb"] > 0.05 else float("inf")
        print(
            f"| {n:,} | {served:,} | {old['rss_mb']:.1f} / {old['uss_mb']:.1f} | {new['rss_mb']:.1f} / "
            f"{new['uss_mb']:.1f} | {ratio:.0f}× |"
        )
    roots = [("old", Path(args.old_root))] if args.old_root else []
    for name, root in [*roots, ("new", ROOT)]:
        rss, heavy = import_rss(root)
        print(f"\nimport app ({name}, {root}): RSS {rss:.0f} MiB; training libraries loaded: {heavy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
