"""Importing into the database: counts, replacement, no-op re-imports, batches, uploads, raw files."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from data.queries import dataset_frequency, load_sales
from data.schema import Product, Store, Upload
from data.storage import import_sales_files, import_sales_frame, preview_sales_file
from data.validation import SalesFileError


def _uploads(engine) -> list[Upload]:
    with engine.connect() as conn:
        return [Upload(**r._mapping) for r in conn.execute(select(Upload).order_by(Upload.id))]


def _import(engine, upload_dir, *paths):
    return import_sales_files(engine, paths, uploaded_by="tester", upload_dir=upload_dir)


def test_first_import_counts_catalogue_raw_file_and_upload(engine, sales_csv, upload_dir):
    path = sales_csv(
        "jan.csv",
        "2024-01-01,S1,Fruit,Apple,1",
        "2024-01-01,S1,Fruit,Apple,2",  # summed with the row above
        "2024-01-02,S1,Fruit,Apple,3",
        "2024-01-02,S2,Veg,Leek,4",
    )
    (result,) = _import(engine, upload_dir, path)
    assert (result.status, result.rows_read, result.rows_new, result.rows_replaced) == ("imported", 4, 3, 0)
    assert result.frequency == "D" and dataset_frequency(engine) == "D"
    assert str(result.date_min) == "2024-01-01" and str(result.date_max) == "2024-01-02"
    kept = upload_dir / f"{result.sha256}.csv"
    assert result.stored_path == str(kept) and kept.read_bytes() == path.read_bytes()
    assert not list(upload_dir.glob("*.part"))
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(Store.store))) == ["S1", "S2"]
        assert dict(conn.execute(select(Product.product, Product.category)).all()) == {
            "Apple": "Fruit",
            "Leek": "Veg",
        }
    (upload,) = _uploads(engine)
    assert (upload.filename, upload.status, upload.uploaded_by, upload.rows_new) == (
        "jan.csv",
        "imported",
        "tester",
        3,
    )
    sales = load_sales(engine)
    assert sales.loc[sales["store"].eq("S1"), "revenue"].tolist() == [3.0, 3.0]


def test_replacement_counts_and_values(engine, sales_csv, upload_dir):
    _import(
        engine,
        upload_dir,
        sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2", "2024-01-03,S1,C,P,3"),
    )
    (result,) = _import(
        engine,
        upload_dir,
        sales_csv("b.csv", "2024-01-02,S1,C,P,20", "2024-01-03,S1,C,P,3", "2024-01-04,S1,C,P,4"),
    )
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (1, 1, 1)
    assert load_sales(engine)["revenue"].tolist() == [1.0, 20.0, 3.0, 4.0]


def test_identical_file_and_unchanged_rows_are_noops(engine, sales_csv, upload_dir, db_counts):
    lines = ("2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    _import(engine, upload_dir, sales_csv("a.csv", *lines))
    before = db_counts()
    (same,) = _import(engine, upload_dir, sales_csv("a.csv", *lines))
    assert (
        same.status == "unchanged" and same.rows_new == same.rows_replaced == 0 and same.rows_unchanged == 2
    )
    assert "identical to upload #1" in same.note
    # Same rows in another layout (different bytes): every row compared and found unchanged.
    (reordered,) = _import(engine, upload_dir, sales_csv("b.csv", *reversed(lines)))
    assert (reordered.status, reordered.rows_unchanged) == ("unchanged", 2)
    after = db_counts()
    assert after["sales"] == before["sales"] and after["uploads"] == before["uploads"] + 2
    assert [u.status for u in _uploads(engine)] == ["imported", "unchanged", "unchanged"]


def test_batch_is_all_or_nothing(engine, sales_csv, upload_dir, db_counts):
    good = sales_csv("good.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    bad = sales_csv("bad.csv", "2024-01-01,S2,C,Q,1", "2024-01-02,S2,C,Q,-2")
    with pytest.raises(SalesFileError) as info:
        _import(engine, upload_dir, good, bad)
    assert [p.file for p in info.value.problems] == ["bad.csv"]
    counts = db_counts()
    assert (counts["sales"], counts["stores"], counts["products"], counts["settings"]) == (0, 0, 0, 0)
    uploads = _uploads(engine)
    assert [(u.filename, u.status) for u in uploads] == [("good.csv", "rejected"), ("bad.csv", "rejected")]
    assert "bad.csv was rejected" in uploads[0].error and "negative revenue" in uploads[1].error


def test_batch_later_file_replaces_earlier_and_counts_per_file(engine, sales_csv, upload_dir):
    first = sales_csv("1.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    second = sales_csv("2.csv", "2024-01-02,S1,C,P,5", "2024-01-03,S1,C,P,6")
    results = _import(engine, upload_dir, first, second)
    assert [(r.rows_new, r.rows_replaced) for r in results] == [(2, 0), (1, 1)]
    assert load_sales(engine)["revenue"].tolist() == [1.0, 5.0, 6.0]


def test_category_conflict_with_stored_product_is_rejected(engine, sales_csv, upload_dir, db_counts):
    _import(
        engine, upload_dir, sales_csv("a.csv", "2024-01-01,S1,Fruit,Apple,1", "2024-01-02,S1,Fruit,Apple,1")
    )
    before = db_counts()
    other = sales_csv("b.csv", "2024-01-03,S1,Fruit,Pear,1", "2024-01-04,S2,Veg,Apple,1")
    with pytest.raises(SalesFileError) as info:
        _import(engine, upload_dir, other)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("b.csv", 3, "category")
    assert "'Apple' is in category 'Veg' here but already stored under category 'Fruit'" in problem.reason
    assert db_counts()["sales"] == before["sales"]


def test_frequency_stored_normalised_and_conflict_rejected(engine, sales_csv, upload_dir, db_counts):
    (weekly,) = _import(engine, upload_dir, sales_csv("w.csv", "2024-01-07,S1,C,P,1", "2024-01-14,S1,C,P,2"))
    assert weekly.frequency == "W" and dataset_frequency(engine) == "W"
    assert [d.date().isoformat() for d in load_sales(engine)["date"]] == ["2024-01-01", "2024-01-08"]
    before = db_counts()
    daily = sales_csv("d.csv", "2024-02-01,S1,C,P,1", "2024-02-02,S1,C,P,1")
    with pytest.raises(SalesFileError, match="daily but the stored data is weekly"):
        _import(engine, upload_dir, daily)
    assert db_counts()["sales"] == before["sales"]
    # One more week, a single date: takes the stored frequency.
    (one,) = _import(engine, upload_dir, sales_csv("w2.csv", "2024-01-21,S1,C,P,3"))
    assert (one.frequency, one.rows_new) == ("W", 1)


def test_irregular_dates_rejected(engine, sales_csv, upload_dir):
    path = sales_csv("i.csv", "2024-01-01,S1,C,P,1", "2024-01-04,S1,C,P,1", "2024-01-11,S1,C,P,1")
    with pytest.raises(SalesFileError, match=r"i\.csv, column 'date': dates are not on a regular"):
        _import(engine, upload_dir, path)


def test_preview_writes_nothing(engine, sales_csv, upload_dir, db_counts):
    _import(engine, upload_dir, sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2"))
    before = db_counts()
    path = sales_csv("b.csv", "2024-01-02,S1,C,P,9", "2024-01-03,S2,C,P,1", "2024-01-03,S2,C,P,1")
    preview = preview_sales_file(engine, path)
    assert (preview.rows_read, preview.rows_new, preview.rows_replaced, preview.rows_unchanged) == (
        3,
        1,
        1,
        0,
    )
    assert preview.frequency == "D" and preview.stores == ["S1", "S2"] and len(preview.rows) == 2
    assert db_counts() == before


def test_import_sales_frame_validates_and_is_idempotent(engine, upload_dir, db_counts):
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "store": ["S1", "S1"],
            "category": ["C", "C"],
            "product": ["P", "P"],
            "revenue": [1.5, 2.5],
            "units": [1.0, float("nan")],
        }
    )
    result = import_sales_frame(engine, frame, filename="gen.csv", uploaded_by="demo", upload_dir=upload_dir)
    assert (result.status, result.rows_new) == ("imported", 2)
    assert (upload_dir / f"{result.sha256}.csv").exists()
    again = import_sales_frame(engine, frame, filename="gen.csv", uploaded_by="demo")
    assert again.status == "unchanged" and db_counts()["sales"] == 2
    bad = frame.assign(revenue=[1.0, -1.0])
    with pytest.raises(SalesFileError, match=r"gen2\.csv, row 3, column 'revenue': negative"):
        import_sales_frame(engine, bad, filename="gen2.csv", uploaded_by="demo")


def test_sparse_days_append_to_daily_data(engine, sales_csv, upload_dir):
    _import(engine, upload_dir, sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,1"))
    sparse = sales_csv("slow.csv", "2024-01-03,S1,C,Q,1", "2024-01-07,S1,C,Q,1", "2024-01-16,S1,C,Q,1")
    (result,) = _import(engine, upload_dir, sparse)
    assert (result.frequency, result.rows_new) == ("D", 3)


def test_progress_is_reported(engine, sales_csv, upload_dir):
    calls: list[tuple[int, int, str]] = []
    path = sales_csv("p.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    import_sales_files(
        engine, [path], uploaded_by="t", upload_dir=upload_dir, progress=lambda *a: calls.append(a)
    )
    labels = [str(label) for _, _, label in calls]  # Messages: str() is the English label
    assert labels[0] == "reading p.csv" and labels[-1] == "import finished"
    # A first load writes the rows straight into the empty table; a later file is staged and compared.
    assert ("writing 2 rows of p.csv" in labels) and not any(label.startswith("staging") for label in labels)
    assert all(0 <= step <= total for step, total, _ in calls)
    calls.clear()
    later = sales_csv("q.csv", "2024-01-02,S1,C,P,5", "2024-01-03,S1,C,P,2")
    import_sales_files(
        engine, [later], uploaded_by="t", upload_dir=upload_dir, progress=lambda *a: calls.append(a)
    )
    labels = [str(label) for _, _, label in calls]
    assert any(label.startswith("staging q.csv") for label in labels) and "writing 2 rows of q.csv" in labels


def test_reimporting_an_earlier_file_restores_the_keys_a_later_file_replaced(engine, sales_csv, upload_dir):
    a = sales_csv("a.csv", "2024-01-01,S1,C1,P1,10", "2024-01-02,S1,C1,P1,10")
    b = sales_csv("b.csv", "2024-01-01,S1,C1,P1,99")
    _import(engine, upload_dir, a)
    _import(engine, upload_dir, b)
    (again,) = _import(engine, upload_dir, a)
    assert load_sales(engine)["revenue"].tolist() == [10.0, 10.0]  # later files replace: a is later now
    assert (again.status, again.rows_new, again.rows_replaced, again.rows_unchanged) == ("imported", 0, 1, 1)
    assert "upload #1" in again.note and "1 replaced" in again.summary()
    # Nothing changed since: the identical file is recognised without reading it again.
    (same,) = _import(engine, upload_dir, a)
    assert same.status == "unchanged" and "identical to upload #3" in same.note


def test_batch_reimport_after_a_replacing_file_of_the_same_batch_is_applied(engine, sales_csv, upload_dir):
    a = sales_csv("a.csv", "2024-01-01,S1,C1,P1,10", "2024-01-02,S1,C1,P1,10")
    b = sales_csv("b.csv", "2024-01-01,S1,C1,P1,99")
    _import(engine, upload_dir, a)
    results = _import(engine, upload_dir, b, a)  # a comes last in the batch: its values win
    assert [(r.status, r.rows_replaced) for r in results] == [("imported", 1), ("imported", 1)]
    assert load_sales(engine)["revenue"].tolist() == [10.0, 10.0]


def test_a_correction_of_one_weekday_is_accepted_into_daily_data(engine, sales_csv, upload_dir):
    days = [f"2024-01-{d:02d},S1,C,P,1" for d in range(1, 15)]
    _import(engine, upload_dir, sales_csv("daily.csv", *days))
    (fix,) = _import(engine, upload_dir, sales_csv("fix.csv", "2024-01-02,S1,C,P,7", "2024-01-09,S1,C,P,8"))
    assert (fix.status, fix.frequency, fix.rows_new, fix.rows_replaced) == ("imported", "D", 0, 2)
    sales = load_sales(engine).set_index("date")["revenue"]
    assert sales[pd.Timestamp("2024-01-02")] == 7.0 and sales[pd.Timestamp("2024-01-09")] == 8.0
    assert len(sales) == 14 and dataset_frequency(engine) == "D"


def test_an_empty_upload_folder_is_refused_and_nothing_is_written(
    engine, sales_csv, db_counts, monkeypatch, tmp_path
):
    """``Path("")`` is the working directory: raw files landed in a checkout when settings were built
    without ``load_config``. An empty folder is refused before any sales are written."""
    path = sales_csv("jan.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="no upload folder is set"):
        import_sales_files(engine, [path], uploaded_by="test", upload_dir="")
    assert db_counts()["sales"] == 0 and list(tmp_path.glob("*.csv")) == []


def _sales_indexes(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE tbl_name = 'sales'").scalars())


def test_a_first_load_batch_writes_directly_then_upserts_and_keeps_every_index(engine, sales_csv, upload_dir):
    """SQLite: the first file of an empty database goes straight into sales with its named indexes
    rebuilt after; the second file of the same batch is staged and replaces the first file's key."""
    before = _sales_indexes(engine)
    assert any("ix_sales_product_date" in (d or "") for d in before)
    a = sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    b = sales_csv("b.csv", "2024-01-02,S1,C,P,5", "2024-01-03,S2,C,P,7")
    first, second = _import(engine, upload_dir, a, b)
    assert (first.rows_new, second.rows_new, second.rows_replaced) == (2, 1, 1)
    assert load_sales(engine)["revenue"].tolist() == [1.0, 5.0, 7.0]
    assert _sales_indexes(engine) == before


def test_a_failed_first_load_leaves_no_rows_and_every_index(engine, sales_csv, upload_dir):
    before = _sales_indexes(engine)

    def fail_while_writing(step: int, total: int, label: str) -> None:
        if str(label).startswith("writing") and step:
            raise RuntimeError("disk full")

    path = sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    with pytest.raises(RuntimeError, match="disk full"):
        import_sales_files(
            engine, [path], uploaded_by="t", upload_dir=upload_dir, progress=fail_while_writing
        )
    assert _sales_indexes(engine) == before and load_sales(engine).empty
    assert [u.status for u in _uploads(engine)] == ["rejected"]
