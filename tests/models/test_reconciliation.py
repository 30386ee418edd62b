"""Reconciliation: the served levels add up at every node after a small real fit of all three levels."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from models.reconciliation import METHODS, build_hierarchy, choose_method, reconcile_masters
from models.series import series_id
from models.training import TrainingConfig, train_level
from tests.models.conftest import make_sales

FAST = TrainingConfig(n_folds=2, families=("seasonal_naive", "theta", "ets"))
STORES = ("S01", "S02", "S03")


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    """Ten months of daily sales, 3 stores x 5 products in 2 categories (P03 launches late)."""
    return make_sales("D", periods=300, n_stores=3, n_products=5, seed=11)


@pytest.fixture(scope="module")
def base(sales: pd.DataFrame) -> dict:
    """The three levels trained separately, as the pipeline does (their base forecasts do not add up)."""
    return {
        lv: train_level(sales, lv, freq="D", config=FAST).forecaster
        for lv in ("store", "category", "product")
    }


@pytest.fixture(scope="module")
def categories(sales: pd.DataFrame) -> dict[str, str]:
    return dict(zip(sales["product"], sales["category"], strict=True))


def _points(models: dict, level: str, sid: str) -> np.ndarray:
    model = models[level]
    return model.tables.points[model.series_ids.index(sid)].astype(float)


def _check_adds_up(models: dict, categories: dict[str, str], rtol: float = 1e-5) -> int:
    """Assert every node equals the sum of its children; return the number of sums checked."""
    products = sorted(categories)
    cats = sorted(set(categories.values()))
    sums = []
    total = _points(models, "store", series_id("store"))
    sums.append((total, [_points(models, "store", series_id("store", s)) for s in STORES]))
    for s in STORES:
        store = _points(models, "store", series_id("store", s))
        mine = [p for p in products if series_id("product", s, product=p) in models["product"].series_ids]
        sums.append(
            (store, [_points(models, "category", series_id("category", s, category=c)) for c in cats])
        )
        sums.append((store, [_points(models, "product", series_id("product", s, product=p)) for p in mine]))
        for c in cats:
            in_c = [p for p in mine if categories[p] == c]
            sums.append(
                (
                    _points(models, "category", series_id("category", s, category=c)),
                    [_points(models, "product", series_id("product", s, product=p)) for p in in_c],
                )
            )
    for c in cats:
        sums.append(
            (
                _points(models, "category", series_id("category", category=c)),
                [_points(models, "category", series_id("category", s, category=c)) for s in STORES],
            )
        )
    for p in products:
        parts = [series_id("product", s, product=p) for s in STORES]
        sums.append(
            (
                _points(models, "product", series_id("product", product=p)),
                [_points(models, "product", sid) for sid in parts if sid in models["product"].series_ids],
            )
        )
    for parent, children in sums:
        np.testing.assert_allclose(parent, np.sum(children, axis=0), rtol=rtol, atol=1e-3)
    return len(sums)


def test_base_forecasts_do_not_add_up_but_reconciled_ones_do_at_every_node(base, categories) -> None:
    with pytest.raises(AssertionError):
        _check_adds_up(base, categories)
    result = reconcile_masters(base, categories)
    assert result.coherence.coherent, result.coherence.reason
    assert result.coherence.method in METHODS
    assert _check_adds_up(result.models, categories) == 1 + 3 * 2 + 3 * 2 + 2 + 5
    for model in result.models.values():
        model.validate()  # non-negative, finite, same shapes: it can be served and saved
        assert (model.tables.points >= 0).all()


def test_served_views_add_up_weekly_and_monthly(base, categories) -> None:
    served = reconcile_masters(base, categories).models
    for freq, horizon in (("D", 30), ("W", 8), ("M", 3)):
        total = served["store"].forecast("store=*", horizon, freq=freq)["forecast"].to_numpy()
        stores = sum(
            served["store"].forecast(f"store={s}", horizon, freq=freq)["forecast"].to_numpy() for s in STORES
        )
        np.testing.assert_allclose(total, stores, rtol=1e-5)
        c0 = served["category"].forecast("store=S02|category=C0", horizon, freq=freq)["forecast"].to_numpy()
        parts = [
            served["product"].forecast(f"store=S02|product={p}", horizon, freq=freq)["forecast"].to_numpy()
            for p, c in sorted(categories.items())
            if c == "C0"
        ]
        np.testing.assert_allclose(c0, np.sum(parts, axis=0), rtol=1e-5)


def test_method_is_chosen_by_cv_and_reported_per_level(base, categories) -> None:
    coherence = reconcile_masters(base, categories).coherence
    assert set(coherence.scores) == {"store", "category", "product"}
    for row in coherence.scores.values():
        assert set(row) == {"base", *METHODS}
        assert all(0 < w < 1 for w in row.values())
    assert coherence.method == choose_method(coherence.scores)
    assert set(coherence.to_dict()["helps"]) == {"store", "category", "product"}
    # Every method gives different numbers from the base ones somewhere (the CV compares real choices).
    assert any(coherence.scores["store"][m] != coherence.scores["store"]["base"] for m in METHODS)


def test_choose_method_prefers_the_best_geometric_mean_then_the_simplest() -> None:
    scores = {
        "store": {"base": 0.10, "bottom_up": 0.12, "mint_shrink": 0.09},
        "product": {"base": 0.30, "bottom_up": 0.30, "mint_shrink": 0.29},
    }
    assert choose_method(scores, ("bottom_up", "mint_shrink")) == "mint_shrink"
    tie = {"store": {"base": 0.1, "bottom_up": 0.1, "ols": 0.1}}
    assert choose_method(tie, ("bottom_up", "ols")) == "bottom_up"


def test_levels_from_different_origins_are_served_unreconciled_and_say_why(base, categories) -> None:
    moved = dict(base)
    store = base["store"]
    start, end = store.data_range
    moved["store"] = dataclasses.replace(store, data_range=(start, end - pd.Timedelta(days=1)))
    result = reconcile_masters(moved, categories)
    assert not result.coherence.coherent
    assert "different dates" in result.coherence.reason
    assert result.models["product"] is base["product"]


def test_a_product_missing_from_the_catalogue_is_refused_clearly(base, categories) -> None:
    partial = {p: c for p, c in categories.items() if p != "P01"}
    result = reconcile_masters(base, partial)
    assert not result.coherence.coherent and "'P01' has no category" in result.coherence.reason
    hierarchy = build_hierarchy(base, categories)
    assert hierarchy.n_bottom == sum(1 for sid in base["product"].series_ids if not sid.startswith("store=*"))


def test_bottom_up_in_blocks_of_steps_serves_the_same_numbers(base, categories) -> None:
    """Bottom-up reconciles a block of steps at a time (memory at a chain's scale): the served points
    equal one block over every step to the bit, and a dense method ignores the block size."""
    steps = base["product"].tables.points.shape[1]
    assert steps > 20
    blocks = reconcile_masters(base, categories, methods=("bottom_up",), step_block=7)
    whole = reconcile_masters(base, categories, methods=("bottom_up",), step_block=steps)
    assert blocks.coherence.method == whole.coherence.method == "bottom_up"
    for level in ("store", "category", "product"):
        got, want = blocks.models[level].tables.points, whole.models[level].tables.points
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    assert _check_adds_up(blocks.models, categories) == 1 + 3 * 2 + 3 * 2 + 2 + 5
    dense = reconcile_masters(base, categories, methods=("ols",), step_block=7)
    once = reconcile_masters(base, categories, methods=("ols",))
    for level in ("store", "category", "product"):
        np.testing.assert_array_equal(dense.models[level].tables.points, once.models[level].tables.points)
