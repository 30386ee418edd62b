"""Damaged and unusual XLSX workbooks: a clear problem instead of a traceback, every column read."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from data.ingest import read_sales_file
from data.schema import Upload
from data.storage import import_sales_files
from data.validation import SalesFileError

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["date", "store", "category", "product", "revenue"]


def _book(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sales_book(n: int = 40) -> bytes:
    return _book(HEADER, *[[f"2024-01-{d % 28 + 1:02d}", "S1", "C", "P", d] for d in range(n)])


def _rewrite(content: bytes, member: str, change) -> bytes:
    """The workbook with one member's bytes passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == member else data)
    return out.getvalue()


def _flip_compressed_bytes(content: bytes, member: str) -> bytes:
    """Corrupt the deflate stream of ``member`` in place (the ZIP directory stays valid)."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    name_len, extra_len = struct.unpack("<HH", content[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len + 8
    data = bytearray(content)
    for k in range(8):
        data[start + k] ^= 0xFF
    return bytes(data)


def _write(tmp_path: Path, content: bytes, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda c: _rewrite(c, SHEET, lambda x: x[: len(x) // 2]), "XML inside the workbook is damaged"),
        (lambda c: _flip_compressed_bytes(c, SHEET), "compressed data is damaged"),
        (lambda c: _rewrite(c, "xl/workbook.xml", lambda x: b"<workbook"), "cannot read the XLSX file"),
    ],
)
def test_damaged_workbook_is_a_problem_not_a_traceback(tmp_path, damage, reason):
    path = _write(tmp_path, damage(_sales_book()))
    with pytest.raises(SalesFileError) as info:
        read_sales_file(path)
    (problem,) = info.value.problems
    assert problem.file == "book.xlsx" and problem.row is None
    assert problem.reason.startswith("cannot read the XLSX file: ") and reason in problem.reason


def test_rows_wider_than_the_header_without_a_dimension_are_trimmed(tmp_path):
    content = _book(HEADER, ["2024-01-01", "S1", "C", "P", 1, "note"], ["2024-01-02", "S1", "C", "P"])
    content = _rewrite(content, SHEET, lambda x: re.sub(rb"<dimension [^>]*/>", b"", x))
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    with pytest.raises(SalesFileError) as info:
        read_sales_file(_write(tmp_path, content))
    (problem,) = info.value.problems  # the short row is padded: its revenue is missing, nothing crashes
    assert (problem.row, problem.column, problem.reason) == (3, "revenue", "missing revenue")
    content = _book(HEADER, ["2024-01-01", "S1", "C", "P", 1, "note"], ["2024-01-02", "S1", "C", "P", 2])
    content = _rewrite(content, SHEET, lambda x: re.sub(rb"<dimension [^>]*/>", b"", x))
    assert read_sales_file(_write(tmp_path, content))["revenue"].tolist() == [1.0, 2.0]


def test_a_wrong_dimension_does_not_cut_columns(tmp_path):
    content = _book(HEADER, ["2024-01-01", "S1", "C", "P", 1], ["2024-01-02", "S1", "C", "P", 2])
    content = _rewrite(
        content, SHEET, lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', x)
    )
    frame = read_sales_file(_write(tmp_path, content))
    assert frame["revenue"].tolist() == [1.0, 2.0] and frame["product"].tolist() == ["P", "P"]


def test_empty_first_sheet_names_the_sheet_and_where_data_is(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Resumo"
    data = book.create_sheet("Vendas")
    data.append(HEADER)
    data.append(["2024-01-01", "S1", "C", "P", 1])
    path = tmp_path / "two.xlsx"
    book.save(path)
    with pytest.raises(SalesFileError) as info:
        read_sales_file(path)
    (problem,) = info.value.problems
    assert problem.reason == (
        "the first sheet 'Resumo' is empty (only the first sheet is read); "
        "the data seems to be on sheet 'Vendas': move it to the first sheet"
    )
    alone = _write(tmp_path, _book(), "empty.xlsx")
    with pytest.raises(
        SalesFileError, match=r"the first sheet 'Sheet' is empty \(only the first sheet is read\)$"
    ):
        read_sales_file(alone)


def test_importing_a_damaged_workbook_is_recorded_like_any_rejected_file(engine, tmp_path):
    path = _write(tmp_path, _flip_compressed_bytes(_sales_book(), SHEET))
    upload_dir = tmp_path / "uploads"
    with pytest.raises(SalesFileError, match="cannot read the XLSX file"):
        import_sales_files(engine, [path], uploaded_by="t", upload_dir=upload_dir)
    with engine.connect() as conn:
        (upload,) = [Upload(**r._mapping) for r in conn.execute(select(Upload))]
    assert upload.status == "rejected" and "cannot read the XLSX file" in upload.error
    # As for any file rejected for its content, the raw copy is kept for the admin to download.
    assert upload.stored_path and Path(upload.stored_path).read_bytes() == path.read_bytes()
    assert [p.name for p in upload_dir.iterdir()] == [Path(upload.stored_path).name]


def test_a_failure_while_keeping_raw_files_still_records_each_file(engine, sales_csv, tmp_path):
    blocked = tmp_path / "uploads"
    blocked.write_text("a file where the upload folder should be")
    path = sales_csv("a.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,1")
    other = sales_csv("b.csv", "2024-01-01,S2,C,P,1", "2024-01-02,S2,C,P,1")
    with pytest.raises(OSError):
        import_sales_files(engine, [path, other], uploaded_by="t", upload_dir=blocked)
    with engine.connect() as conn:
        rows = conn.execute(select(Upload.filename, Upload.status, Upload.error)).all()
    assert [(f, s) for f, s, _ in rows] == [("a.csv", "rejected"), ("b.csv", "rejected")]
    assert all("import failed" in e for _, _, e in rows)
