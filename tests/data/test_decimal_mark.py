"""The decimal mark is decided once per file, from values that can only be read one way."""

from __future__ import annotations

import openpyxl
import pytest

from data.ingest import read_sales_file, read_sales_table
from data.storage import preview_sales_file
from data.validation import SalesFileError

SEMI = "date;store;category;product;revenue;units"
COMMA = "date,store,category,product,revenue,units"


def _read(write_file, header: str, *lines: str, name: str = "f.csv"):
    table = read_sales_table(write_file(name, "\n".join([header, *lines]) + "\n"))
    frame = table.frame.sort_values("date").reset_index(drop=True)
    return table, frame["revenue"].tolist(), frame["units"].tolist()


def test_semicolon_file_decimal_comma_in_revenue_applies_to_units(write_file):
    _, revenue, units = _read(
        write_file, SEMI, "2024-01-01;S;C;P;1.234,56;1.000", "2024-01-02;S;C;P;10;2.500"
    )
    assert revenue == [1234.56, 10.0]
    assert units == [1000.0, 2500.0]


def test_semicolon_file_with_only_thousands_groups_follows_the_separator(write_file):
    table, revenue, _ = _read(write_file, SEMI, "2024-01-01;S;C;P;1.234;", "2024-01-02;S;C;P;2.500;")
    assert revenue == [1234.0, 2500.0]
    assert table.decimal_mark.mark == "," and "';' field separator" in str(table.decimal_mark)


def test_comma_file_us_thousands_with_a_decimal_value_elsewhere(write_file):
    _, revenue, _ = _read(write_file, COMMA, '2024-01-01,S,C,P,"1,234",', '2024-01-02,S,C,P,"2,500.75",')
    assert revenue == [1234.0, 2500.75]


def test_comma_file_with_only_quoted_thousands_follows_the_separator(write_file):
    _, revenue, units = _read(write_file, COMMA, '2024-01-01,S,C,P,"1,234","1,000"', "2024-01-02,S,C,P,7,1")
    assert revenue == [1234.0, 7.0] and units == [1000.0, 1.0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("1.5", "1.234"), [1.5, 1.234]),  # '1.5' shows the dot is decimal: '1.234' is 1.234
        (("0.500", "2.500"), [0.5, 2.5]),  # a leading 0 is never a thousands group
        (("1234.567", "1.234"), [1234.567, 1.234]),  # four digits before the mark
        (("1.234.567", "2.500"), [1234567.0, 2500.0]),  # two dots: thousands groups
    ],
)
def test_evidence_in_a_semicolon_file_overrides_the_separator_hint(write_file, values, expected):
    lines = [f"2024-01-0{i};S;C;P;{v};" for i, v in enumerate(values, start=1)]
    table, revenue, _ = _read(write_file, SEMI, *lines)
    assert revenue == expected
    assert f"'{values[0]}'" in str(table.decimal_mark)


def test_units_evidence_decides_revenue(write_file):
    _, revenue, units = _read(write_file, SEMI, "2024-01-01;S;C;P;1.234;2,5", "2024-01-02;S;C;P;3;1")
    assert revenue == [1234.0, 3.0] and units == [2.5, 1.0]


def test_mixed_decimal_marks_are_rejected_naming_the_rows(write_file):
    content = SEMI + "\n2024-01-01;S;C;P;1.234,56;\n2024-01-02;S;C;P;10,5;\n2024-01-03;S;C;P;7.5;\n"
    with pytest.raises(SalesFileError) as info:
        read_sales_file(write_file("mixed.csv", content))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (4, "revenue")
    assert "'7.5' only reads as a number with '.' as decimal mark" in problem.reason
    assert "this file uses ','" in problem.reason and "'1.234,56' on row 2" in problem.reason


def test_xlsx_text_cells_share_the_decision_and_number_cells_stay_as_they_are(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "store", "category", "product", "revenue", "units"])
    sheet.append(["2024-01-01", "S", "C", "P", "1.234", "2,5"])
    sheet.append(["2024-01-02", "S", "C", "P", 1.234, 3])
    path = tmp_path / "t.xlsx"
    book.save(path)
    frame = read_sales_file(path).sort_values("date")
    assert frame["revenue"].tolist() == [1234.0, 1.234] and frame["units"].tolist() == [2.5, 3.0]


def test_preview_shows_the_decimal_mark_and_why(engine, write_file):
    path = write_file("p.csv", SEMI + "\n2024-01-01;S;C;P;1.234;1.000\n2024-01-02;S;C;P;2,5;\n")
    preview = preview_sales_file(engine, path)
    assert preview.rows["revenue"].tolist() == [1234.0, 2.5] and preview.rows["units"].iloc[0] == 1000.0
    assert preview.decimal_mark == "',' (as in '2,5' on row 3, column 'revenue')"
