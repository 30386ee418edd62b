"""Bad sales files: every problem is reported with file, row, column and reason; nothing is written."""

from __future__ import annotations

import pytest

from data.ingest import read_sales_file
from data.storage import import_sales_files
from data.validation import MAX_LISTED, Problem, SalesFileError, first_problem

H = "date,store,category,product,revenue"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["2024-13-01,S1,C,P,1"], [(2, "date", "unparsable date '2024-13-01'")]),
        (["31/02/2024,S1,C,P,1"], [(2, "date", "unparsable date '31/02/2024'")]),
        (["01-02-2024,S1,C,P,1"], [(2, "date", "expected YYYY-MM-DD or DD/MM/YYYY")]),
        ([",S1,C,P,1"], [(2, "date", "missing date")]),
        (["2024-01-01,,C,P,1"], [(2, "store", "missing store")]),
        (["2024-01-01,S1,  ,P,1"], [(2, "category", "missing category")]),
        (["2024-01-01,S1,C,,1"], [(2, "product", "missing product")]),
        (["2024-01-01,S1,C,P,"], [(2, "revenue", "missing revenue")]),
        (["2024-01-01,S1,C,P,abc"], [(2, "revenue", "not a number: 'abc'")]),
        (["2024-01-01,S1,C,P,-3.5"], [(2, "revenue", "negative revenue (-3.5)")]),
        (
            ["2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,x", "2024-01-03,,C,P,-1"],
            [(3, "revenue", "not a number"), (4, "store", "missing store"), (4, "revenue", "negative")],
        ),
        (
            ["2024-01-01,S1,Fruit,Apple,1", "2024-01-02,S1,Fruit,Apple,1", "2024-01-02,S2,Veg,Apple,1"],
            [
                (
                    4,
                    "category",
                    "product 'Apple' appears in several categories: 'Fruit' (e.g. row 2); 'Veg' (e.g. row 4)",
                )
            ],
        ),
    ],
)
def test_row_problems_name_file_row_column_reason(sales_csv, lines, expected):
    path = sales_csv("bad.csv", *lines)
    with pytest.raises(SalesFileError) as info:
        read_sales_file(path)
    problems = info.value.problems
    assert len(problems) == len(expected)
    for problem, (row, column, reason) in zip(problems, expected, strict=True):
        assert (problem.file, problem.row, problem.column) == ("bad.csv", row, column)
        assert reason in problem.reason
        assert f"bad.csv, row {row}, column '{column}'" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", "", "the file is empty"),
        ("blank.csv", "\n\n  \n", "the file is empty"),
        ("header.csv", H + "\n", "header but no data rows"),
        ("notes.pdf", "%PDF-1.4", "unsupported file type '.pdf'"),
        ("old.xls", "x", "old .xls files are not supported"),
        ("noext", "x", "unsupported file type '(no extension)'"),
        ("fake.xlsx", "date,store\n", "not an XLSX workbook"),
        ("zip.csv", b"PK\x03\x04rest-of-zip", "Excel/ZIP file, not CSV text"),
        ("bin.csv", b"date\x00\x01\x02", "binary"),
        ("latin1.csv", (H + "\n2024-01-01,São,C,P,1\n").encode("latin-1"), "not UTF-8"),
        ("cols.csv", "dt,shop,kind,thing,money\n2024-01-01,S,C,P,1\n", "missing required column 'date'"),
    ],
)
def test_file_level_problems(write_file, name, content, reason):
    with pytest.raises(SalesFileError) as info:
        read_sales_file(write_file(name, content))
    assert info.value.problems[0].file == name
    assert reason in str(info.value)


def test_missing_column_lists_found_columns_and_aliases(sales_csv):
    path = sales_csv("m.csv", "2024-01-01,S1,P,1", header="Data,Loja,Produto,Valor")
    with pytest.raises(SalesFileError) as info:
        read_sales_file(path)
    (problem,) = info.value.problems
    assert problem.row == 1
    assert "missing required column 'category'" in problem.reason
    assert "categoria" in problem.reason  # accepted aliases
    assert "'Data', 'Loja', 'Produto', 'Valor'" in problem.reason  # what was found


def test_ambiguous_columns(sales_csv):
    path = sales_csv("a.csv", "2024-01-01,S1,C,P,1,2", header="date,store,category,product,revenue,Valor")
    with pytest.raises(SalesFileError, match="ambiguous columns: 'revenue' and 'Valor' both mean 'revenue'"):
        read_sales_file(path)


def test_size_limit(sales_csv):
    path = sales_csv("big.csv", *["2024-01-01,S1,C,P,1"] * 50)
    with pytest.raises(SalesFileError, match="over the upload limit of 100 bytes"):
        read_sales_file(path, max_bytes=100)
    assert len(read_sales_file(path, max_bytes=10_000)) == 1


def test_many_bad_rows_are_capped_with_a_count(write_file):
    n = 5000
    content = H + "\n" + "2024-01-01,S1,C,P,bad\n" * n
    with pytest.raises(SalesFileError) as info:
        read_sales_file(write_file("many.csv", content))
    err = info.value
    assert len(err.problems) == MAX_LISTED
    assert err.total == n
    assert f"and {n - MAX_LISTED} more problems" in str(err)
    assert [p.row for p in err.problems[:3]] == [2, 3, 4]


def test_bad_file_leaves_database_unchanged_and_rejection_recorded(engine, sales_csv, upload_dir, db_counts):
    good = sales_csv("good.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    import_sales_files(engine, [good], uploaded_by="t", upload_dir=upload_dir)
    before = db_counts()
    bad = sales_csv("bad.csv", "2024-01-03,S9,C,P2,1", "2024-01-04,S9,C,P2,oops")
    with pytest.raises(SalesFileError, match=r"bad\.csv, row 3, column 'revenue'"):
        import_sales_files(engine, [bad], uploaded_by="t", upload_dir=upload_dir)
    after = db_counts()
    assert {k: after[k] for k in ("sales", "stores", "products", "settings")} == {
        k: before[k] for k in ("sales", "stores", "products", "settings")
    }
    assert after["uploads"] == before["uploads"] + 1


def test_row_with_extra_fields_is_caught_not_truncated(write_file):
    # An unquoted decimal comma in a comma-separated file would silently drop the decimals.
    content = H + "\r\n2024-01-01,S1,C,P,1\r\n\r\n2024-01-02,S1,C,P,10,5\r\n"
    with pytest.raises(SalesFileError) as info:
        read_sales_file(write_file("extra.csv", content))
    (problem,) = info.value.problems
    assert problem.row == 4
    assert "6 fields, the header has 5" in problem.reason and "unquoted decimal comma" in problem.reason


def test_xlsx_problems_use_sheet_row_numbers(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])  # a blank first row: the header is on sheet row 2
    sheet.append(["date", "store", "category", "product", "revenue"])
    sheet.append(["2024-01-01", "S1", "C", "P", 1])
    sheet.append(["2024-01-02", "S1", "C", "P", "n/a"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(SalesFileError) as info:
        read_sales_file(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("book.xlsx", 4, "revenue")


def test_oversized_and_unsupported_files_rejected_and_recorded(engine, write_file, upload_dir, db_counts):
    big = write_file("big.csv", H + "\n" + "2024-01-01,S1,C,P,1\n" * 100)
    other = write_file("notes.pdf", "%PDF-1.4")
    with pytest.raises(SalesFileError) as info:
        import_sales_files(engine, [big, other], uploaded_by="t", upload_dir=upload_dir, max_bytes=500)
    assert [p.file for p in info.value.problems] == ["big.csv", "notes.pdf"]
    assert db_counts()["uploads"] == 2 and db_counts()["sales"] == 0
    assert not upload_dir.exists() or not list(upload_dir.iterdir())  # nothing over the limit is kept


@pytest.mark.parametrize(
    ("problems", "total", "expected"),
    [
        ([Problem("a.csv", 3, "date", "missing date")], None, "a.csv, row 3, column 'date': missing date"),
        (
            [Problem("a.csv", None, None, "the file is empty"), Problem("a.csv", 2, "revenue", "x")],
            None,
            "a.csv: the file is empty (+1 more problem)",
        ),
        (
            [Problem("a.csv", 2, "store", "missing store")],
            500,
            "a.csv, row 2, column 'store': missing store (+499 more problems)",
        ),
    ],
)
def test_first_problem_of_a_stored_rejection(problems, total, expected):
    assert first_problem(str(SalesFileError(problems, total=total))) == expected


def test_first_problem_of_a_message_without_listed_problems():
    assert (
        first_problem("not imported: b.csv was rejected\nsecond line") == "not imported: b.csv was rejected"
    )
    assert first_problem("") == ""
