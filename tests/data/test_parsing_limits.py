"""Parsing that cannot shift columns, limits on dates, values and work, and messages shared by CLI and UI."""

from __future__ import annotations

import base64
import datetime as dt
import itertools

import pytest

from app.config import load_config
from callbacks.admin.staging import UploadError, decode_upload, safe_name, stage_files
from data.ingest import read_sales_file
from data.limits import MB, SalesLimits, format_size
from data.storage import import_sales_files, preview_sales_files
from data.validation import SalesFileError
from tests.data.xlsx_files import bomb, refusal

FIELDS = ["date", "store", "category", "product", "revenue"]
VALUES = {"date": "2024-01-02", "store": "S1", "category": "C", "product": "P", "revenue": "10.5"}


def _line(order: tuple[str, ...], **changed: str) -> str:
    return ",".join({**VALUES, **changed}[f] for f in order)


@pytest.mark.parametrize("order", list(itertools.permutations(FIELDS)), ids="-".join)
def test_every_column_order_reads_the_same_and_an_extra_field_is_refused(write_file, order):
    header = ",".join(order)
    good = read_sales_file(write_file("good.csv", f"{header}\n{_line(order)}\n"))
    assert good[["store", "product", "revenue"]].iloc[0].tolist() == ["S1", "P", 10.5]
    assert good["date"].iloc[0] == dt.datetime(2024, 1, 2)
    bad = write_file("bad.csv", f"{header}\n{_line(order, revenue='10,50')}\n{_line(order)}\n")
    with pytest.raises(SalesFileError) as info:
        read_sales_file(bad)
    (problem,) = info.value.problems
    assert (problem.row, problem.reason[:26]) == (2, "6 fields, the header has 5")


def test_the_issue_file_with_revenue_first_is_refused_not_read_as_99(
    write_file, engine, upload_dir, db_counts
):
    content = (
        "revenue,date,store,category,product\n1234,99,2026-10-29,Loja Bairro,Mercearia,Acucar Refinado 1kg\n"
    )
    path = write_file("shift.csv", content)
    with pytest.raises(SalesFileError) as info:
        preview_sales_files(engine, [path])
    assert str(info.value.problems[0]) == (
        "shift.csv, row 2: 6 fields, the header has 5 — an unquoted decimal comma? "
        "(quote such values, e.g. \"10,50\", or use ';' as separator)"
    )
    with pytest.raises(SalesFileError):
        import_sales_files(engine, [path], uploaded_by="t", upload_dir=upload_dir)
    assert db_counts()["sales"] == 0


def test_preview_and_import_share_the_date_window(write_file, engine, upload_dir):
    path = write_file(
        "d.csv", "date,store,category,product,revenue\n2024-01-01,S1,C,P,1\n0001-01-01,S1,C,P,1\n"
    )
    limits = SalesLimits(today=dt.date(2026, 1, 1))
    with pytest.raises(SalesFileError) as previewed:
        preview_sales_files(engine, [path], limits=limits)
    with pytest.raises(SalesFileError) as imported:
        import_sales_files(engine, [path], uploaded_by="t", upload_dir=upload_dir, limits=limits)
    assert previewed.value.problems == imported.value.problems
    assert str(imported.value.problems[0]) == (
        "d.csv, row 3, column 'date': date 0001-01-01 is outside the allowed window 1901-01-01 to 2026-01-02 "
        "(settings TRENDSALES_MIN_SALES_DATE, TRENDSALES_MAX_FUTURE_DAYS)"
    )


def test_settings_move_the_limits(monkeypatch, tmp_path):
    monkeypatch.setenv("TRENDSALES_MIN_SALES_DATE", "2000-01-01")
    monkeypatch.setenv("TRENDSALES_MAX_FUTURE_DAYS", "30")
    monkeypatch.setenv("TRENDSALES_MAX_SALES_VALUE", "5e6")
    monkeypatch.setenv("TRENDSALES_MAX_ROWS_PER_FILE", "1000")
    monkeypatch.setenv("TRENDSALES_MAX_XLSX_UNCOMPRESSED_MB", "2.5")
    monkeypatch.setenv("TRENDSALES_MAX_XLSX_ROWS", "700")
    config = load_config({"TESTING": True, "INSTANCE_DIR": str(tmp_path)})
    expected = SalesLimits(
        min_date=dt.date(2000, 1, 1),
        max_future_days=30,
        max_value=5e6,
        max_rows=1000,
        max_xlsx_bytes=int(2.5 * MB),
        max_xlsx_rows=700,
    )
    assert config.sales_limits == expected
    assert load_config({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "d")}, environ={}).sales_limits == (
        SalesLimits()
    )


def test_files_at_the_edges_of_the_window_and_bounds_import(write_file, engine, upload_dir):
    """The first accepted day and tomorrow import (in two files: one file spanning them both would be
    refused as a century between its dates, a mistyped year)."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    header = "date,store,category,product,revenue,units"
    # Two consecutive days make each file daily whatever weekday tomorrow is (two lone dates would
    # read as weekly on some days and as an irregular grid on others).
    first = write_file("first.csv", f"{header}\n1901-01-01,S1,C,P,1e12,3\n1901-01-02,S1,C,P,1,1\n")
    last = write_file(
        "last.csv", f"{header}\n{tomorrow - dt.timedelta(days=1)},S1,C,P,2,\n{tomorrow},S1,C,P,0,\n"
    )
    results = import_sales_files(engine, [first, last], uploaded_by="t", upload_dir=upload_dir)
    assert [(r.status, r.rows_new) for r in results] == [("imported", 2), ("imported", 2)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_decoded(write_file, encoding):
    text = "data;loja;categoria;produto;valor\n02/01/2024;Loja Paço;Café;Pó 500g;12,50\n"
    frame = read_sales_file(write_file("u16.csv", text.encode(encoding)))
    assert frame[["store", "product", "revenue"]].iloc[0].tolist() == ["Loja Paço", "Pó 500g", 12.5]


def test_blank_and_space_only_lines_keep_the_row_numbers(write_file):
    content = "date,store,category,product,revenue\n2024-01-01,S1,C,P,1\n   \n\n2024-01-02,S1,C,P,-1\n"
    with pytest.raises(SalesFileError) as info:
        read_sales_file(write_file("gaps.csv", content))
    assert [(p.row, p.column) for p in info.value.problems] == [(5, "revenue")]


def test_an_xlsx_bomb_is_refused_with_bounded_memory(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb(2_000_000))  # the issue's size: 2M rows, ~1.5 MB on disk, ~360 MB inflated
    assert path.stat().st_size < 2 * MB
    error, peak = refusal(path, SalesLimits(max_xlsx_bytes=100 * MB))
    assert "over the limit of 100.0 MB (setting TRENDSALES_MAX_XLSX_UNCOMPRESSED_MB)" in str(error)
    assert peak < 50, f"peak {peak:.0f} MB"


def test_an_xlsx_past_the_row_limit_is_refused_while_streaming(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(bomb(300_000))  # within the size limit, no <dimension>: refused past the row limit
    error, peak = refusal(path, SalesLimits(max_rows=1_000))
    (problem,) = error.problems
    assert (problem.row, problem.reason[:46]) == (1_002, "more than 1,000 data rows in an XLSX file (lim")
    assert peak < 50, f"peak {peak:.0f} MB"


def test_xlsx_files_have_their_own_smaller_row_limit_and_the_refusal_points_to_csv(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(bomb(3_000))  # reading XLSX is ~30x slower than CSV: its own (smaller) row limit
    error, _peak = refusal(path, SalesLimits(max_rows=10_000, max_xlsx_rows=2_000))
    (problem,) = error.problems
    assert problem.row == 2_002
    assert "more than 2,000 data rows in an XLSX file" in problem.reason
    assert "TRENDSALES_MAX_XLSX_ROWS" in problem.reason and "save it as CSV" in problem.reason


def _data_url(raw: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("s" * 253 + ".csv", "file name longer than 255 characters (257); rename the file"),
        ("sales.txt", "unsupported file type '.txt' (if it is comma- or semicolon-separated text, rename it"),
        ("sales.xls", "old .xls files are not supported"),
        ("sales", "unsupported file type '(no extension)'"),
    ],
)
def test_the_upload_refuses_bad_names_visibly_and_stages_nothing(tmp_path, filename, reason):
    with pytest.raises(UploadError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        stage_files(
            tmp_path, [_data_url(b"date\n"), _data_url(b"date\n")], ["ok.csv", filename], max_bytes=None
        )
    assert list(tmp_path.iterdir()) == []


def test_a_long_name_keeps_its_extension_when_shortened():
    assert safe_name("s" * 230 + ".xlsx").endswith("s.xlsx") and len(safe_name("s" * 230 + ".xlsx")) == 200


def test_the_size_limit_reads_the_same_in_the_cli_and_the_ui(write_file):
    limit = 100 * MB
    assert format_size(limit) == "100.0 MB"
    with pytest.raises(UploadError) as ui:
        decode_upload(_data_url(b"x" * (2 * MB)), "big.csv", max_bytes=MB)
    with pytest.raises(SalesFileError) as cli:
        read_sales_file(write_file("big.csv", b"x" * (2 * MB)), max_bytes=MB)
    assert (
        str(ui.value)
        == str(cli.value.problems[0])
        == "big.csv: file is 2.0 MB, over the upload limit of 1.0 MB"
    )
