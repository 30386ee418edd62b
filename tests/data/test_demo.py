"""The demo dataset: deterministic, canonical, and containing every hard case it promises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from data.demo import DEMO_DESCRIPTION, DemoCatalogue, demo_catalogue, generate_demo_sales, load_demo_data
from data.ingest import read_sales_file
from data.schema import Product, Sale, Upload

SMALL = {"n_stores": 3, "n_products": 8, "start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)}


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    """The default demo frame, generated once for the module (about 0.3 s)."""
    return generate_demo_sales()


@pytest.fixture(scope="module")
def catalogue() -> DemoCatalogue:
    """The catalogue behind the default demo frame."""
    return demo_catalogue()


@pytest.fixture(scope="module")
def daily_total(demo: pd.DataFrame) -> pd.Series:
    """Chain revenue per day."""
    return demo.groupby("date")["revenue"].sum()


def test_same_seed_gives_identical_frame_and_other_seed_differs() -> None:
    first = generate_demo_sales(3, **SMALL)
    pd.testing.assert_frame_equal(first, generate_demo_sales(3, **SMALL))
    other = generate_demo_sales(4, **SMALL)
    assert len(other) != len(first) or not np.array_equal(other["revenue"], first["revenue"])


def test_canonical_columns_dtypes_and_values() -> None:
    frame = generate_demo_sales(**SMALL)
    assert list(frame.columns) == ["date", "store", "category", "product", "revenue", "units"]
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert (frame["date"] == frame["date"].dt.normalize()).all()
    for column in ("store", "category", "product"):
        assert pd.api.types.is_string_dtype(frame[column]), column
    assert frame["revenue"].dtype == float and frame["units"].dtype == float
    assert not frame.isna().any().any()
    assert (frame["revenue"] >= 0).all() and (frame["units"] >= 0).all()
    assert np.allclose(frame["revenue"] * 100, np.round(frame["revenue"] * 100), atol=1e-6)
    assert (frame["units"] == np.round(frame["units"])).all()
    assert not frame.duplicated(["date", "store", "product"]).any()
    keys = list(zip(frame["date"], frame["store"], frame["product"], strict=True))
    assert keys == sorted(keys)


def test_small_configuration_keeps_the_hard_cases() -> None:
    small = demo_catalogue(**SMALL)
    frame = generate_demo_sales(**SMALL)
    assert small.late_store and small.late_product and small.discontinued_product and small.slow_movers
    assert frame.loc[frame["store"] == small.late_store, "date"].min() > pd.Timestamp(SMALL["start"])
    assert frame.loc[frame["product"] == small.late_product, "date"].min() > pd.Timestamp(SMALL["start"])
    gone = frame.loc[frame["product"] == small.discontinued_product, "date"]
    assert gone.max() < pd.Timestamp(SMALL["end"])


def test_default_size() -> None:
    """The default demo is big enough to look like a chain; its generation time is in bench_training."""
    frame = generate_demo_sales()
    assert 300_000 <= len(frame) <= 450_000


def test_catalogue_matches_frame(demo: pd.DataFrame, catalogue: DemoCatalogue) -> None:
    pairs = demo[["store", "product"]].drop_duplicates()
    assert sorted(map(tuple, pairs.to_numpy())) == list(catalogue.carried)
    assert demo["store"].nunique() == 10
    assert demo["category"].nunique() == 6
    assert demo["product"].nunique() == 50
    assert (demo.groupby("product")["category"].nunique() == 1).all()
    for role in (
        catalogue.late_store,
        catalogue.declining_store,
        catalogue.late_product,
        catalogue.discontinued_product,
    ):
        assert role and role in DEMO_DESCRIPTION


def test_assortment_is_partial(demo: pd.DataFrame) -> None:
    share = demo.groupby("store")["product"].nunique() / demo["product"].nunique()
    assert share.between(0.5, 0.95).all(), share.to_dict()
    assert share.min() < 0.7 < share.max()


def test_store_sizes_spread_at_least_five_fold(demo: pd.DataFrame) -> None:
    per_day = demo.groupby(["store", "date"])["revenue"].sum().groupby("store").mean()
    assert per_day.max() / per_day.min() >= 5


def test_late_store_starts_mid_way(demo: pd.DataFrame, catalogue: DemoCatalogue) -> None:
    first = demo.groupby("store")["date"].min()
    assert first[catalogue.late_store] == pd.Timestamp("2025-06-01")
    assert (first.drop(catalogue.late_store) == pd.Timestamp("2023-11-01")).all()


def test_late_product_launch_and_discontinued_product_end(
    demo: pd.DataFrame, catalogue: DemoCatalogue
) -> None:
    late = demo[demo["product"] == catalogue.late_product]
    assert late["date"].min() == pd.Timestamp("2026-05-01")
    gone = demo[demo["product"] == catalogue.discontinued_product]
    assert gone["date"].max() == pd.Timestamp("2025-12-31")
    assert gone.loc[gone["units"] > 0, "date"].max() >= pd.Timestamp("2025-12-20")
    assert demo["date"].max() == pd.Timestamp("2026-10-31")


def test_slow_movers_are_intermittent(demo: pd.DataFrame, catalogue: DemoCatalogue) -> None:
    slow = demo["product"].isin(catalogue.slow_movers)
    assert len(catalogue.slow_movers) >= 5
    zero_share = (demo.loc[slow, "units"] == 0).groupby(demo.loc[slow, "product"]).mean()
    assert (zero_share > 0.4).all(), zero_share.to_dict()
    assert (demo.loc[~slow, "units"] == 0).mean() < 0.1


def test_closed_holidays_have_no_rows_and_other_holidays_sell_less(daily_total: pd.Series) -> None:
    for closed in ("2023-12-25", "2024-01-01", "2024-12-25", "2025-01-01", "2025-12-25", "2026-01-01"):
        assert pd.Timestamp(closed) not in daily_total.index
    for holiday in ("2024-04-21", "2024-05-30", "2025-05-01", "2025-09-07", "2026-04-21"):
        day = pd.Timestamp(holiday)
        same_weekday = daily_total[[day - pd.Timedelta(weeks=w) for w in (-2, -1, 1, 2)]]
        assert daily_total[day] < 0.8 * same_weekday.mean(), holiday


def test_weekly_pattern_peaks_at_the_weekend(daily_total: pd.Series) -> None:
    by_weekday = daily_total.groupby(daily_total.index.day_of_week).mean()
    midweek = by_weekday[[0, 1, 2, 3]].mean()
    assert by_weekday[5] > 1.25 * midweek
    assert by_weekday[6] > midweek


def test_december_beats_the_average_month(daily_total: pd.Series) -> None:
    monthly = daily_total.groupby(daily_total.index.to_period("M")).sum()
    for year in (2023, 2024, 2025):  # against the average month of the same November-October year
        same_year = monthly[pd.Period(f"{year}-11", "M") : pd.Period(f"{year + 1}-10", "M")]
        assert len(same_year) == 12
        assert monthly[pd.Period(f"{year}-12", "M")] > 1.15 * same_year.mean(), year


def test_black_friday_spikes_above_surrounding_weeks(demo: pd.DataFrame, daily_total: pd.Series) -> None:
    eletro = demo[demo["category"] == "Eletro"].groupby("date")["revenue"].sum()
    for black_friday in ("2023-11-24", "2024-11-29", "2025-11-28"):
        day = pd.Timestamp(black_friday)
        around = [day + pd.Timedelta(days=d) for d in range(-21, 22) if d < -7 or d > 3]
        assert daily_total[day] > 1.5 * daily_total[around].mean(), black_friday
        assert eletro[day] > 3 * eletro[around].mean(), black_friday


def test_trends_and_summer_seasonality(demo: pd.DataFrame, catalogue: DemoCatalogue) -> None:
    per_store_year = demo.groupby(["store", demo["date"].dt.year])["revenue"].sum()
    declining = per_store_year[catalogue.declining_store]
    assert declining[2025] < 0.85 * declining[2024]
    growing = per_store_year["Loja Shopping"]
    assert growing[2025] > 1.05 * growing[2024]
    drinks = demo[demo["category"] == "Bebidas"]
    per_month = drinks.groupby(drinks["date"].dt.to_period("M"))["revenue"].sum()
    assert per_month[pd.Period("2025-01", "M")] > 1.3 * per_month[pd.Period("2025-07", "M")]


def test_revenue_is_units_times_one_chain_price_with_promotions(demo: pd.DataFrame) -> None:
    sold = demo[demo["units"] > 0]
    price = (sold["revenue"] / sold["units"]).round(2)
    assert (price.groupby([sold["product"], sold["date"]]).nunique() == 1).all()
    cola = sold.assign(price=price)[sold["product"] == "Refrigerante Cola 2L"]
    per_day = cola.groupby("date").agg(price=("price", "first"), units=("units", "sum"))
    regular = per_day["price"].rolling(61, center=True, min_periods=1).max()
    promo = per_day["price"] <= 0.9 * regular
    assert 5 <= promo.sum() <= 0.4 * len(per_day)
    assert per_day.loc[promo, "units"].mean() > 1.3 * per_day.loc[~promo, "units"].mean()
    assert per_day["price"].iloc[:30].max() != per_day["price"].iloc[-30:].max()  # a price change


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"n_stores": 0}, ValueError, "n_stores"),
        ({"n_categories": 6, "n_products": 4}, ValueError, "n_products"),
        ({"seed": -1}, ValueError, "seed"),
        ({"start": dt.date(2025, 1, 10), "end": dt.date(2025, 1, 1)}, ValueError, "4 weeks"),
        ({"start": "2025-01-01"}, TypeError, "start"),
    ],
)
def test_bad_parameters_are_rejected_clearly(kwargs: dict, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        generate_demo_sales(**kwargs)


def test_load_demo_data_imports_once_through_the_importer(engine: Engine, tmp_path: Path) -> None:
    frame = generate_demo_sales(3, **SMALL)
    steps: list[tuple[int, int, str]] = []
    first = load_demo_data(
        engine, seed=3, upload_dir=tmp_path / "uploads", progress=lambda *a: steps.append(a), **SMALL
    )
    assert (first.status, first.rows_new, first.frequency) == ("imported", len(frame), "D")
    assert (first.date_min, first.date_max) == (dt.date(2025, 1, 2), SMALL["end"])  # 1 January is closed
    assert first.stored_path and Path(first.stored_path).is_file()
    assert steps and steps[-1][0] == steps[-1][1]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == len(frame)
        assert conn.scalar(select(func.sum(Sale.revenue))) == pytest.approx(frame["revenue"].sum())
        stored = dict(conn.execute(select(Product.product, Product.category)).all())
        assert conn.execute(select(Upload.filename, Upload.uploaded_by)).all() == [("demo-seed3.csv", "demo")]
    assert stored == dict(zip(frame["product"], frame["category"], strict=True))

    again = load_demo_data(engine, seed=3, **SMALL)
    assert (again.rows_new, again.rows_replaced, again.rows_unchanged) == (0, 0, len(frame))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == len(frame)


@pytest.mark.parametrize(("sep", "decimal"), [(",", "."), (";", ",")])
def test_demo_written_as_a_sales_file_reads_back_unchanged(tmp_path: Path, sep: str, decimal: str) -> None:
    frame = generate_demo_sales(**SMALL)
    path = tmp_path / "demo.csv"
    frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")).to_csv(
        path, sep=sep, decimal=decimal, index=False
    )
    back = read_sales_file(path).sort_values(["date", "store", "product"]).reset_index(drop=True)
    assert pd.api.types.is_datetime64_any_dtype(back["date"])
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
