"""Benchmark: does reconciling the three levels help accuracy? Which method does the CV choose?

Trains every level of the default demo data with the default engine (as one training run does), then
reconciles the three served forecasters (``models.reconciliation.reconcile_masters``): per level, the
pooled back-test WAPE of the base forecasts and of each method (each fold reconciled with weights
estimated on the other folds), the chosen method, the time the serve-time reconciliation takes, and
the largest incoherence left (relative) at any node.

Run: ``.venv/bin/python bench/bench_reconciliation.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data.demo import generate_demo_sales
from data.schema import LEVELS
from models.reconciliation import METHODS, build_hierarchy, reconcile_masters
from models.training import DEFAULT_CONFIG, train_level


def main() -> None:
    sales = generate_demo_sales()
    base = {}
    for level in LEVELS:
        started = time.perf_counter()
        base[level] = train_level(sales, level, freq="D", config=DEFAULT_CONFIG).forecaster
        print(f"trained {level} in {time.perf_counter() - started:.0f} s", flush=True)
    categories = dict(zip(sales["product"], sales["category"], strict=True))
    reconcile_masters(base, categories)  # warm: the first call imports hierarchicalforecast
    started = time.perf_counter()
    result = reconcile_masters(base, categories)
    seconds = time.perf_counter() - started
    coherence = result.coherence
    hierarchy = build_hierarchy(base, categories)
    print(
        f"\n{len(hierarchy.nodes)} series ({hierarchy.n_bottom} store x product); "
        f"chosen: {coherence.method}; "
        f"reconcile (CV of {len(METHODS)} methods + final) {seconds:.2f} s\n"
    )
    print("| level | base WAPE | " + " | ".join(METHODS) + " | chosen vs base |")
    print("|---|---|" + "---|" * len(METHODS) + "---|")
    for level in LEVELS:
        row = coherence.scores[level]
        ratio = row[coherence.method] / row["base"]
        cells = " | ".join(f"{row[m]:.2%}" for m in METHODS)
        print(f"| {level} | {row['base']:.2%} | {cells} | {ratio:.3f} |")
    paths = np.vstack(
        [
            result.models[lv].tables.points[hierarchy.where[n][1]][None, :]
            for n in hierarchy.nodes
            for lv in (hierarchy.where[n][0],)
        ]
    ).astype(float)
    gap = np.abs(hierarchy.summing @ paths[-hierarchy.n_bottom :] - paths).max() / max(paths.max(), 1.0)
    print(f"\nlargest incoherence left (relative to the largest forecast): {gap:.1e}")


if __name__ == "__main__":
    main()
