"""An XLSX sheet over the row limit is refused from a count of its ``<row>`` tags, before any row is parsed.

The issue's file (2M rows in ~1.5 MB, ~360 MB of XML) is under the default 500 MB expansion limit, so
only the row limit can refuse it; counting tags while inflating refuses it in about a second with the
default settings, where parsing the first 250,000 rows took ~30 s (~55 s on a loaded machine).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from data.ingest import read_sales_table
from data.limits import MB, SalesLimits
from data.validation import SalesFileError
from data.xlsx import check_row_count, first_sheet_part, nth_row
from tests.data.xlsx_files import HEADER, SHEET, bomb, book, refusal

TODAY = SalesLimits(today=dt.date(2024, 6, 1))  # default limits, pinned date


def test_the_issues_bomb_is_refused_early_with_the_default_settings(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb(2_000_000))
    assert path.stat().st_size < 2 * MB
    assert TODAY.max_xlsx_bytes == 500 * MB and TODAY.max_xlsx_rows == 250_000  # the defaults
    error, peak = refusal(path, TODAY)
    (problem,) = error.problems
    assert problem.row == 250_002  # the first row past the limit, found before openpyxl read a row
    assert problem.reason.startswith("more than 250,000 data rows in an XLSX file")
    assert "TRENDSALES_MAX_XLSX_ROWS" in problem.reason and "save it as CSV" in problem.reason
    assert peak < 50, f"peak {peak:.0f} MB"


def test_row_tags_cut_by_the_inflate_blocks_are_counted_once():
    # 20,000 rows of ~190 bytes: ~3.8 MB of XML, so tags straddle the 1 MB block boundaries
    archive = zipfile.ZipFile(io.BytesIO(bomb(20_000)))
    assert archive.getinfo(SHEET).file_size > 3 * MB
    assert nth_row(archive, SHEET, 20_001) == 20_001  # the header row and the data rows, each once
    assert nth_row(archive, SHEET, 20_002) is None
    assert [nth_row(archive, SHEET, n) for n in (1, 5_519, 11_038, 16_557)] == [1, 5_519, 11_038, 16_557]


def test_the_row_number_is_the_elements_r_attribute():
    rows = [["2024-01-01", "S1", "C", "P", n] for n in range(5)]
    archive = zipfile.ZipFile(io.BytesIO(book([], [], HEADER, *rows)))  # two empty rows above the header
    part = first_sheet_part(archive)
    assert [nth_row(archive, part, n) for n in (1, 6, 7)] == [3, 8, None]


def test_a_sheet_at_the_limit_is_read_and_only_the_first_sheet_is_counted(tmp_path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.append(HEADER)
    for day in range(1, 21):
        first.append([f"2024-01-{day:02d}", "S1", "C", "P", day])
    big = workbook.create_sheet("notes")  # a long second sheet is never read, so never counted
    for n in range(500):
        big.append([n])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "ok.xlsx"
    path.write_bytes(buffer.getvalue())
    assert first_sheet_part(zipfile.ZipFile(io.BytesIO(buffer.getvalue()))) == SHEET
    table = read_sales_table(path, limits=SalesLimits(max_xlsx_rows=20, today=TODAY.today))
    assert table.rows_read == 20 and table.frame["revenue"].sum() == 210


def test_one_row_over_the_limit_is_refused_by_the_count():
    content = book(HEADER, *[["2024-01-01", "S1", "C", "P", n] for n in range(21)])
    with pytest.raises(SalesFileError) as info:
        check_row_count(content, "big.xlsx", SalesLimits(max_xlsx_rows=20))
    (problem,) = info.value.problems
    assert (problem.row, problem.reason[:42]) == (22, "more than 20 data rows in an XLSX file (li")
