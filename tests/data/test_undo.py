"""Undoing an upload on SQLite: values put back exactly, added keys gone, refusals, one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from data.queries import last_import_stamp, list_products, list_stores, rows_changed_since
from data.schema import ReplacedSale, Upload, utc_now
from data.storage import dataset_frequency, import_sales_files
from data.undo import UndoRefused, plan_undo, undo_upload

A = (
    "2025-01-01,S1,Food,Rice,10.5",
    "2025-01-02,S1,Food,Rice,12.25",
    "2025-01-01,S2,Food,Beans,5",
    "2025-01-02,S2,Food,Beans,6",
)
# Replaces two of a's keys (one with the same value: unchanged), adds a key, a store and a product.
B = (
    "2025-01-02,S1,Food,Rice,20",
    "2025-01-01,S2,Food,Beans,5",
    "2025-01-02,S2,Food,Beans,7.75",
    "2025-01-03,S1,Food,Rice,3",
    "2025-01-02,S3,Drinks,Cola,9",
)


def _sales(engine) -> dict[tuple[str, str, str], tuple[float, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT store, product, date, revenue, upload_id FROM sales")).all()
    return {(s, p, str(d)): (r, u) for s, p, d, r, u in rows}


def _import(engine, path, upload_dir) -> int:
    (result,) = import_sales_files(engine, [path], uploaded_by="test", upload_dir=upload_dir)
    return result.upload_id


def _undo(engine, upload_id: int):
    with engine.begin() as conn:
        return undo_upload(conn, upload_id, actor="ana", now=utc_now())


@pytest.fixture
def a_then_b(engine, sales_csv, upload_dir):
    """Uploads a and b (b replaces two of a's values), with the sales after a and after b."""
    a = _import(engine, sales_csv("a.csv", *A), upload_dir)
    after_a = _sales(engine)
    b = _import(engine, sales_csv("b.csv", *B), upload_dir)
    return a, b, after_a, _sales(engine)


def test_an_import_keeps_exactly_the_values_it_replaced(engine, a_then_b):
    a, b, _, _ = a_then_b
    with engine.connect() as conn:
        kept = conn.execute(
            select(ReplacedSale.store, ReplacedSale.date, ReplacedSale.revenue)
            .add_columns(ReplacedSale.previous_upload_id)
            .where(ReplacedSale.upload_id == b)
            .order_by(ReplacedSale.store)
        ).all()
    assert [(s, str(d), r, p) for s, d, r, p in kept] == [
        ("S1", "2025-01-02", 12.25, a),
        ("S2", "2025-01-02", 6.0, a),
    ]


def test_undoing_the_later_upload_restores_the_earlier_values_exactly(engine, a_then_b):
    _, b, after_a, _ = a_then_b
    done = _undo(engine, b)
    assert (done.restores, done.deletes) == (2, 2)
    assert _sales(engine) == after_a  # values and owning upload, key by key
    assert list_stores(engine) == ["S1", "S2"]  # S3 came only with b
    assert list_products(engine) == [("Beans", "Food"), ("Rice", "Food")]
    with engine.connect() as conn:
        status, by, rows_undone = conn.execute(
            select(Upload.status, Upload.undone_by, Upload.rows_undone).where(Upload.id == b)
        ).one()
    assert (status, by, rows_undone) == ("undone", "ana", 4)


def test_the_gate_and_the_catalogue_stamp_count_an_undo(engine, a_then_b):
    _, b, _, _ = a_then_b
    mark = utc_now()
    stamp_before, _ = last_import_stamp(engine)
    assert rows_changed_since(engine, mark) == 0
    _undo(engine, b)
    assert rows_changed_since(engine, mark) == 4
    stamp_after, _ = last_import_stamp(engine)
    assert stamp_after > stamp_before


def test_undoing_the_earlier_upload_is_refused_while_the_later_one_stands(engine, a_then_b):
    a, b, _, after_b = a_then_b
    with pytest.raises(UndoRefused) as refused:
        _undo(engine, a)
    message = str(refused.value)
    assert f"upload {b} (b.csv) changed 2 of them" in message and "Undo that upload first" in message
    assert [(c.upload_id, c.filename, c.keys) for c in refused.value.later] == [(b, "b.csv", 2)]
    assert _sales(engine) == after_b
    _undo(engine, b)
    _undo(engine, a)  # b no longer stands: a can go
    assert _sales(engine) == {}
    assert list_stores(engine) == [] and dataset_frequency(engine) is None


def test_an_upload_is_undone_once(engine, a_then_b):
    _, b, _, _ = a_then_b
    _undo(engine, b)
    with pytest.raises(UndoRefused, match=rf"upload {b} \(b.csv\) was already undone .* by ana"):
        _undo(engine, b)


def test_unknown_unchanged_and_legacy_uploads_are_refused(engine, sales_csv, upload_dir, a_then_b):
    a, _, _, _ = a_then_b
    with pytest.raises(UndoRefused, match="upload 999 does not exist"):
        _undo(engine, 999)
    same = _import(engine, sales_csv("b-again.csv", *B), upload_dir)
    with pytest.raises(UndoRefused, match="is unchanged: it wrote no sales"):
        _undo(engine, same)
    with engine.begin() as conn:
        conn.execute(text("UPDATE uploads SET keeps_replaced = false WHERE id = :id"), {"id": a})
        with pytest.raises(UndoRefused, match="imported before replaced values were kept"):
            plan_undo(conn, a)


def test_a_failure_midway_leaves_nothing_changed(engine, a_then_b):
    """The restore runs, then deleting b's added keys fails: the whole undo rolls back."""
    _, b, _, after_b = a_then_b
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER no_delete BEFORE DELETE ON sales BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(Exception, match="refused"):
        _undo(engine, b)
    assert _sales(engine) == after_b
    with engine.connect() as conn:
        assert conn.scalar(select(Upload.status).where(Upload.id == b)) == "imported"
    assert list_stores(engine) == ["S1", "S2", "S3"]


def test_a_reimport_after_an_undo_writes_the_file_again(engine, sales_csv, upload_dir, a_then_b):
    _, b, _, after_b = a_then_b
    _undo(engine, b)
    again = _import(engine, sales_csv("b.csv", *B), upload_dir)
    assert again != b
    assert {k: r for k, (r, _) in _sales(engine).items()} == {k: r for k, (r, _) in after_b.items()}


def test_a_chain_of_replacements_unwinds_newest_first(engine, sales_csv, upload_dir):
    one = sales_csv("1.csv", "2025-01-01,S1,Food,Rice,1", "2025-01-02,S1,Food,Rice,1")
    first = _import(engine, one, upload_dir)
    second = _import(engine, sales_csv("2.csv", "2025-01-01,S1,Food,Rice,2"), upload_dir)
    third = _import(engine, sales_csv("3.csv", "2025-01-01,S1,Food,Rice,3"), upload_dir)
    with pytest.raises(UndoRefused, match=rf"upload {third} \(3.csv\) changed 1 of them"):
        _undo(engine, second)
    with pytest.raises(UndoRefused, match=rf"upload {second} \(2.csv\) changed 1 of them"):
        _undo(engine, first)
    _undo(engine, third)
    assert _sales(engine)[("S1", "Rice", "2025-01-01")] == (2.0, second)
    _undo(engine, second)
    assert _sales(engine)[("S1", "Rice", "2025-01-01")] == (1.0, first)
    assert _sales(engine)[("S1", "Rice", "2025-01-02")] == (1.0, first)
