"""How well the "my stores" band combination holds: the stores' back-test errors summed, against the
band that combining each store's own 80% error range gives with rho = 0 (independent stores, the rule
before), with the estimated error correlation (the rule now) and with rho = 1 (the plain sum).

Each store's range is the 80% quantile of its absolute back-test errors (daily, every fold); the sum of
a set of stores is covered on a (fold, day) when its summed error lies inside the combined range. This
checks the combination rule on the served models' own back-tests (in-sample for the ranges, so the
single-store coverage is 80% by construction), not the served intervals themselves.

    .venv/bin/python bench/bench_scope_band.py [--stores 5] [--seed 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.db import make_engine
from models.series import series_id
from services.forecast_view import RegistrySource
from services.scoping import error_correlation, errors_by_key
from tests.browser.forecast_server import build_trained_instance


def coverage(errors: np.ndarray, halves: np.ndarray, rho: float) -> float:
    """Share of (fold, day) pairs whose summed error lies within the combined half-width."""
    squares = float((halves**2).sum())
    width = np.sqrt(squares + rho * (float(halves.sum()) ** 2 - squares))
    return float((np.abs(errors.sum(axis=0)) <= width).mean())


def main() -> None:
    """Train a small demo, then print coverage per set of stores for rho = 0, estimated and 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_trained_instance(
            Path(tmp), seed=args.seed, n_stores=args.stores, n_products=8, end=dt.date(2025, 6, 30)
        )
        engine = make_engine(f"sqlite:///{Path(tmp) / 'trendsales.db'}")
        model = RegistrySource(engine).model("store")
        stores = sorted({sid.split("=", 1)[1] for sid in model.series_ids if sid != "store=*"})
        backtests = {s: model.backtest(series_id("store", store=s)) for s in stores}
        engine.dispose()
    rows = []
    for size in range(2, len(stores) + 1):
        for subset in itertools.combinations(stores, size):
            parts = [errors_by_key(backtests[s]) for s in subset]
            shared = parts[0][0]
            for keys, _ in parts[1:]:
                shared = np.intersect1d(shared, keys)
            errors = np.stack([e[np.searchsorted(k, shared)] for k, e in parts])
            halves = np.quantile(np.abs(errors), 0.8, axis=1)
            rho = error_correlation([backtests[s] for s in subset])
            rows.append((size, rho, *(coverage(errors, halves, r) for r in (0.0, rho, 1.0)), len(shared)))
    print("| stores | sets | mean rho | 80% coverage, rho 0 | estimated rho | rho 1 |")
    print("|---|---|---|---|---|---|")
    for size in sorted({r[0] for r in rows}):
        group = np.array([r[1:5] for r in rows if r[0] == size])
        means = group.mean(axis=0)
        print(
            f"| {size} | {len(group)} | {means[0]:.2f} | {means[1]:.1%} | {means[2]:.1%} | {means[3]:.1%} |"
        )


if __name__ == "__main__":
    main()
