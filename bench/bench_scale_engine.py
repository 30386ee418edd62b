"""Benchmark: the default engine (what ``train`` runs) on kept scale instances, with a memory profile.

``bench/bench_scale.py --workdir DIR`` keeps a chain at 1×, 10×, 100× the demo's series
(``DIR/scale<k>-sqlite``). This script copies such an instance (the original stays untouched) and runs
``run_training`` on it exactly as the ``train`` command does — every level in one process, the default
families, folds and budgets (overrides only through ``--train-env``), registry, promotion and publishing
— in a fresh spawned interpreter, and reports per level:

- **wall s** and **CPU s** (process CPU, every thread: LightGBM's too) of the level's segment (from the
  end of the previous level's last progress step to the end of its own; publishing after the last);
- **peak RSS** of the process, sampled every 0.25 s, per segment and overall (``ru_maxrss`` too);
- at each new RSS peak, the innermost frames of the training thread in this project's packages, so a
  peak names the code that reached it, and glibc's ``mallinfo2`` there (``heap``: bytes in use in the
  heap, in use in their own mappings, and free but kept in the heap), so a peak says how much of it is
  live and how much is freed memory the allocator held on to.

Run: ``.venv/bin/python bench/bench_scale_engine.py --from DIR --scales 1,10,100 [--train-env JSON]``;
raw results in ``bench/results/scale_engine_<UTC>.json``. Keep runs sequential (2 shared cores).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import resource
import shutil
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from spawned import in_spawned_process  # noqa: E402

OWN_PACKAGES = ("models", "data", "services")


def copy_instance(source: Path, target: Path, copies: int) -> str:
    """Copy a kept instance and point its registry and snapshot paths at the copy; its SQLite URL."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    db = target / f"scale{copies}.db"
    with sqlite3.connect(db) as conn:
        for table, column in (("forecast_snapshots", "path"), ("model_versions", "artifact_path")):
            conn.execute(f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (str(source), str(target)))
    return f"sqlite:///{db}"


def _own_frames(frame: Any, limit: int = 4) -> list[str]:
    """The innermost ``limit`` frames of ``frame``'s stack that are in this project's packages."""
    out = []
    while frame is not None and len(out) < limit:
        name = frame.f_code.co_filename
        rel = os.path.relpath(name, ROOT) if name.startswith(str(ROOT)) else ""
        if rel.split(os.sep, 1)[0] in OWN_PACKAGES:
            out.append(f"{rel}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return out


_MALLINFO2 = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")


class _MallInfo2(ctypes.Structure):
    _fields_: ClassVar = [(name, ctypes.c_size_t) for name in (*_MALLINFO2, "keepcost")]


def heap_mb() -> dict[str, int] | None:
    """glibc's heap in MB: ``in_use`` (heap chunks), ``mapped`` (chunks in their own mappings), ``free``
    (freed chunks the heap kept); None off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        info_fn = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    info_fn.restype = _MallInfo2
    info = info_fn()
    return {
        "in_use": round(info.uordblks / 2**20),
        "mapped": round(info.hblkhd / 2**20),
        "free": round(info.fordblks / 2**20),
    }


def _train_child(url: str, model_dir: str, overrides: dict[str, Any], out: Any) -> None:
    """Train every level as ``train`` does, sampling RSS and the stack; sends back the profile."""
    from app.config import Settings
    from data.db import make_engine
    from models.pipeline import run_training

    me = psutil.Process()
    main_id = threading.get_ident()
    events: list[tuple[float, float, str]] = []  # (wall, cpu, label) at each progress step
    samples: list[tuple[float, float]] = []  # (wall, rss MB)
    peaks: list[dict[str, Any]] = []  # each new peak: wall, rss, frames
    stop = threading.Event()

    def sample() -> None:
        best = 0.0
        while not stop.is_set():
            rss = me.memory_info().rss / 2**20
            now = time.perf_counter()
            samples.append((now, rss))
            if rss > best + 20:  # a new peak (20 MB steps, so the list stays short)
                best = rss
                frame = sys._current_frames().get(main_id)
                where = _own_frames(frame)
                peaks.append({"t": now, "rss_mb": round(rss), "where": where, "heap": heap_mb()})
            stop.wait(0.25)

    def progress(step: int, total: int, label: str) -> None:
        events.append((time.perf_counter(), time.process_time(), label))

    engine = make_engine(url)
    settings = Settings().with_overrides({"MODEL_DIR": model_dir, **overrides})
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0, c0 = time.perf_counter(), time.process_time()
    outcomes = run_training(engine, settings, source="bench", progress=progress)
    t_end, c_end = time.perf_counter(), time.process_time()
    stop.set()
    thread.join()
    engine.dispose()

    # segments: each level ends at its last progress step; publishing and settling after the last
    segments: list[dict[str, Any]] = []
    start_t, start_c = t0, c0
    levels = list(outcomes)
    for level in levels:
        mine = [e for e in events if e[2].startswith(f"{level}: ")]
        end_t, end_c = (mine[-1][0], mine[-1][1]) if mine else (start_t, start_c)
        segments.append(
            {"name": level, "t0": start_t, "t1": end_t, "wall": end_t - start_t, "cpu": end_c - start_c}
        )
        start_t, start_c = end_t, end_c
    segments.append(
        {
            "name": "settle+publish",
            "t0": start_t,
            "t1": t_end,
            "wall": t_end - start_t,
            "cpu": c_end - start_c,
        }
    )
    for seg in segments:
        inside = [rss for t, rss in samples if seg["t0"] <= t <= seg["t1"]]
        seg["peak_mb"] = round(max(inside)) if inside else None
        seg["t0"] = round(seg.pop("t0") - t0, 1)
        seg["t1"] = round(seg.pop("t1") - t0, 1)
    out.send(
        {
            "wall": t_end - t0,
            "cpu": c_end - c0,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "segments": segments,
            "levels": {
                lv: {
                    "series": o.n_series,
                    "ok": o.ok,
                    "error": o.error,
                    "promoted": o.promoted,
                    "winner": o.params.get("family"),
                    "wape": o.metrics.get("wape"),
                    "durations": o.durations,
                }
                for lv, o in outcomes.items()
            },
            "peaks": [{**p, "t": round(p["t"] - t0, 1)} for p in peaks],
            "events": [(round(t - t0, 1), round(c - c0, 1), label) for t, c, label in events],
        }
    )


def main(argv: list[str] | None = None) -> int:
    """Run the default engine on copies of the kept instances and print the per-level table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="bench_scale --workdir folder")
    parser.add_argument("--to", default="", help="where the copies go (default: a folder beside --from)")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--train-env", default="{}", help="JSON settings overrides (default: none)")
    args = parser.parse_args(argv)
    source = Path(args.source)
    target_root = Path(args.to) if args.to else source.parent / (source.name + "-engine")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    out_path = ROOT / "bench" / "results" / f"scale_engine_{stamp}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    overrides = json.loads(args.train_env)
    results: dict[str, Any] = {}
    for copies in (int(s) for s in args.scales.split(",") if s):
        target = target_root / f"scale{copies}-sqlite"
        url = copy_instance(source / f"scale{copies}-sqlite", target, copies)
        load = os.getloadavg()[0]
        result = in_spawned_process(_train_child, url, str(target / "models-engine"), overrides)
        result["load_before"], result["load_after"] = load, os.getloadavg()[0]
        results[str(copies)] = result
        print(f"×{copies}: {json.dumps(result, default=str)}", file=sys.stderr, flush=True)
        out_path.write_text(json.dumps({"args": vars(args), "results": results}, indent=1, default=str))
    print(table(results))
    print(f"\n(raw: {out_path})")
    return 0


def table(results: dict[str, Any]) -> str:
    """Per scale and segment: wall s, CPU s (ratios to the smallest scale) and peak RSS."""
    lines = [
        "| scale | segment | series | wall s (ratio) | CPU s (ratio) | peak RSS MB | winner | WAPE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    base = results[min(results, key=int)]
    for copies, r in sorted(results.items(), key=lambda kv: int(kv[0])):
        ref = {s["name"]: s for s in base["segments"]}
        for seg in r["segments"] + [
            {"name": "whole run", "wall": r["wall"], "cpu": r["cpu"], "peak_mb": r["peak_mb"]}
        ]:
            b = ref.get(seg["name"], {"wall": base["wall"], "cpu": base["cpu"]})
            lv = r["levels"].get(seg["name"], {})
            wape = lv.get("wape")
            wall = f"{seg['wall']:.0f} ({seg['wall'] / b['wall']:.1f}×)"
            cpu = f"{seg['cpu']:.0f} ({seg['cpu'] / b['cpu']:.1f}×)"
            lines.append(
                f"| {copies}× | {seg['name']} | {lv.get('series', '')} | {wall} | {cpu} "
                f"| {seg['peak_mb']:.0f} | {lv.get('winner', '')} | {'' if wape is None else f'{wape:.4f}'} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
