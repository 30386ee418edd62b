"""A catalogue of bad sales files, each imported through the real storage on a temporary SQLite database.

Every case must be refused with a problem naming the file, the row and the column (where they
apply) and the reason, and leave no sales, catalogue or settings rows behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import pytest

from data.limits import SalesLimits
from data.storage import import_sales_files
from data.validation import SalesFileError
from tests.data.xlsx_files import HEADER, bomb, book, understate_size

TODAY = dt.date(2026, 6, 15)
LIMITS = SalesLimits(today=TODAY)
WINDOW = "outside the allowed window 1901-01-01 to 2026-06-16"
H = "date,store,category,product,revenue"
HU = "date,store,category,product,revenue,units"
OK = "2024-01-01,S1,C,P,10"


def csv(*lines: str, header: str = H, sep: str = ",") -> str:
    """A CSV text: ``header`` then ``lines``; ``sep`` replaces ',' in the header only when asked."""
    return "\n".join([header.replace(",", sep), *lines]) + "\n"


VALUES = {"date": "2024-01-01", "store": "S1", "category": "C", "product": "P", "revenue": "10", "units": "2"}


def shifted(position: int, fields: list[str], field: str, value: str) -> tuple[str, str]:
    """(header, data row) of ``fields`` with ``field`` moved to ``position`` and holding ``value``."""
    order = [f for f in fields if f != field]
    order.insert(position, field)
    return ",".join(order), ",".join(value if f == field else VALUES[f] for f in order)


Content = str | bytes | Callable[[], bytes]
XLSX_ROWS = [HEADER, ["2024-01-01", "S1", "C", "P", 10]]
MAX = "above the maximum"
X = "f.xlsx"
REVENUE_FIRST = "revenue,date,store,category,product"
SEMICOLON_ROWS = ("2024-01-01;S1;C;P;10", "2024-01-02;S1;C;P;1,5", "2024-01-03;S1;C;P;2")
FINITE = "not a finite number"


def case(
    case_id: str,
    content: Content,
    row: int | None,
    column: str | None,
    reason: str,
    name: str = "f.csv",
    **limits: object,
):
    """One catalogue entry: the file, the problem expected (row, column, reason) and lowered limits."""
    return pytest.param(name, content, limits, (row, column, reason), id=case_id)


def row(date: str = "2024-01-01", revenue: str = "10", *, store: str = "S1", product: str = "P") -> str:
    """A data line under ``H``."""
    return f"{date},{store},C,{product},{revenue}"


def xlsx_row(date: object = "2024-01-01", revenue: object = 10) -> Callable[[], bytes]:
    """A workbook with the header and one data row."""
    return lambda: book(HEADER, [date, "S1", "C", "P", revenue])


SHIFTED = [
    case(f"comma-{field}-at-{pos}", csv(line, header=head), 2, None, f"{n + 1} fields, the header has {n}")
    for field, fields, value in (("revenue", H.split(","), "10,50"), ("units", HU.split(","), "1,5"))
    for n in [len(fields)]
    for pos in range(len(fields))
    for head, line in [shifted(pos, fields, field, value)]
]

CASES = [
    *SHIFTED,
    case("issue-revenue-first", csv("1234,99,2024-01-01,S1,C,P", header=REVENUE_FIRST),
         2, None, "6 fields, the header has 5 — an unquoted decimal comma?"),
    case("extra-field-row-4", csv(OK, OK, "2024-01-03,S1,C,P,10,5"), 4, None, "6 fields, the header has 5"),
    case("fewer-fields", csv("2024-01-01,S1,C,10"), 2, None, "4 fields, the header has 5"),
    case("fewer-fields-later", csv(OK, "2024-01-02,S1"), 3, None, "2 fields, the header has 5"),
    case("mixed-sep-semicolon", csv(*SEMICOLON_ROWS, OK),
         2, None, "rows 2–4 use ';' as separator but the header uses ','"),
    case("mixed-sep-comma", csv(OK, sep=";"), 2, None, "row 2 uses ',' as separator but the header uses ';'"),
    case("mixed-sep-tab", csv(OK, "2024-01-02\tS1\tC\tP\t3"), 3, None, "row 3 uses tab as separator"),
    case("year-1", csv(row("0001-01-01")), 2, "date", "date 0001-01-01 is " + WINDOW),
    case("year-9999", csv(row("9999-12-31")), 2, "date", "date 9999-12-31 is " + WINDOW),
    case("year-2099", csv(OK, row("2099-01-01")), 3, "date", "date 2099-01-01 is " + WINDOW),
    case("before-1901", csv(row("1900-12-31")), 2, "date", WINDOW),
    case("year-typo", csv(OK, row("2024-01-02"), row("1924-01-03")), 4, "date",
         "date 1924-01-03 is more than 10 years away from the file's other dates (nearest 2024-01-01)"),
    case("year-typo-ahead", csv(row("2004-01-02"), row("2004-01-03"), OK), 4, "date",
         "date 2024-01-01 is more than 10 years away from the file's other dates (nearest 2004-01-03)"),
    case("today-plus-2", csv(row("2026-06-17")), 2, "date", WINDOW),
    case("dmy-1900", csv(row("01/01/1900")), 2, "date", "date 1900-01-01 is " + WINDOW),
    case("date-word", csv(row("yesterday")), 2, "date", "unparsable date 'yesterday'"),
    case("date-feb-30", csv(row("2024-02-30")), 2, "date", "unparsable date '2024-02-30'"),
    case("date-serial", csv(row("45000")), 2, "date", "unparsable date '45000'"),
    case("date-missing", csv(row("")), 2, "date", "missing date"),
    case("revenue-negative", csv(row(revenue="-1")), 2, "revenue", "negative revenue"),
    case("revenue-text", csv(row(revenue="abc")), 2, "revenue", "not a number: 'abc'"),
    case("revenue-nan", csv(row(revenue="NaN")), 2, "revenue", FINITE + ": 'NaN'"),
    case("revenue-inf", csv(row(revenue="inf")), 2, "revenue", FINITE + ": 'inf'"),
    case("revenue-minus-inf", csv(row(revenue="-inf")), 2, "revenue", FINITE),
    case("revenue-1e309", csv(row(revenue="1e309")), 2, "revenue", FINITE + ": '1e309'"),
    case("revenue-above-max", csv(row(revenue="2e12")), 2, "revenue", MAX + " of 1e+12 per row"),
    case("1e308-pair-default-max", csv(row(revenue="1e308"), row(revenue="1e308")), 2, "revenue", MAX),
    case("revenue-missing", csv(OK, row("2024-01-02", "")), 3, "revenue", "missing revenue"),
    case("revenue-div0-text", csv(row(revenue="#DIV/0!")), 2, "revenue", "spreadsheet error '#DIV/0!'"),
    case("units-text", csv(OK + ",x", header=HU), 2, "units", "not a number: 'x'"),
    case("units-1e309", csv(OK + ",1e309", header=HU), 2, "units", FINITE),
    case("units-inf", csv(OK + ",inf", header=HU), 2, "units", FINITE),
    case("units-above-max", csv(OK + ",5e12", header=HU), 2, "units", MAX),
    case("overflow-after-summing", csv(row(revenue="1e308"), row(revenue="1e308")), 2, "revenue",
         "the sum of revenue for date 2024-01-01, store 'S1', product 'P' overflows", max_value=float("inf")),
    case("sum-above-max", csv(row(revenue="6e11"), row("2024-01-02"), row(revenue="6e11")), 2, "revenue",
         "the sum of revenue for date 2024-01-01, store 'S1', product 'P' is 1.2e+12"),
    case("decimal-marks-both", csv(row(revenue='"1.234,56"'), row("2024-01-02", '"1,234.56"'), OK), 2,
         "revenue", "use one decimal mark in the whole file"),
    case("decimal-semicolon", csv("2024-01-01;S1;C;P;12,5", "2024-01-02;S1;C;P;7.25", "2024-01-03;S1;C;P;3,5",
         sep=";"), 3, "revenue", "only reads as a number with '.'"),
    case("two-categories", csv("2024-01-01,S1,Fruit,Apple,1", "2024-01-02,S1,Veg,Apple,1"), 3, "category",
         "product 'Apple' appears in several categories"),
    case("missing-store", csv(row(store="")), 2, "store", "missing store"),
    case("missing-category", csv("2024-01-01,S1,,P,1"), 2, "category", "missing category"),
    case("missing-product", csv(row(product=" ")), 2, "product", "missing product"),
    case("long-store", csv(row(store="S" * 129)), 2, "store", "longer than 128"),
    case("control-product", csv(row(product="P\x07")), 2, "product", "control character U+0007"),
    case("control-store", csv(row(store='"S\t1"')), 2, "store", "control character U+0009"),
    case("empty", "", None, None, "the file is empty"),
    case("blank-lines", "\n \n\n", None, None, "the file is empty"),
    case("header-only", H + "\n", 1, None, "header but no data rows"),
    case("header-no-newline", H, 1, None, "header but no data rows"),
    case("duplicate-column", csv("1,2,3,4,5,6", header=H + ",revenue"), 1, None, "ambiguous columns"),
    case("alias-duplicate", csv("1,2,3,4,5,6", header=H + ",valor"), 1, None, "'revenue' and 'valor' both"),
    case("no-revenue-column", csv("2024-01-01,S1,C,P", header="date,store,category,product"), 1, None,
         "missing required column 'revenue'"),
    case("no-date-column", csv("S1,C,P,1", header="store,category,product,revenue"), 1, None,
         "missing required column 'date'"),
    case("unknown-columns", csv("a,b,c", header="x,y,z"), 1, None, "missing required column"),
    case("latin-1", csv(row(store="Loja Pa\xe7o")).encode("latin-1"), 2, None, "not UTF-8 text (byte 0xe7)"),
    case("binary", b"\x00\x01\x02binary", None, None, "binary, not CSV text"),
    case("zip-as-csv", lambda: book(*XLSX_ROWS), None, None, "save it with the .xlsx extension"),
    case("utf-16-decoded", csv(OK, row("2024-01-02", "-3")).encode("utf-16"), 3, "revenue", "negative"),
    case("type-txt", csv(OK), None, None, "unsupported file type '.txt'", name="f.txt"),
    case("type-xls", csv(OK), None, None, "old .xls files are not supported", name="f.xls"),
    case("type-none", csv(OK), None, None, "unsupported file type '(no extension)'", name="f"),
    case("type-pdf", b"%PDF-1.4", None, None, "unsupported file type '.pdf'", name="f.pdf"),
    case("too-many-rows-csv", csv(OK, OK, OK), None, None, "3 data rows, over the limit of 2", max_rows=2),
    case("xlsx-bomb-declared", lambda: bomb(200_000), None, None, "expands to 35.9 MB when decompressed",
         name=X, max_xlsx_bytes=1024 * 1024),
    case("xlsx-bomb-lying-size", lambda: understate_size(bomb(200_000)), None, None,
         "the compressed data is damaged", name=X),
    case("xlsx-too-many-rows", lambda: bomb(50_000), 1002, None, "more than 1,000 data rows", name=X,
         max_rows=1000),
    case("xlsx-formula-no-value", xlsx_row(revenue="=1/0"), 2, "revenue", "missing revenue", name=X),
    case("xlsx-error-cell", xlsx_row(revenue="#DIV/0!"), 2, "revenue", "spreadsheet error", name=X),
    case("xlsx-negative", xlsx_row(revenue=-5), 2, "revenue", "negative revenue", name=X),
    case("xlsx-1900", xlsx_row(dt.datetime(1900, 1, 1)), 2, "date", "date 1900-01-01 is " + WINDOW, name=X),
    case("xlsx-1e309-text", xlsx_row(revenue="1e309"), 2, "revenue", FINITE, name=X),
    case("xlsx-above-max", xlsx_row(revenue=2e12), 2, "revenue", MAX, name=X),
    case("xlsx-not-zip", csv(OK), None, None, "not an XLSX workbook", name=X),
    case("xlsx-empty", lambda: book(), None, None, "the first sheet 'Sheet' is empty", name=X),
    case("xlsx-truncated", lambda: book(*XLSX_ROWS)[:300], None, None, "cannot read the XLSX file", name=X),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "limits", "expected"), CASES)
def test_bad_file_is_refused_naming_file_row_column_reason_and_writes_nothing(
    write_file, engine, upload_dir, db_counts, name, content, limits, expected
):
    path = write_file(name, content() if callable(content) else content)
    with pytest.raises(SalesFileError) as info:
        import_sales_files(
            engine, [path], uploaded_by="test", upload_dir=upload_dir, limits=replace(LIMITS, **limits)
        )
    row, column, reason = expected
    matching = [p for p in info.value.problems if reason in p.reason]
    assert matching, f"no problem says {reason!r}: {info.value}"
    problem = matching[0]
    assert (problem.file, problem.row, problem.column) == (name, row, column), str(info.value)
    assert str(problem).startswith(f"{name}, row {row}" if row else f"{name}")
    counts = db_counts()
    assert (counts["sales"], counts["stores"], counts["products"], counts["settings"]) == (0, 0, 0, 0)
    assert counts["uploads"] == 1  # the rejection is recorded, with its reason


def test_the_catalogue_holds_sixty_distinct_cases():
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids) >= 60
