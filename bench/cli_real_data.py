"""Smoke run: each real public dataset through the command line, as a new user would.

For every dataset of ``bench/real_data.py`` (at most ``--max-series`` series), a fresh instance gets
``init``, ``data import`` of the dataset written in the contract's file format (series spread over two
stores and three categories), ``train`` and ``forecast`` at every level; the forecast CSV must have the
contract's columns, the asked horizon, finite non-negative values and ``lower <= forecast <= upper``.
It found the 1990 date floor refusing 4 of 17 datasets (2026-12-01); all 17 pass since.

Run: ``.venv/bin/python bench/cli_real_data.py [--datasets a10,flights] [--max-series 20] [--workdir DIR]
[--holdout]``; ``--holdout`` takes the datasets of ``bench/holdout_data.py`` instead.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import holdout_data  # noqa: E402
import real_data  # noqa: E402

from tests.support.live_server import app_environment  # noqa: E402

FLASK = ROOT / ".venv" / "bin" / "flask"
COLUMNS = ["date", "forecast", "lower", "upper"]


def sales_file(ds: real_data.Dataset, path: Path) -> tuple[str, str, str]:
    """Write ``ds`` as a sales file; returns (store, category, product) of its first series."""
    ids = sorted(ds.df["unique_id"].unique())
    store = {u: f"S{i % 2 + 1}" for i, u in enumerate(ids)}
    category = {u: f"C{i % 3 + 1}" for i, u in enumerate(ids)}
    frame = pd.DataFrame(
        {
            "date": ds.df["ds"].dt.strftime("%Y-%m-%d"),
            "store": ds.df["unique_id"].map(store),
            "category": ds.df["unique_id"].map(category),
            "product": "P_" + ds.df["unique_id"].astype(str),
            "revenue": ds.df["y"].clip(lower=0).round(2),
        }
    )
    frame.to_csv(path, index=False)
    return store[ids[0]], category[ids[0]], f"P_{ids[0]}"


def forecast_problem(text: str, horizon: int) -> str | None:
    """What is wrong with a ``forecast`` CSV, or None."""
    frame = pd.read_csv(io.StringIO(text))
    values = frame[COLUMNS[1:]].to_numpy() if list(frame.columns) == COLUMNS else None
    if values is None or len(frame) != horizon:
        return f"columns {list(frame.columns)}, {len(frame)} rows"
    if not np.isfinite(values).all() or (values[:, 0] < 0).any():
        return "non-finite or negative forecast"
    if ((values[:, 1] > values[:, 0] + 1e-6) | (values[:, 0] > values[:, 2] + 1e-6)).any():
        return "forecast outside its bounds"
    return None


def run_dataset(name: str, max_series: int, workdir: Path, specs: dict | None = None) -> str:
    """One dataset (of ``specs``, default the main suite's) through the CLI; a one-line verdict."""
    ds = real_data.load(name, max_series=max_series, specs=specs)
    instance = workdir / name
    instance.mkdir(parents=True)
    store, category, product = sales_file(ds, instance / f"{name}.csv")
    env = app_environment(instance, TRENDSALES_ADMIN_PASSWORD="admin-pass-123", TRENDSALES_LANGUAGE="en")

    def flask(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    started = time.perf_counter()
    for step in (("init",), ("data", "import", str(instance / f"{name}.csv")), ("train",)):
        done = flask(*step)
        if done.returncode:
            return f"{name}: `{' '.join(step[:2])}` failed: {(done.stderr or done.stdout).strip()[-300:]}"
    h = str(ds.h)
    asks = (
        ("--level", "store", "--horizon", h),
        ("--level", "store", "--store", store, "--horizon", h),
        ("--level", "category", "--category", category, "--horizon", h),
        ("--level", "product", "--store", store, "--product", product, "--horizon", h),
    )
    for ask in asks:
        done = flask("forecast", *ask)
        problem = done.stderr.strip()[-300:] if done.returncode else forecast_problem(done.stdout, ds.h)
        if problem:
            return f"{name}: forecast {' '.join(ask)}: {problem}"
    return f"{name} ({ds.freq}, {ds.n_series} series): ok in {time.perf_counter() - started:.0f} s"


def main(argv: list[str] | None = None) -> int:
    """Run the datasets and print one line each; exit 1 when any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="", help="comma-separated (default: every dataset)")
    parser.add_argument("--holdout", action="store_true", help="the registry of bench/holdout_data.py")
    parser.add_argument("--max-series", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cli-real-data-"))
    specs = holdout_data.SPECS if args.holdout else real_data.SPECS
    names = [n.strip() for n in args.datasets.split(",") if n.strip()] or list(specs)
    verdicts = [run_dataset(name, args.max_series, workdir, specs) for name in names]
    print("\n".join(verdicts))
    return 0 if all(": ok in " in v for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
