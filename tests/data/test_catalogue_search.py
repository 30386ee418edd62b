"""The series catalogue (``store_products``) follows imports and undos, the migration fills it from
stored sales, and the pickers' search finds names by every typed word (SQLite)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from data.db import MIGRATIONS_DIR, _alembic_config, make_engine, make_session_factory, upgrade_database
from data.queries import carried_products, list_products, search_products, search_stores
from data.storage import import_sales_frame
from services.catalogue_search import find_products, find_stores
from services.scoping import ALL_STORES, StoreScope
from services.undo import undo_upload


def frame(rows: list[tuple[str, str, str]], day: str = "2025-01-06") -> pd.DataFrame:
    """Sales rows (store, category, product) on ``day`` and the day after (a daily dataset)."""
    days = pd.date_range(day, periods=2, freq="D")
    return pd.DataFrame(
        [(d, s, c, p, 5.0) for s, c, p in rows for d in days],
        columns=["date", "store", "category", "product", "revenue"],
    )


def test_store_products_follow_imports_and_undos(engine):
    import_sales_frame(
        engine,
        frame([("S1", "Food", "Rice"), ("S1", "Food", "Beans"), ("S2", "Food", "Rice")]),
        filename="a.csv",
        uploaded_by="t",
    )
    later = import_sales_frame(
        engine, frame([("S2", "Drinks", "Cola"), ("S3", "Food", "Rice")], "2025-01-08"), filename="b.csv",
        uploaded_by="t",
    )  # fmt: skip
    assert carried_products(engine) == {"S1": ["Beans", "Rice"], "S2": ["Cola", "Rice"], "S3": ["Rice"]}
    assert list_products(engine, store="S2") == [("Cola", "Drinks"), ("Rice", "Food")]
    assert list_products(engine, store="S2", category="Food") == [("Rice", "Food")]
    done = undo_upload(SimpleNamespace(engine=engine, sessions=make_session_factory(engine)), later.upload_id,
                       actor="ana")  # fmt: skip
    assert done.done is not None
    assert carried_products(engine) == {"S1": ["Beans", "Rice"], "S2": ["Rice"]}


def test_migration_0010_fills_the_series_catalogue_from_stored_sales(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("0010").down_revision
    command.upgrade(_alembic_config(engine), before)
    with engine.begin() as conn:
        for store, product in (("S1", "Rice"), ("S1", "Rice"), ("S2", "Beans")):
            day = dt.date(2025, 1, 1 + conn.execute(text("SELECT COUNT(*) FROM sales")).scalar_one())
            conn.execute(
                text(
                    "INSERT INTO sales (store, product, date, category, revenue) VALUES (:s, :p, :d, 'F', 1)"
                ),
                {"s": store, "p": product, "d": day},
            )
    upgrade_database(engine)
    assert carried_products(engine) == {"S1": ["Rice"], "S2": ["Beans"]}
    engine.dispose()


def test_search_needs_every_word_ignores_case_and_stops_at_the_limit(engine):
    names = [f"Arroz tipo {i:02d}" for i in range(60)] + ["Feijão Preto", "Café 100%_Puro", "Café 100 Puro"]
    import_sales_frame(
        engine, frame([("Loja Centro", "Mercearia", p) for p in names] + [("Loja Praia", "Bebidas", "Água")]),
        filename="a.csv", uploaded_by="t",
    )  # fmt: skip
    assert search_products(engine, "preto FEIJ") == ["Feijão Preto"]
    assert search_products(engine, "arroz", limit=5) == [f"Arroz tipo {i:02d}" for i in range(5)]
    assert len(search_products(engine, "arroz")) == 50
    assert search_products(engine, "100%_") == ["Café 100%_Puro"]  # wildcards match themselves
    assert search_products(engine, "") == sorted(["Água", *names])[:50]
    assert search_products(engine, "a", category="Bebidas") == ["Água"]
    assert search_products(engine, "arroz", stores=["Loja Praia"]) == []
    assert search_products(engine, "água", stores=["Loja Praia", "Loja Centro"]) == ["Água"]
    assert search_products(engine, "água", stores=[]) == []
    assert search_stores(engine, "LOJA") == ["Loja Centro", "Loja Praia"]
    assert search_stores(engine, "loja", within={"Loja Praia"}) == ["Loja Praia"]


def test_the_search_use_case_keeps_to_the_users_stores(engine):
    import_sales_frame(
        engine, frame([("Loja Centro", "Food", "Rice"), ("Loja Praia", "Food", "Rice Cake")]),
        filename="a.csv", uploaded_by="t",
    )  # fmt: skip
    mine = StoreScope(frozenset({"Loja Centro"}))
    assert find_stores(engine, "loja", mine) == ["Loja Centro"]
    assert find_stores(engine, "loja", ALL_STORES) == ["Loja Centro", "Loja Praia"]
    assert find_products(engine, "rice", mine) == ["Rice"]
    assert find_products(engine, "rice", mine, store="Loja Praia") == []
    assert find_products(engine, "rice", ALL_STORES) == ["Rice", "Rice Cake"]
    assert find_products(engine, "rice", ALL_STORES, store="Loja Praia") == ["Rice Cake"]
