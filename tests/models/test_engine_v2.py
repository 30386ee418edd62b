"""Engine v2: per-series selection, intermittent models, always serving, holidays, artifact format."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.config import Settings
from data.storage import import_sales_frame
from models.artifacts import ArtifactError, load_artifact, save_artifact
from models.features import calendar_features, holiday_flags
from models.forecaster import FORMAT_VERSION
from models.pipeline import TrainingError, run_training, training_config
from models.registry import master_versions
from models.series import series_id
from models.training import TrainingConfig, train_level

FAMILIES = ("seasonal_naive", "lgbm", "ets", "intermittent")


def mixed_sales(periods: int = 210, seed: int = 3) -> pd.DataFrame:
    """Daily sales of one store: two smooth weekly-seasonal products and one intermittent product."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=periods, freq="D")
    t = np.arange(periods)
    weekly = 1 + 0.5 * np.sin(2 * np.pi * t / 7)
    frames = []
    for product, y in (
        ("SMOOTH1", 200 * weekly * (1 + 0.002 * t) * rng.gamma(50, 1 / 50, periods)),
        ("SMOOTH2", 120 * weekly * rng.gamma(50, 1 / 50, periods)),
        ("RARE", np.where(rng.random(periods) < 0.12, rng.gamma(4, 10, periods), 0.0)),
    ):
        frames.append(
            pd.DataFrame({"date": dates, "store": "S1", "category": "C", "product": product, "revenue": y})
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def mixed_product():
    cfg = TrainingConfig(n_folds=3, families=FAMILIES)
    return train_level(mixed_sales(), "product", freq="D", config=cfg)


def _served(trained, sid: str) -> dict:
    params = trained.best_params
    if params["family"] != "per_series":
        return params
    return params["members"][params["assignment"].get(sid, params["default"])]


def test_an_intermittent_series_gets_an_intermittent_model(mixed_product) -> None:
    rare = _served(mixed_product, series_id("product", store="S1", product="RARE"))
    assert rare["family"] == "intermittent", rare
    assert rare["model"] in {"CrostonOptimized", "TSB", "ADIDA", "IMAPA"}


def test_per_series_selection_picks_different_models_and_records_the_mix(mixed_product) -> None:
    params = mixed_product.best_params
    assert params["family"] == "per_series"
    smooth = _served(mixed_product, series_id("product", store="S1", product="SMOOTH1"))
    rare = _served(mixed_product, series_id("product", store="S1", product="RARE"))
    assert smooth != rare
    assert sum(params["mix"].values()) == mixed_product.n_series
    assert mixed_product.forecaster.params["mix"] == params["mix"]
    assert mixed_product.metrics["wape"] <= mixed_product.baseline_metrics["wape"]
    for sid in mixed_product.forecaster.series_ids:
        out = mixed_product.forecaster.forecast(sid, 28)
        assert len(out) == 28 and (out["lower"] <= out["forecast"]).all()
        assert not mixed_product.forecaster.backtest(sid).empty


def test_selection_survives_pickle_and_is_refused_when_from_a_newer_format(
    mixed_product, tmp_path: Path
) -> None:
    f = mixed_product.forecaster
    assert f.format_version == FORMAT_VERSION
    path = save_artifact(f, tmp_path / "model.joblib")
    again = load_artifact(path, expected_level="product")
    sid = f.series_ids[-1]
    pd.testing.assert_frame_equal(again.forecast(sid, 14), f.forecast(sid, 14))

    old = pickle.loads(pickle.dumps(f))
    del old.__dict__["format_version"]  # as pickled before the field existed
    older = pickle.loads(pickle.dumps(old))
    assert older.format_version == 1
    pd.testing.assert_frame_equal(older.forecast(sid, 14), f.forecast(sid, 14))

    newer = pickle.loads(pickle.dumps(f))
    object.__setattr__(newer, "format_version", FORMAT_VERSION + 1)
    save_artifact(newer, tmp_path / "newer.joblib")
    with pytest.raises(ArtifactError, match=r"newer than this engine reads .*retrain"):
        load_artifact(tmp_path / "newer.joblib")


def weekly_44(n_products: int = 5, seed: int = 8) -> pd.DataFrame:
    """44 weeks (less than one yearly season) of weekly sales of 5 products in 2 stores."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=44, freq="W-MON")
    frames = []
    for store in ("S1", "S2"):
        for p in range(n_products):
            level = rng.uniform(50, 200)
            y = level * (1 + 0.01 * np.arange(44)) * rng.gamma(20, 1 / 20, 44)
            frames.append(
                pd.DataFrame(
                    {"date": dates, "store": store, "category": f"C{p % 2}", "product": f"P{p}", "revenue": y}
                )
            )
    return pd.concat(frames, ignore_index=True)


def test_44_weeks_of_weekly_data_serve_every_level(engine: Engine, tmp_path: Path) -> None:
    result = import_sales_frame(engine, weekly_44(), filename="weekly.csv", uploaded_by="test")
    assert result.status == "imported", result
    outcomes = run_training(engine, Settings().with_overrides({"MODEL_DIR": str(tmp_path / "models")}))
    assert all(o.ok and o.promoted for o in outcomes.values()), outcomes
    assert set(master_versions(engine)) == {"store", "category", "product"}
    from models.holder import ModelHolder

    holder = ModelHolder(engine)
    for level, sid in (
        ("store", "store=S1"),
        ("category", "store=*|category=C0"),
        ("product", "store=S2|product=P3"),
    ):
        out = holder.forecast(level, sid, 8)
        assert len(out) == 8 and (out["forecast"] > 0).all()


def test_holiday_country_switch_changes_the_features() -> None:
    dates = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    br = calendar_features(dates, "D", "BR")
    us = calendar_features(dates, "D", "US")
    none = calendar_features(dates, "D", "none")
    assert br["holiday"][dates.get_loc(pd.Timestamp("2025-09-07"))] == 1  # Brazilian independence day
    assert us["holiday"][dates.get_loc(pd.Timestamp("2025-07-04"))] == 1
    assert br["holiday"][dates.get_loc(pd.Timestamp("2025-07-04"))] == 0
    assert not np.array_equal(br["holiday"], us["holiday"]) and none["holiday"].sum() == 0
    assert us["pre_holiday"][dates.get_loc(pd.Timestamp("2025-07-03"))] == 1
    by = calendar_features(dates, "D", "DE-BY")["holiday"]
    de = calendar_features(dates, "D", "DE")["holiday"]
    assert by.sum() > de.sum()  # Bavaria has more public holidays than Germany as a whole
    assert [f.__name__ for f in holiday_flags("US")] == ["holiday", "pre_holiday"] and holiday_flags(
        "none"
    ) == []


def test_holidays_setting_reaches_training_and_bad_codes_are_refused() -> None:
    assert training_config(Settings()).holidays == "BR"
    assert training_config(Settings(holidays="US-CA")).holidays == "US-CA"
    with pytest.raises(TrainingError, match=r"HOLIDAYS.*unknown holiday country 'XX'"):
        training_config(Settings(holidays="XX"))
    from models.candidates.mlf import MLForecastGlobal
    from models.series import level_panel

    sales = mixed_sales(periods=120)
    br = level_panel(sales, "store", "D", "BR")
    us = level_panel(sales, "store", "D", "US")
    a = MLForecastGlobal()._pipeline(br).preprocess(br.to_long(), dropna=False)
    b = MLForecastGlobal()._pipeline(us).preprocess(us.to_long(), dropna=False)
    assert {"holiday", "pre_holiday"} <= set(a.columns)
    assert a.loc[a["ds"] == "2023-04-21", "holiday"].eq(1).all()  # Tiradentes
    assert b.loc[b["ds"] == "2023-04-21", "holiday"].eq(0).all()
    assert b.loc[b["ds"] == "2023-01-16", "holiday"].eq(1).all()  # Martin Luther King Jr. Day
