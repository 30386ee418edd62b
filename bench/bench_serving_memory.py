"""Benchmark: what one level costs a serving worker, by number of series, served from the arrays or
from the Parquet companions (same snapshot, same run).

For each kept scale instance (``bench_scale.py --workdir``; its MASTERs published by this code, so
their snapshots carry the ``.arrays.f32`` companion) it takes the product level's served snapshot; with
``--synthetic K`` it also builds, from the largest one, a snapshot of K times its series (ids suffixed
``~k``, every row copied; ids, meta and arrays only — what a worker opens). Then, in a fresh interpreter
per (snapshot, mode), it opens the level as a worker does (``StoredForecaster.open``: LRU of 1,024
series / 16 MiB, warmed) and serves ``--reads`` random series (forecast with bounds, history,
back-test), and reports the growth of RSS, USS and anonymous RSS (``RssAnon``: memory that is the
worker's own, not the host's shared file cache) over the interpreter after its imports:

- ``arrays``: rows read by position from the arrays file (this branch);
- ``parquet``: the arrays file ignored, rows read per row group of the Parquet files (each file's
  parsed footer held: what workers did before, and still do for snapshots published without arrays).

Run: ``.venv/bin/python bench/bench_serving_memory.py --workdir DIR [--scales 1,10,100] [--synthetic 10]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from spawned import in_spawned_process  # noqa: E402


def _memory() -> dict[str, float]:
    """RSS, USS and anonymous RSS of this process (MiB)."""
    import psutil

    full = psutil.Process().memory_full_info()
    anon = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1]) / 1024
    return {"rss": full.rss / 2**20, "uss": full.uss / 2**20, "anon": anon}


def _measure(info: dict, mode: str, reads: int, out: Any) -> None:
    """Open the snapshot as a worker does, serve ``reads`` random series; send the memory growth."""
    import gc

    import models.stored as stored
    from data.forecast_store import SnapshotInfo
    from models.stored import StoredForecaster, release_unused_buffers

    if mode == "parquet":
        stored.open_arrays = lambda *args, **kwargs: None  # serve as a snapshot without the arrays file
    snapshot = SnapshotInfo(**info)
    gc.collect()
    before = _memory()
    model = StoredForecaster.open(snapshot)
    release_unused_buffers()
    opened = _memory()
    rng = random.Random(7)
    n = len(model.series_ids)
    for _ in range(reads):
        sid = model.series_ids[rng.randrange(n)]
        model.forecast(sid, 90, interval=0.95)
        model.history(sid)
        model.backtest(sid)
    gc.collect()
    release_unused_buffers()
    after = _memory()
    out.send(
        {
            "series": n,
            "cached": model.cached_series(),
            "open": {k: round(opened[k] - before[k], 1) for k in before},
            "after_reads": {k: round(after[k] - before[k], 1) for k in before},
            "base_rss": round(before["rss"], 1),
        }
    )


def product_snapshot(instance: Path) -> dict:
    """The product MASTER's served snapshot of a kept instance, as ``SnapshotInfo`` fields."""
    from data.db import make_engine
    from data.forecast_store import served_snapshots
    from models.registry import master_versions

    copies = instance.name.removeprefix("scale").split("-")[0]
    engine = make_engine(f"sqlite:///{instance / f'scale{copies}.db'}")
    snap = served_snapshots(engine, master_versions(engine))["product"]
    engine.dispose()
    return dataclasses.asdict(snap)


def synthetic(info: dict, times: int, folder: Path) -> dict:
    """A snapshot of ``times`` × the series of ``info`` (ids suffixed ``~k``, rows copied): its ids,
    meta and arrays files only (what ``StoredForecaster`` opens when the arrays exist)."""
    import pyarrow as pa

    from data.array_rows import ARRAYS_DTYPE
    from data.forecast_store import ARRAYS_SUFFIX, IDS_SUFFIX, META_SUFFIX, SnapshotInfo, companion
    from data.series_ids import SeriesIds

    source = SnapshotInfo(**info)
    ids = SeriesIds.open(companion(source, IDS_SUFFIX))
    n = len(ids)
    size = companion(source, ARRAYS_SUFFIX).stat().st_size
    width = size // (n * ARRAYS_DTYPE.itemsize)
    rows = np.memmap(companion(source, ARRAYS_SUFFIX), dtype=ARRAYS_DTYPE, mode="r", shape=(n, width))
    names = pa.array([f"{s}~{k:03d}" for s in ids for k in range(times)], type=pa.string())
    order = np.argsort(np.asarray(names.to_pylist(), dtype=object), kind="stable")  # sorted ids' rows
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-x{times}.parquet"
    SeriesIds(names.take(pa.array(order))).write(companion(path, IDS_SUFFIX))
    shutil.copyfile(companion(source, META_SUFFIX), companion(path, META_SUFFIX))
    with open(companion(path, ARRAYS_SUFFIX), "wb") as sink:
        for start in range(0, len(order), 50_000):
            sink.write(np.ascontiguousarray(rows[order[start : start + 50_000] // times]).tobytes())
    return {**info, "id": -1, "path": str(path), "n_series": n * times, "n_rows": 0}


def main(argv: list[str] | None = None) -> int:
    """Measure each snapshot in each mode and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--synthetic", type=int, default=0, help="also K × the largest scale's series")
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args(argv)
    work = Path(args.workdir)
    snapshots = {f"{k}×": product_snapshot(work / f"scale{k}-sqlite") for k in args.scales.split(",")}
    if args.synthetic:
        largest = int(args.scales.split(",")[-1])
        snapshots[f"{largest * args.synthetic}× (synthetic)"] = synthetic(
            snapshots[f"{largest}×"], args.synthetic, work / "synthetic"
        )
    results = []
    for name, info in snapshots.items():
        for mode in ("arrays", "parquet"):
            if mode == "parquet" and info["id"] < 0:
                continue  # the synthetic snapshot has no Parquet files
            got = in_spawned_process(_measure, info, mode, args.reads)
            results.append({"scale": name, "mode": mode, **got})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(
        "| scale | series | mode | open: RSS / USS / anon MiB | after reads: RSS / USS / anon MiB | cached |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        cells = [
            " / ".join(f"{r[when][k]:.1f}" for k in ("rss", "uss", "anon"))
            for when in ("open", "after_reads")
        ]
        print(f"| {r['scale']} | {r['series']:,} | {r['mode']} | {cells[0]} | {cells[1]} | {r['cached']} |")
    print(f"\n(load average {os.getloadavg()[0]:.1f}; {args.reads} random series read per cell)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
