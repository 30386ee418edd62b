"""Store scoping in the use-case layer: another store is refused, "all stores" is the sum of mine."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from callbacks.export import forecast_download
from callbacks.forecast import render_view
from callbacks.navigation import page_for_path
from components.state import ViewState
from models.series import series_id
from services.forecast_view import (
    HolderSource,
    ViewQuery,
    breakdown_totals,
    forecast_view,
    recorded_history,
    scope_stores,
)
from services.scoping import StoreNotAllowed, StoreScope, combine_forecasts, scoped


@pytest.fixture
def stores(cache) -> tuple[str, str]:
    first, second = cache.get().stores[:2]
    return first, second


def test_another_store_is_refused(holder, stores):
    mine, other = stores
    source = scoped(HolderSource.of(holder), StoreScope(frozenset({mine})))
    with pytest.raises(StoreNotAllowed):
        source.forecast("store", series_id("store", store=other), 4, freq="W", interval=0.8)
    with pytest.raises(StoreNotAllowed):
        forecast_view(source, ViewQuery("product", f"store={other}|product=x", "W", 4))
    assert all(not s.startswith(f"store={other}") for s in source.model("product").series_ids)


def test_all_stores_becomes_my_stores(holder, stores):
    mine, _ = stores
    plain = HolderSource.of(holder)
    source = scoped(plain, StoreScope(frozenset({mine})))
    own = plain.forecast("store", series_id("store", store=mine), 4, freq="W", interval=0.8)
    summed = source.forecast("store", series_id("store"), 4, freq="W", interval=0.8)
    chain = plain.forecast("store", series_id("store"), 4, freq="W", interval=0.8)
    pd.testing.assert_frame_equal(
        summed.reset_index(drop=True), own.reset_index(drop=True), check_dtype=False
    )
    assert not np.allclose(summed["forecast"], chain["forecast"])
    view = forecast_view(source, ViewQuery("store", series_id("store"), "W", 4))
    assert view.history.equals(
        forecast_view(plain, ViewQuery("store", series_id("store", store=mine), "W", 4)).history
    )


def test_breakdown_of_product_tab_lists_only_my_stores(holder, cache, stores):
    mine, other = stores
    source = scoped(HolderSource.of(holder), StoreScope(frozenset({mine})))
    product = sorted(cache.get().carried[mine] & cache.get().carried[other])[0]
    ids = {s: series_id("product", store=s, product=product) for s in (mine, other)}
    totals = breakdown_totals(source, "product", ids, freq="W", horizon=4)
    assert list(totals.index) == [mine]


def test_every_store_scope_is_the_plain_source(holder):
    plain = HolderSource.of(holder)
    assert scoped(plain, StoreScope()) is plain


def test_combined_band_adds_half_widths_in_quadrature():
    dates = pd.date_range("2025-01-06", periods=2, freq="W-MON")
    a = pd.DataFrame({"date": dates, "forecast": [10.0, 10.0], "lower": [7.0, 10.0], "upper": [14.0, 10.0]})
    b = pd.DataFrame({"date": dates, "forecast": [20.0, 5.0], "lower": [16.0, 5.0], "upper": [23.0, 5.0]})
    combined = combine_forecasts([a, b])
    assert combined["forecast"].tolist() == [30.0, 15.0]
    assert combined["lower"].tolist() == [25.0, 15.0]  # 30 - sqrt(3² + 4²)
    assert combined["upper"].tolist() == [35.0, 15.0]  # 30 + sqrt(4² + 3²)


def test_the_view_of_another_store_is_not_available(holder, trained_engine, cache, stores):
    mine, other = stores
    scope = StoreScope(frozenset({mine}))
    out = render_view(holder, trained_engine, cache, ViewState("store", store=other), scope)
    assert "not available to you" in str(out.alert)
    assert out.kpis == [] and out.card is None


def test_the_stores_together_are_my_stores(holder, trained_engine, cache, stores):
    mine, _ = stores
    scope = StoreScope(frozenset({mine}))
    together = render_view(holder, trained_engine, cache, ViewState("store", freq="W", horizon=4), scope)
    alone = render_view(holder, trained_engine, cache, ViewState("store", store=mine, freq="W", horizon=4))
    assert together.title.startswith("My stores")
    assert str(together.kpis) == str(alone.kpis)


def test_export_refuses_another_store_and_sums_mine(holder, stores):
    mine, other = stores
    scope = StoreScope(frozenset({mine}))
    assert forecast_download(holder, ViewState("store", store=other), "csv", scope) is None
    together = forecast_download(holder, ViewState("store", freq="W", horizon=4), "csv", scope)
    alone = forecast_download(holder, ViewState("store", store=mine, freq="W", horizon=4), "csv")
    together, alone = (pd.read_csv(io.StringIO(p["content"])) for p in (together, alone))
    assert set(together["store"]) == {"my stores"} and set(alone["store"]) == {mine}
    numbers = ["date", "actual", "forecast", "lower_80", "upper_95"]
    pd.testing.assert_frame_equal(together[numbers], alone[numbers])


def test_dropdowns_list_only_my_stores(cache, stores):
    mine, other = stores
    catalogue = cache.get().within(frozenset({mine}))
    assert catalogue.stores == (mine,) and other not in catalogue.carried
    assert set(catalogue.product_category) == set(cache.get().carried[mine])
    page = str(page_for_path("/product", f"?store={other}", is_admin=False, catalogue=catalogue))
    assert page.count(other) == 1  # only in the message, never as a dropdown option
    assert "My stores" in page and "not available to you" in page


def test_recorded_sales_of_my_stores_are_read_for_my_stores_only(trained_engine, stores):
    mine, other = stores
    scope = StoreScope(frozenset({mine}))
    together = recorded_history(trained_engine, "W", scope=scope)
    alone = recorded_history(trained_engine, "W", store=mine)
    pd.testing.assert_series_equal(together, alone, check_names=False)
    assert scope_stores(None, scope) == [mine] and scope_stores(None, StoreScope()) is None
    with pytest.raises(StoreNotAllowed):
        recorded_history(trained_engine, "W", store=other, scope=scope)


def test_reporting_of_a_scoped_catalogue_names_my_stores_only(cache, stores):
    mine, _ = stores
    assert len(cache.get().reporting.stores) == 2
    assert [r.store for r in cache.get().within(frozenset({mine})).reporting.stores] == [mine]
