"""train_level / rescore end to end on daily, monthly and quarterly data with tiny grids."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.evaluation import METRIC_KEYS
from models.training import TrainingConfig, rescore, train_level

ROOT = Path(__file__).resolve().parents[2]
TINY = TrainingConfig(
    n_folds=2,
    families=("theta", "ridge", "hgb"),
    grids={"theta": [{"theta": 2.0}], "ridge": [{"alpha": 1.0}], "hgb": [{"max_iter": 15, "max_rows": 5000}]},
)


@pytest.fixture(scope="module")
def daily_product(daily_sales):
    return train_level(daily_sales, "product", freq="D", config=TINY)


def test_daily_training_produces_a_complete_result(daily_product, daily_sales) -> None:
    tl = daily_product
    assert tl.level == "product" and tl.freq == "D"
    assert tl.n_series == 8 + 4  # 2 stores x 4 products + 4 all-store totals
    assert set(tl.metrics) == set(METRIC_KEYS) == set(tl.baseline_metrics)
    families = {"seasonal_naive", "theta", "ridge", "hgb", "combination", "per_series"}
    assert tl.best_params["family"] in families
    json.dumps(tl.best_params)  # JSON-able
    assert set(tl.durations) == {"features", "cv", "refit", "total"}
    assert tl.fingerprint["rows"] == len(daily_sales) and len(tl.fingerprint["sha256"]) == 64
    assert len(tl.folds.cutoffs) == 2 and tl.folds.horizon == 91  # 300 days leave room for 2 x 13 weeks
    table = tl.cv_table
    assert {"family", "params", "fold", "cutoff", *METRIC_KEYS} <= set(table.columns)
    assert set(table["fold"]) == {0, 1, "all"}
    assert set(table["family"]) >= {"seasonal_naive", "theta", "ridge", "hgb"}
    tl.forecaster.validate()


def test_winner_is_never_worse_than_seasonal_naive(daily_product) -> None:
    overall = daily_product.cv_table[daily_product.cv_table["fold"] == "all"]
    assert daily_product.metrics["wape"] <= daily_product.baseline_metrics["wape"]
    served = overall[overall["family"] == daily_product.best_params["family"]]
    assert daily_product.metrics["wape"] == pytest.approx(served["wape"].min())


def test_forecasts_are_non_negative_with_ordered_bounds(daily_product) -> None:
    f = daily_product.forecaster
    for sid in f.series_ids:
        out = f.forecast(sid, 90, interval=0.95)
        assert list(out.columns) == ["date", "forecast", "lower", "upper"]
        assert len(out) == 90
        assert (out["lower"] >= 0).all()
        assert (out["lower"] <= out["forecast"]).all() and (out["forecast"] <= out["upper"]).all()


def test_rescore_reproduces_the_cv_metrics_on_the_same_folds(daily_product, daily_sales) -> None:
    again = rescore(daily_product.best_params, daily_sales, "product", freq="D", folds=daily_product.folds)
    for key in METRIC_KEYS:
        assert again[key] == pytest.approx(daily_product.metrics[key], rel=1e-9, nan_ok=True)


def test_training_is_deterministic_and_survives_pickle_in_a_fresh_process(
    daily_product, daily_sales, tmp_path: Path
) -> None:
    again = train_level(daily_sales, "product", freq="D", config=TINY)
    sid = "store=*|product=P01"
    expected = daily_product.forecaster.forecast(sid, 60)
    pd.testing.assert_frame_equal(again.forecaster.forecast(sid, 60), expected)
    path = tmp_path / "f.pkl"
    path.write_bytes(pickle.dumps(daily_product.forecaster))
    code = (
        "import pickle, sys; f = pickle.load(open(sys.argv[1], 'rb')); "
        "print(f.forecast(sys.argv[2], 60).to_json(date_format='iso', double_precision=15))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), sid], capture_output=True, text=True, cwd=ROOT, check=True
    )
    fresh = pd.read_json(__import__("io").StringIO(out.stdout))
    assert np.allclose(fresh["forecast"].to_numpy(), expected["forecast"].to_numpy(), rtol=0, atol=1e-9)
    assert np.allclose(fresh["upper"].to_numpy(), expected["upper"].to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("fixture", "freq", "step"), [("monthly_sales", "M", "MS"), ("quarterly_sales", "Q", "QS")]
)
def test_monthly_and_quarterly_end_to_end(request, fixture: str, freq: str, step: str) -> None:
    sales = request.getfixturevalue(fixture)
    tl = train_level(sales, "category", freq=freq, config=TINY)
    assert tl.metrics["wape"] <= tl.baseline_metrics["wape"]
    f = tl.forecaster
    out = f.forecast("store=*|category=C0", 6)
    last = sales["date"].max()
    assert out["date"].tolist() == list(pd.date_range(last, periods=7, freq=step)[1:])
    assert (out["forecast"] > 0).all()
    assert f.backtest("store=*|category=C0")["fold"].nunique() == len(tl.folds.cutoffs)


def test_progress_is_reported_up_to_the_total(daily_sales) -> None:
    seen: list[tuple[int, int, str]] = []
    cfg = TrainingConfig(n_folds=2, families=("theta",), grids={"theta": [{"theta": 1.0}]})
    train_level(daily_sales, "store", freq="D", config=cfg, progress=lambda *a: seen.append(a))
    assert seen[-1][0] == seen[-1][1] == 2 * 2 + 1
    assert all(label.startswith("store: ") for _, _, label in seen)


def test_bad_configuration_is_refused_clearly(daily_sales) -> None:
    with pytest.raises(ValueError, match="unknown famil"):
        train_level(daily_sales, "store", freq="D", config=TrainingConfig(families=("prophet",)))
    with pytest.raises(ValueError, match="unknown level"):
        train_level(daily_sales, "region", freq="D")
    with pytest.raises(ValueError, match="bad parameters for family 'theta'"):
        train_level(daily_sales, "store", freq="D", config=TrainingConfig(grids={"theta": [{"bogus": 1}]}))


def test_local_models_are_budgeted_by_default_and_always_run_when_named(monthly_sales) -> None:
    from models.selection import local_scopes
    from models.series import level_panel
    from models.training import candidate_configs

    panel = level_panel(monthly_sales, "product", "M")
    configs = candidate_configs(TrainingConfig())
    ets = next(i for i, c in enumerate(configs) if c["family"] == "ets")
    small = local_scopes(panel, configs, budget=500.0, named=False)
    assert 0 < len(small[ets]) < panel.n_series  # the largest series first, within the budget
    volume = np.nansum(panel.values[:, -24:], axis=1)
    assert volume[small[ets]].min() >= np.median(volume)
    named = candidate_configs(TrainingConfig(families=("ets",)))
    assert [c["family"] for c in named] == ["seasonal_naive", "ets"]
    assert len(local_scopes(panel, named, budget=0.0, named=True)[1]) == panel.n_series
    # the CV refits monthly series at each of its folds: the budget counts every fit (each on the history
    # to its cutoff), so three folds cover fewer series than one fit per whole history
    budget = float(np.minimum(panel.n_obs(), 240)[small[ets]].sum())
    one_fit = local_scopes(panel, configs, budget=budget, named=False)
    cutoffs = [panel.length - 7, panel.length - 5, panel.length - 3]
    three = local_scopes(panel, configs, budget=budget, named=False, positions=cutoffs)
    assert len(one_fit[ets]) == len(small[ets])
    assert 0 < len(three[ets]) < len(small[ets])
    at_cutoffs = np.clip(np.array(cutoffs)[:, None] + 1 - panel.starts[None, :], 0, None)
    assert np.minimum(at_cutoffs, 240).sum(axis=0)[three[ets]].sum() <= budget
    # monthly levels' default budget is larger than the daily one: at least the series of one fit each
    from models.selection import LOCAL_BUDGET, LOCAL_BUDGETS

    assert LOCAL_BUDGETS["M"] >= 3 * LOCAL_BUDGETS["D"] == 3 * LOCAL_BUDGET
    wide = local_scopes(panel, configs, budget=None, named=False, positions=cutoffs)
    once = local_scopes(panel, configs, budget=LOCAL_BUDGET, named=False)
    assert wide.keys() == once.keys() and all(len(wide[c]) >= len(once[c]) for c in wide)
    cfg = TrainingConfig(n_folds=2, families=("ets",), grids={"ets": [{"seasonal": "mul"}]})
    tl = train_level(monthly_sales, "store", freq="M", config=cfg)
    assert set(tl.cv_table["family"]) <= {"seasonal_naive", "ets", "per_series"}
    assert tl.metrics["wape"] <= tl.baseline_metrics["wape"]


def test_weekly_end_to_end_with_monthly_view(weekly_sales) -> None:
    tl = train_level(weekly_sales, "store", freq="W", config=TINY)
    assert tl.folds.horizon == 13 and tl.metrics["wape"] <= tl.baseline_metrics["wape"]
    f = tl.forecaster
    weekly = f.forecast("store=*", 13)
    assert (weekly["date"].dt.day_of_week == 0).all()  # the data's Monday anchor
    monthly = f.forecast("store=*", 2, freq="M")
    assert (monthly["forecast"] > weekly["forecast"].iloc[:4].sum() * 0.5).all()


@pytest.mark.parametrize(("freq", "years"), [("M", 20), ("Q", 30)])
def test_a_reference_size_level_runs_every_standard_local_family_everywhere(freq: str, years: int) -> None:
    """150 series of 20 years of months (30 of quarters), three refit folds: the default budget runs
    AutoETS, AutoTheta and AutoARIMA on all of them. Under the budget before (90,000 units) such a monthly
    level ran AutoETS alone, and the engine lost to AutoARIMA on `us_employment` (0.70% against 0.44%)."""
    from models.selection import local_scopes
    from models.series import Panel, season_lengths
    from models.training import candidate_configs

    m = season_lengths(freq)[0]
    dates = pd.date_range("1990-01-01", periods=years * m + 3 * m, freq="MS" if freq == "M" else "QS")
    rng = np.random.default_rng(0)
    values = rng.gamma(5.0, 100.0, size=(150, len(dates)))
    panel = Panel(tuple(f"s{i:03d}" for i in range(150)), dates, values, freq, "MS" if freq == "M" else "QS")
    configs = candidate_configs(TrainingConfig())
    cutoffs = [panel.length - 1 - k * m for k in (3, 2, 1)]
    scopes = local_scopes(panel, configs, budget=None, named=False, positions=cutoffs)
    families = {configs[ci]["family"]: len(rows) for ci, rows in scopes.items() if len(rows)}
    assert {families[f] for f in ("ets", "theta", "arima")} == {150}
    before = local_scopes(panel, configs, budget=90_000.0, named=False, positions=cutoffs)
    arima = next(ci for ci, c in enumerate(configs) if c["family"] == "arima")
    assert len(before[arima]) < 150
