"""Previewing a batch checks and counts it as importing it would: each file against the database
plus the files before it, and conflicts between files name the earlier file."""

from __future__ import annotations

import pytest

from data.storage import import_sales_files, preview_sales_files
from data.validation import SalesFileError


def _import(engine, upload_dir, *paths):
    return import_sales_files(engine, paths, uploaded_by="t", upload_dir=upload_dir)


def _refusals(engine, upload_dir, *paths) -> tuple[list, list]:
    """The problems of the preview and of the import of the same batch."""
    with pytest.raises(SalesFileError) as previewed:
        preview_sales_files(engine, paths)
    with pytest.raises(SalesFileError) as imported:
        _import(engine, upload_dir, *paths)
    return previewed.value.problems, imported.value.problems


def test_category_clash_between_files_of_a_batch_is_refused_naming_the_earlier_file(
    engine, sales_csv, upload_dir, db_counts
):
    first = sales_csv("a.csv", "2024-01-01,S1,C1,P1,1", "2024-01-02,S1,C1,P1,1")
    second = sales_csv("b.csv", "2024-01-03,S1,C1,P2,1", "2024-01-03,S1,C2,P1,1", "2024-01-04,S1,C2,P1,1")
    previewed, imported = _refusals(engine, upload_dir, first, second)
    assert previewed == imported
    (problem,) = previewed
    assert (problem.file, problem.row, problem.column) == ("b.csv", 3, "category")
    assert problem.reason == (
        "product 'P1' is in category 'C2' here but in category 'C1' in a.csv (row 2), earlier in this "
        "batch; a product belongs to one category"
    )
    assert db_counts()["sales"] == 0


def test_weekly_then_daily_in_one_batch_is_refused_naming_the_earlier_file(engine, sales_csv, upload_dir):
    weekly = sales_csv("w.csv", "2024-01-07,S1,C,P,1", "2024-01-14,S1,C,P,1", "2024-01-21,S1,C,P,1")
    daily = sales_csv("d.csv", "2024-02-01,S1,C,P,1", "2024-02-02,S1,C,P,1")
    previewed, imported = _refusals(engine, upload_dir, weekly, daily)
    assert previewed == imported
    (problem,) = previewed
    assert (problem.file, problem.column) == ("d.csv", "date")
    assert problem.reason.startswith(
        "the file's dates are daily but those of w.csv (earlier in this batch) are weekly"
    )


def test_preview_counts_overlap_between_files_like_the_import(engine, sales_csv, upload_dir, db_counts):
    _import(engine, upload_dir, sales_csv("base.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2"))
    first = sales_csv("1.csv", "2024-01-01,S1,C,P,5", "2024-01-03,S1,C,P,3")  # 1 replaced, 1 new
    # 2024-01-01: same as 1.csv -> unchanged; 01-03: replaces 1.csv's -> replaced; 01-04 new.
    second = sales_csv("2.csv", "2024-01-01,S1,C,P,5", "2024-01-03,S1,C,P,9", "2024-01-04,S1,C,P,4")
    before = db_counts()
    previews = preview_sales_files(engine, [first, second])
    assert db_counts() == before
    counts = [(p.filename, p.rows_new, p.rows_replaced, p.rows_unchanged) for p in previews]
    assert counts == [("1.csv", 1, 1, 0), ("2.csv", 1, 1, 1)]
    assert preview_sales_files(engine, [first, second]) is not None  # nothing left over from the first run
    results = _import(engine, upload_dir, first, second)
    assert [(r.filename, r.rows_new, r.rows_replaced, r.rows_unchanged) for r in results] == counts
