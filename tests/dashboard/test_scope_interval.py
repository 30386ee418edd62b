"""The band of "my stores" (the sum of several stores' forecasts) follows how their errors move together:
the stores' back-test error correlation, between the quadrature sum (independent) and the plain sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.holder import ModelHolder
from models.series import series_id
from services.forecast_view import HolderSource
from services.scoping import StoreScope, combine_forecasts, error_correlation, scope_parts, scoped

DATES = pd.date_range("2025-01-06", periods=2, freq="W-MON")
A = pd.DataFrame({"date": DATES, "forecast": [10.0, 10.0], "lower": [7.0, 10.0], "upper": [14.0, 10.0]})
B = pd.DataFrame({"date": DATES, "forecast": [20.0, 5.0], "lower": [16.0, 5.0], "upper": [23.0, 5.0]})


def backtest(errors: np.ndarray, *, start: str = "2025-01-01") -> pd.DataFrame:
    """A back-test with the given errors (actual - forecast) over consecutive days of one fold."""
    dates = pd.date_range(start, periods=len(errors), freq="D")
    return pd.DataFrame({"date": dates, "actual": 100.0 + errors, "forecast": 100.0, "fold": 0})


@pytest.mark.parametrize(
    ("rho", "lower", "upper"),
    [
        (0.0, [25.0, 15.0], [35.0, 15.0]),  # 30 -/+ sqrt(3² + 4²), sqrt(4² + 3²)
        (1.0, [23.0, 15.0], [37.0, 15.0]),  # 30 -/+ (3 + 4), (4 + 3)
        (0.5, [30 - np.sqrt(25 + 0.5 * 24), 15.0], [30 + np.sqrt(25 + 0.5 * 24), 15.0]),
    ],
)
def test_the_band_widens_with_the_correlation(rho, lower, upper):
    combined = combine_forecasts([A, B], rho)
    assert combined["forecast"].tolist() == [30.0, 15.0]
    np.testing.assert_allclose(combined["lower"], lower)
    np.testing.assert_allclose(combined["upper"], upper)


def test_the_correlation_of_back_test_errors():
    rng = np.random.default_rng(3)
    shared, own = rng.normal(size=4000), rng.normal(size=(2, 4000))
    assert error_correlation([backtest(shared), backtest(2 * shared)]) == pytest.approx(1.0)
    assert error_correlation([backtest(own[0]), backtest(own[1])]) == pytest.approx(0.0, abs=0.05)
    half = [backtest(shared + own[0]), backtest(shared + own[1])]  # half the variance shared
    assert error_correlation(half) == pytest.approx(0.5, abs=0.05)
    assert error_correlation([backtest(shared), backtest(-shared)]) == 0.0  # clipped: never narrower


def test_only_shared_dates_count_and_too_little_means_independent():
    rng = np.random.default_rng(4)
    shared = rng.normal(size=400)
    late = backtest(shared[200:], start="2025-07-20")  # dates 200.. of the first part
    assert error_correlation([backtest(shared), late]) == pytest.approx(1.0)
    assert error_correlation([backtest(shared)]) == 0.0
    assert error_correlation([backtest(shared[:1]), backtest(shared[:1])]) == 0.0
    assert error_correlation([backtest(shared), backtest(shared, start="2030-01-01")]) == 0.0


def test_my_two_stores_band_lies_between_independent_and_the_plain_sum(holder, cache):
    """On trained demo models: the served "my stores" band of two stores is the estimated correlation's
    band, between the two bounds, around the sum of the two forecasts."""
    first, second = cache.get().stores[:2]
    plain = HolderSource.of(holder)
    source = scoped(plain, StoreScope(frozenset({first, second})))
    parts = [
        plain.forecast("store", series_id("store", store=s), 8, freq="W", interval=0.8)
        for s in (first, second)
    ]
    mine = source.forecast("store", series_id("store"), 8, freq="W", interval=0.8)
    model = plain.model("store")
    rho = error_correlation([model.backtest(series_id("store", store=s)) for s in (first, second)])
    assert 0.0 <= rho <= 1.0
    expected = combine_forecasts(parts, rho)
    np.testing.assert_allclose(mine[["forecast", "lower", "upper"]], expected[["forecast", "lower", "upper"]])
    narrow, wide = combine_forecasts(parts, 0.0), combine_forecasts(parts, 1.0)
    assert (mine["upper"] >= narrow["upper"] - 1e-9).all() and (mine["upper"] <= wide["upper"] + 1e-9).all()
    print(f"demo stores {first} + {second}: back-test error correlation {rho:.3f}")


def test_the_holder_computes_a_remembered_value_once_per_served_state(trained_engine):
    """The correlation of a manager's stores is computed once per served version, not per request."""
    holder = ModelHolder(trained_engine, poll_seconds=3600, cache_size=4)
    calls = []

    def compute() -> float:
        calls.append(1)
        return 0.25

    first = holder.remember(("k",), compute)
    again = HolderSource.of(holder).remember(("k",), compute)
    assert first == again == 0.25 and len(calls) == 1
    assert holder.remember(("other",), compute) == 0.25 and len(calls) == 2
    unbounded = ModelHolder(trained_engine, poll_seconds=3600, cache_size=0)
    unbounded.remember(("k",), compute)
    unbounded.remember(("k",), compute)
    assert len(calls) == 4  # no cache: computed every time


def test_a_scopes_parts_are_worked_out_once_per_served_version(holder, cache):
    """Which served series make up "my stores" is one pass over every served id: the holder keeps it per
    served version and scope, so the next request (a new ``ScopedModel``) reuses it."""
    first, second = cache.get().stores[:2]
    scope = StoreScope(frozenset({first, second}))
    source = scoped(HolderSource.of(holder), scope)
    mine = series_id("store")
    one, two = source.model("store"), source.model("store")
    assert one is not two
    assert one.parts(mine) is two.parts(mine)  # the same remembered tuple, not a second pass
    assert set(one.parts(mine)) == {series_id("store", store=s) for s in (first, second)}
    served = HolderSource.of(holder).model("store").series_ids
    assert scope_parts(served, scope)[""] == one.parts(mine)  # "store=*" is the sum of the stores
    other = scoped(HolderSource.of(holder), StoreScope(frozenset({first})))
    assert other.model("store").parts(mine) == (series_id("store", store=first),)
