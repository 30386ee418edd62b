"""Seeded synthetic sales frames for the engine tests (small, so real fits stay fast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.training import train_level
from tests.models import samples

_ALIASES = {"D": "D", "W": "W-MON", "M": "MS", "Q": "QS"}
_SEASON = {"D": 7, "W": 52, "M": 12, "Q": 4}


def make_sales(
    freq: str = "D",
    *,
    periods: int = 300,
    n_stores: int = 2,
    n_products: int = 4,
    seed: int = 0,
    start: str = "2021-01-04",
    trend: float = 0.3,
    noise: float = 8.0,
) -> pd.DataFrame:
    """Seasonal, trending, gamma-noise revenue per (date, store, product); product P03 launches late."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=periods, freq=_ALIASES[freq])
    t = np.arange(periods)
    m = _SEASON[freq]
    frames = []
    for s in range(n_stores):
        for p in range(n_products):
            base = rng.uniform(50, 150) * (1 + s)
            season = 1 + 0.4 * np.sin(2 * np.pi * (t + p) / m)
            mu = base * (1 + trend * t / periods) * season
            y = rng.gamma(noise, mu / noise)
            launch = periods // 3 if p == 3 else 0
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates[launch:],
                        "store": f"S{s + 1:02d}",
                        "category": f"C{p % 2}",
                        "product": f"P{p:02d}",
                        "revenue": y[launch:].round(2),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def daily_sales() -> pd.DataFrame:
    """About ten months of daily sales: 2 stores x 4 products, weekly season, trend."""
    return make_sales("D", periods=300)


@pytest.fixture(scope="session")
def weekly_sales() -> pd.DataFrame:
    """About three years of weekly sales (Monday anchors)."""
    return make_sales("W", periods=160, seed=4)


@pytest.fixture(scope="session")
def monthly_sales() -> pd.DataFrame:
    """Seven years of monthly sales."""
    return make_sales("M", periods=84, seed=1)


@pytest.fixture(scope="session")
def quarterly_sales() -> pd.DataFrame:
    """Twelve years of quarterly sales."""
    return make_sales("Q", periods=48, seed=2)


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    """The shared monthly sample (2 stores x 3 products, 60 months), for the registry and promotion tests."""
    return samples.monthly_sales()


@pytest.fixture(scope="module")
def naive_trained(sales: pd.DataFrame):
    """The store level trained with seasonal naive only."""
    return train_level(sales, "store", freq="M", config=samples.NAIVE_ONLY)


@pytest.fixture(scope="module")
def theta_trained(sales: pd.DataFrame):
    """The store level trained with seasonal naive and theta."""
    return train_level(sales, "store", freq="M", config=samples.WITH_THETA)
