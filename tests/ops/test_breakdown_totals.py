"""Breakdown totals in one batch: the totals published with a snapshot (``models.totals``) are the
per-series figures to the last bit, at every standard horizon of every level, and a breakdown shows the
same numbers in the same order with them, without them (an older snapshot) and from the artifacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data.forecast_store import TOTALS_SUFFIX, companion, served_snapshots, stage_snapshot_parts
from models.holder import ModelHolder
from models.registry import master_versions
from models.stored import StoredForecaster
from models.totals import standard_horizons, totals_column
from services.forecast_view import HolderSource, breakdown_totals
from services.scoping import StoreScope, scoped
from tests.ops.conftest import OpsServices
from tests.ops.test_publishing import trained_daily


@pytest.fixture
def daily(engine, tmp_path: Path) -> OpsServices:
    """Daily sales of 2 stores × 3 products, every level trained, promoted and published."""
    return trained_daily(engine, tmp_path)


def _one_by_one(model, ids, horizon: int, freq: str) -> pd.Series:
    """The totals as breakdowns read them before the batch: ``horizon_total`` of each served series."""
    served = [s for s in ids if s in model.series_ids]
    return pd.Series([model.horizon_total(s, horizon, freq=freq) for s in served], index=served, dtype=float)


def test_published_totals_are_the_per_series_totals_to_the_last_bit(daily: OpsServices) -> None:
    holder = ModelHolder(daily.engine, poll_seconds=3600)
    snap = holder.snapshot()
    checked = 0
    for level in ("store", "category", "product"):
        model = snap.get(level)
        assert isinstance(model, StoredForecaster)
        assert companion(model.snapshot, TOTALS_SUFFIX).is_file()
        ids = list(model.series_ids)
        asked = [*reversed(ids), "store=nowhere|product=none"]  # any order; unknown ids left out
        for freq, horizons in standard_horizons(model).items():
            assert freq in ("D", "W", "M", "Q")
            for horizon in horizons:
                batch = model.horizon_totals(asked, horizon, freq=freq)
                expected = _one_by_one(model, asked, horizon, freq)
                assert batch.index.tolist() == expected.index.tolist()
                assert np.array_equal(batch.to_numpy(), expected.to_numpy())  # exact, not approx
                checked += len(batch)
        # A horizon that is not standard is read series by series, with the same result.
        pd.testing.assert_series_equal(
            model.horizon_totals(ids, 30, freq="D"), _one_by_one(model, ids, 30, "D"), check_index_type=False
        )
        with pytest.raises(ValueError, match="exceeds"):
            model.horizon_totals(ids, model.max_horizon + 1, freq="D")
    assert checked > 100


def test_standard_horizons_follow_the_presets_and_the_longest_served(daily: OpsServices) -> None:
    model = ModelHolder(daily.engine, poll_seconds=3600).get("store")
    horizons = standard_horizons(model)
    assert horizons["D"] == (7, 14, 28, 56, 91, 182, 364, 400)  # 400 served days
    assert set(horizons) == {"D", "W", "M", "Q"}
    for freq, values in horizons.items():
        assert list(values) == sorted(set(values))
        assert all(totals_column(freq, h) in model._totals.column_names for h in values)


def _breakdowns(source) -> dict[tuple, pd.Series]:
    """Every breakdown a view draws on this instance, at standard and other horizons."""
    product = source.model("product")
    products = sorted({s.split("|product=")[1] for s in product.series_ids})
    stores = sorted({s.split("|")[0][len("store=") :] for s in product.series_ids} - {"*"})
    out = {}
    for freq, horizon in (("D", 28), ("D", 30), ("W", 13), ("W", 5), ("M", 3), ("Q", 1)):
        for p in products:  # the product tab: every store selling it
            series = {s: f"store={s}|product={p}" for s in stores}
            out[("product", p, freq, horizon)] = breakdown_totals(
                source, "product", series, freq=freq, horizon=horizon
            )
        for s in ["*", *stores]:  # the category tab: the store's products
            series = {p: f"store={s}|product={p}" for p in products}
            out[("store", s, freq, horizon)] = breakdown_totals(
                source, "product", series, freq=freq, horizon=horizon
            )
    return out


def test_a_breakdown_shows_the_same_numbers_with_or_without_published_totals(daily: OpsServices) -> None:
    engine = daily.engine
    with_totals = _breakdowns(HolderSource.of(ModelHolder(engine, poll_seconds=3600)))
    # The same snapshots without their totals companion (as published before it existed): per series.
    for snapshot in served_snapshots(engine, master_versions(engine)).values():
        companion(snapshot, TOTALS_SUFFIX).unlink()
    holder = ModelHolder(engine, poll_seconds=3600)
    assert holder.get("product")._totals is None
    without = _breakdowns(HolderSource.of(holder))
    # And from the artifacts (nothing served from the store), reconciled by the holder.
    artifacts = _breakdowns(HolderSource.of(ModelHolder(engine, poll_seconds=3600, serve_store=False)))
    assert with_totals.keys() == without.keys() == artifacts.keys()
    for key, totals in with_totals.items():
        assert len(totals) > 1, key
        pd.testing.assert_series_equal(totals, without[key], check_exact=True)
        # The artifacts' reconciled paths are float64 before publishing stores them as float32.
        pd.testing.assert_series_equal(totals, artifacts[key], rtol=1e-5)


def test_a_scoped_breakdown_sums_the_parts_as_before(daily: OpsServices) -> None:
    holder = ModelHolder(daily.engine, poll_seconds=3600)
    stores = sorted({s.split("|")[0][len("store=") :] for s in holder.get("category").series_ids} - {"*"})
    source = scoped(HolderSource.of(holder), StoreScope(frozenset(stores[:1])))
    model = source.model("category")
    ids = [s for s in model.series_ids if s.startswith("store=*")]  # "my stores": sums of parts
    ids.append(f"store={stores[0]}|category=nothing")
    for freq, horizon in (("W", 13), ("D", 30)):
        batch = model.horizon_totals(ids, horizon, freq=freq)
        expected = [model.horizon_total(s, horizon, freq=freq) for s in ids[:-1]]
        assert batch.index.tolist() == ids[:-1]
        assert batch.tolist() == expected


def test_totals_of_another_length_than_the_part_write_nothing(tmp_path: Path) -> None:
    points = pd.DataFrame(
        {
            "series_id": ["a", "a", "b", "b"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-02"] * 2),
            **{c: [1.0, 2.0, 3.0, 4.0] for c in ("forecast", "lo80", "hi80", "lo95", "hi95")},
        }
    )
    rows = pd.DataFrame(
        {"series_id": ["a", "b"], "kind": [1, 1], "date": ["2025-01-01"] * 2, "value": [1.0, 1.0]}
    )
    with pytest.raises(ValueError, match="totals of 1 series for a part of 2"):
        stage_snapshot_parts(
            tmp_path,
            level="product",
            model_version="v1",
            origin=pd.Timestamp("2024-12-31"),
            freq="D",
            reason="promotion",
            parts=[(points, rows, pa.table({"D7": [1.0]}))],
            serving=True,
            meta={},
        )
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_series_lru_is_bounded_in_bytes_and_keeps_the_most_recent(daily: OpsServices) -> None:
    engine = daily.engine
    snapshot = served_snapshots(engine, master_versions(engine))["product"]
    roomy = StoredForecaster.open(snapshot)
    ids = list(roomy.series_ids)
    assert roomy.cached_series() == len(ids)  # the demo-sized level fits: warmed whole
    one = roomy.cached_bytes() // len(ids)
    assert one > 2_048  # arrays plus the per-entry overhead
    tight = StoredForecaster.open(snapshot, cache_bytes=3 * one)
    assert tight.cached_series() <= 3 and tight.cached_bytes() <= 3 * one
    assert ids[0] in tight._cache  # the warm-up keeps the first ids (the all-stores series)
    for sid in ids:  # every series still answers, read again when evicted
        pd.testing.assert_series_equal(tight.history(sid), roomy.history(sid))
        assert tight.cached_bytes() <= 3 * one
    assert list(tight._cache)[-1] == ids[-1]  # the most recent stays
    # One entry larger than the whole budget is still kept (the newest always stays).
    tiny = StoredForecaster.open(snapshot, cache_bytes=1)
    tiny.forecast(ids[-1], 7)
    assert list(tiny._cache) == [ids[-1]]
