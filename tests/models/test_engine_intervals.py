"""Interval calibration and aggregation: coverage near nominal on simulated data, proper sums."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest

from models.intervals import aggregate_bounds, calibrate, calibrate_rho
from models.training import TrainingConfig, train_level

N_SERIES, DAYS, FUTURE = 30, 364, 56


@pytest.fixture(scope="module")
def simulated():
    """Stationary weekly-seasonal gamma noise per product; the future drawn from the same process."""
    rng = np.random.default_rng(11)
    dates = pd.date_range("2024-01-01", periods=DAYS + FUTURE, freq="D")  # Monday start: weeks align
    week = 1 + 0.3 * np.sin(2 * np.pi * np.arange(len(dates)) / 7)
    mu = rng.uniform(20, 200, N_SERIES)[:, None] * week[None, :]
    y = rng.gamma(6.0, mu / 6.0)
    frame = pd.DataFrame(
        {
            "date": np.tile(dates[:DAYS], N_SERIES),
            "store": "S01",
            "category": "C",
            "product": np.repeat([f"P{i:02d}" for i in range(N_SERIES)], DAYS),
            "revenue": y[:, :DAYS].reshape(-1),
        }
    )
    cfg = TrainingConfig(n_folds=3, families=("theta",), grids={"theta": [{"theta": 1.0}]})
    trained = train_level(frame, "product", freq="D", config=cfg)
    future = {f"store=S01|product=P{i:02d}": y[i, DAYS:] for i in range(N_SERIES)}
    return trained.forecaster, future


def test_daily_coverage_is_near_nominal(simulated) -> None:
    f, future = simulated
    hits = {0.8: [], 0.95: []}
    for sid, actual in future.items():
        for level in hits:
            out = f.forecast(sid, FUTURE, interval=level)
            hits[level] += list((actual >= out["lower"]) & (actual <= out["upper"]))
    assert 0.72 <= np.mean(hits[0.8]) <= 0.88
    assert 0.89 <= np.mean(hits[0.95]) <= 0.99


def test_weekly_sums_are_proper_and_cover(simulated) -> None:
    f, future = simulated
    hits = []
    for sid, actual in future.items():
        daily = f.forecast(sid, 7 * 8)
        weekly = f.forecast(sid, 8, freq="W")
        assert weekly["date"].tolist() == list(pd.date_range("2024-12-30", periods=8, freq="7D"))
        sums = daily["forecast"].to_numpy().reshape(8, 7).sum(axis=1)
        assert np.allclose(weekly["forecast"], sums)
        assert ((weekly["lower"] <= weekly["forecast"]) & (weekly["forecast"] <= weekly["upper"])).all()
        day_widths = (daily["upper"] - daily["lower"]).to_numpy().reshape(8, 7)
        week_widths = (weekly["upper"] - weekly["lower"]).to_numpy()
        assert (week_widths < day_widths.sum(axis=1) + 1e-9).all()  # errors partly cancel over a week
        assert (week_widths > day_widths.max(axis=1)).all()
        hits += list(
            (actual.reshape(8, 7).sum(axis=1) >= weekly["lower"])
            & (actual.reshape(8, 7).sum(axis=1) <= weekly["upper"])
        )
    assert 0.65 <= np.mean(hits) <= 0.95


def test_calibration_quantiles_bracket_zero_and_extend_with_sqrt_growth() -> None:
    rng = np.random.default_rng(0)
    residuals = rng.normal(size=(400, 10))
    cal = calibrate(residuals)
    assert np.all(cal.lo[0.8] < 0) and np.all(cal.hi[0.8] > 0)
    assert np.all(cal.hi[0.95] >= cal.hi[0.8])
    assert cal.hi[0.8].mean() == pytest.approx(1.2816, abs=0.15)
    assert cal.rho == pytest.approx(0.0, abs=0.1)  # independent residuals
    long = cal.extended(40)
    assert len(long.hi[0.8]) == 40 and long.hi[0.8][-1] > long.hi[0.8][9]


def test_aggregate_bounds_use_the_correlation() -> None:
    points = np.full(7, 10.0)
    lo, hi = np.full(7, -1.0), np.full(7, 1.0)
    _, l0, u0 = aggregate_bounds(points, 1.0, lo, hi, rho=0.0)
    _, l1, u1 = aggregate_bounds(points, 1.0, lo, hi, rho=1.0)
    assert u0 - l0 == pytest.approx(2 * np.sqrt(7))
    assert u1 - l1 == pytest.approx(14.0)  # perfectly correlated errors: widths add up


def test_aggregate_bands_stay_nested_with_skewed_residuals() -> None:
    """A 95% band built from skewed per-step quantiles still contains the 80% band after summing."""
    points = np.full(7, 100.0)
    lo80, hi80 = np.full(7, -5.0), np.full(7, 20.0)
    lo95, hi95 = np.full(7, -7.0), np.full(7, 60.0)  # long upper tail, as with sales spikes
    center = (lo80 + hi80) / 2
    for rho in (0.0, 0.4, 1.0):
        total, l80, u80 = aggregate_bounds(points, 1.0, lo80, hi80, rho, center)
        _, l95, u95 = aggregate_bounds(points, 1.0, lo95, hi95, rho, center)
        assert l95 <= l80 <= total <= u80 <= u95
    _, l1, u1 = aggregate_bounds(points, 1.0, lo95, hi95, 1.0, center)
    assert (l1, u1) == pytest.approx((700 - 49, 700 + 420))  # rho = 1: the per-step bounds add up


def test_sums_of_skewed_unbiased_errors_are_centred_on_the_mean_not_the_band_middle() -> None:
    """Right-skewed residuals with mean zero (most days a little over, a few days far under): the middle
    of the 80% band is well above zero, and summing that over a month pushed the lower bound up to the
    forecast itself. Centred on the (winsorised) mean residual, a month's band covers near nominal."""
    rng = np.random.default_rng(5)
    cal = calibrate(rng.exponential(1.0, size=(400, 30)) - 1.0)
    assert np.all(np.abs(cal.center) < 0.15)  # the typical residual: about zero
    assert ((cal.lo[0.8] + cal.hi[0.8]) / 2).mean() > 0.2  # the band's middle: well above it
    points = np.full(30, 100.0)
    total, lower, upper = aggregate_bounds(points, 1.0, cal.lo[0.8], cal.hi[0.8], cal.rho, cal.center)
    assert lower < total - 3.0 and upper > total + 3.0
    months = 3000.0 + rng.exponential(1.0, size=(20000, 30)).sum(axis=1) - 30.0
    assert 0.7 <= np.mean((months >= lower) & (months <= upper)) <= 0.9
    _, old_lower, _ = aggregate_bounds(points, 1.0, cal.lo[0.8], cal.hi[0.8], cal.rho)  # band middle
    assert old_lower > total - 1.0  # what managers saw: the lower bound stuck to the forecast
    long = cal.extended(60)
    assert len(long.center) == 60 and np.allclose(long.center[30:], cal.center.mean())


def test_artifacts_from_before_the_center_still_aggregate(simulated) -> None:
    """A forecaster pickled before ``ForecastTables.center`` existed unpickles with center None and
    aggregates around the middle of the 80% band, as it did when it was trained."""
    f, _ = simulated
    state = dict(f.tables.__dict__)
    del state["center"]
    old_tables = object.__new__(type(f.tables))
    old_tables.__dict__.update(state)  # what unpickling an older artifact produces
    old = dataclasses.replace(f, tables=pickle.loads(pickle.dumps(old_tables)))
    assert old.tables.center is None
    old.validate()
    weekly = old.forecast(next(iter(f.series_ids)), 4, freq="W")
    assert ((weekly["lower"] <= weekly["forecast"]) & (weekly["forecast"] <= weekly["upper"])).all()


def _decaying(rng: np.random.Generator, n: int, steps: int = 91) -> np.ndarray:
    """Residuals whose correlation decays with the lag (white noise + an AR(1), φ = 0.9): no single
    equicorrelation describes both 30-day and 91-day sums."""
    ar = np.zeros((n, steps))
    x = rng.standard_normal(n) * np.sqrt(1 / (1 - 0.81))
    for h in range(steps):
        x = 0.9 * x + rng.standard_normal(n)
        ar[:, h] = x
    return 2 * rng.standard_normal((n, steps)) + 0.5 * ar


def _month_coverage(cal, rho: float, fresh: np.ndarray, level: float) -> float:
    hits = []
    for start in (0, 30, 60):
        cols = np.arange(start, start + 30)
        _, lower, upper = aggregate_bounds(
            np.full(30, 1000.0), 1.0, cal.lo[level][cols], cal.hi[level][cols], rho, cal.center[cols]
        )
        sums = 30_000 + fresh[:, cols].sum(axis=1)
        hits.append(np.mean((sums >= lower) & (sums <= upper)))
    return float(np.mean(hits))


def test_rho_calibrated_on_month_sums_covers_fresh_months_where_the_moment_rho_does_not() -> None:
    rng = np.random.default_rng(3)
    train, fresh = _decaying(rng, 1500), _decaying(rng, 3000)
    cal = calibrate(train)
    windows = [(np.arange(1500), np.arange(s, min(s + 30, 91))) for s in (0, 30, 60)]
    rho = calibrate_rho(train, windows, cal)
    assert rho > cal.rho  # 91-day fold sums understate the correlation inside a month
    assert _month_coverage(cal, cal.rho, fresh, 0.8) < 0.72
    assert 0.76 <= _month_coverage(cal, rho, fresh, 0.8) <= 0.86
    assert 0.93 <= _month_coverage(cal, rho, fresh, 0.95) <= 0.99
    few = [(np.arange(5), np.arange(30))]
    assert calibrate_rho(train[:5], few, cal) == cal.rho  # too few sums: keep the moment estimate


def test_served_forecasters_carry_a_rho_per_display_frequency(simulated) -> None:
    f, _ = simulated
    assert set(f.tables.rho_by) == {"W", "M", "Q"}
    assert all(0.0 <= r <= 1.0 for r in f.tables.rho_by.values())
    older = dataclasses.replace(f, tables=dataclasses.replace(f.tables, rho_by=None))
    older.validate()  # artifacts from before the calibrated ρ aggregate with the moment one
    sid = f.series_ids[0]
    assert older.forecast(sid, 2, freq="M")["forecast"].equals(f.forecast(sid, 2, freq="M")["forecast"])
