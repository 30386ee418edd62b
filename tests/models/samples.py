"""A small seeded monthly panel and tiny engine settings shared by the registry and promotion tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.training import TrainingConfig

NAIVE_ONLY = TrainingConfig(n_folds=2, families=("seasonal_naive",))
WITH_THETA = TrainingConfig(
    n_folds=2, families=("seasonal_naive", "theta"), grids={"theta": {"theta": [2.0], "seasonal": [True]}}
)


def monthly_sales(seed: int = 3, months: int = 72) -> pd.DataFrame:
    """Trend + yearly season + noise per store and product, month starts (trend makes theta win)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2019-01-01", periods=months, freq="MS")
    t = np.arange(months)
    rows = []
    for s, store in enumerate(("S1", "S2")):
        for p, (product, category) in enumerate((("P1", "C1"), ("P2", "C1"), ("P3", "C2"))):
            level = 100.0 * (1 + s) * (1 + 0.5 * p)
            season = 1 + 0.1 * np.sin(2 * np.pi * (t + p) / 12)
            trend = 1 + 0.03 * t
            y = level * season * trend * rng.gamma(200, 1 / 200, months)
            rows.append(
                pd.DataFrame(
                    {"date": dates, "store": store, "category": category, "product": product, "revenue": y}
                )
            )
    return pd.concat(rows, ignore_index=True)
