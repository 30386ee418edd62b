"""Test data and the fast training configuration shared by the ops tests and their test server."""

from __future__ import annotations

import numpy as np
import pandas as pd


def monthly_sales(seed: int = 3, months: int = 60, start: str = "2019-01-01") -> pd.DataFrame:
    """Trend + yearly season + noise for 2 stores x 3 products (2 categories), month starts."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=months, freq="MS")
    t = np.arange(months)
    frames = []
    for s, store in enumerate(("S1", "S2")):
        for p, (product, category) in enumerate((("P1", "C1"), ("P2", "C1"), ("P3", "C2"))):
            level = 100.0 * (1 + s) * (1 + 0.5 * p)
            season = 1 + 0.1 * np.sin(2 * np.pi * (t + p) / 12)
            y = level * season * (1 + 0.03 * t) * rng.gamma(200, 1 / 200, months)
            frames.append(
                pd.DataFrame(
                    {"date": dates, "store": store, "category": category, "product": product, "revenue": y}
                )
            )
    return pd.concat(frames, ignore_index=True)
