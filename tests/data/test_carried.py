"""What each store carries, kept compact: the same answers as a dict of frozensets, from any DB order."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from components.state import Catalogue
from data.carried import CarriedIndex
from data.queries import carried_index, carried_products
from data.storage import import_sales_frame

CARRIED = {"S2": ["Rice", "Cola"], "S1": ["Beans", "Rice"], "Loja Á": ["Açúcar"]}


def test_the_index_answers_as_the_mapping_it_was_built_from():
    index = CarriedIndex.from_mapping(CARRIED)
    assert index == {s: frozenset(p) for s, p in CARRIED.items()}
    assert list(index) == sorted(CARRIED) and len(index) == 3 and index.pairs == 5
    assert index["S2"] == frozenset({"Rice", "Cola"}) and index.get("S9") is None and "S9" not in index
    assert index.carries("S1", "Beans") and not index.carries("S2", "Beans")
    assert not index.carries("S9", "Rice") and not index.carries("S1", "Tea")
    with pytest.raises(KeyError):
        index["S9"]


def test_the_stores_carrying_a_product_are_those_whose_set_holds_it():
    rng = random.Random(3)
    products = [f"P{j:02d}" for j in range(30)]
    carried = {f"S{i:03d}": rng.sample(products, rng.randint(1, 20)) for i in range(200)}
    index = CarriedIndex.from_mapping(carried)
    for product in [*products, "unknown", ""]:
        assert index.stores_with(product) == sorted(s for s, ps in carried.items() if product in ps)
    # The catalogue keeps its own (the database's) store order.
    order = tuple(sorted(carried, reverse=True))
    catalogue = Catalogue(stores=order, carried=carried)
    assert catalogue.stores_carrying("P07") == [s for s in order if "P07" in carried[s]]


def test_stores_in_a_database_collation_order_are_found_and_split_runs_refused():
    # PostgreSQL may order 'b' before 'A' (a linguistic collation): only contiguity is relied on.
    index = CarriedIndex.from_sorted([("b", "x"), ("b", "a"), ("A", "z"), ("a", "y")])
    assert index == {"b": {"x", "a"}, "A": {"z"}, "a": {"y"}}
    assert index.carries("b", "a") and index.carries("A", "z") and not index.carries("a", "z")
    with pytest.raises(ValueError, match="contiguous"):
        CarriedIndex.from_sorted([("a", "x"), ("b", "y"), ("a", "z")])


def test_the_streamed_catalogue_read_equals_the_plain_one(engine):
    days = pd.date_range("2025-01-06", periods=2, freq="D")
    rows = [(d, s, "Food", p, 5.0) for s, products in CARRIED.items() for p in products for d in days]
    frame = pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])
    import_sales_frame(engine, frame, filename="a.csv", uploaded_by="t")
    index = carried_index(engine, batch=2)
    assert index == {s: frozenset(p) for s, p in carried_products(engine).items()}


def test_a_catalogue_keeps_carried_compact_and_answers_the_pickers():
    catalogue = Catalogue(
        stores=("Loja Á", "S1", "S2"),
        product_category={"Rice": "Food", "Beans": "Food", "Cola": "Drinks", "Açúcar": "Food"},
        carried={s: frozenset(p) for s, p in CARRIED.items()},
    )
    assert isinstance(catalogue.carried, CarriedIndex)
    assert catalogue.products(store="S2") == ["Cola", "Rice"]
    assert catalogue.stores_carrying("Rice") == ["S1", "S2"]
    assert catalogue.carries("S1", "Beans") and not catalogue.carries("S1", None)
    mine = catalogue.within(frozenset({"S2"}))
    assert mine.carried == {"S2": frozenset({"Rice", "Cola"})} and mine.stores == ("S2",)
