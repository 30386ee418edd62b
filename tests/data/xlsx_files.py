"""Small XLSX workbooks for tests, including decompression bombs built without writing their content out."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from data.ingest import read_sales_table
from data.limits import MB, SalesLimits
from data.validation import SalesFileError

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["date", "store", "category", "product", "revenue"]


def book(*rows: list) -> bytes:
    """A workbook whose first sheet holds ``rows`` ('=…' become formulas, '#DIV/0!' an error cell)."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_ROW = (
    b'<row><c t="inlineStr"><is><t>2024-01-01</t></is></c><c t="inlineStr"><is><t>S1</t></is></c>'
    b'<c t="inlineStr"><is><t>C</t></is></c><c t="inlineStr"><is><t>P</t></is></c><c><v>1</v></c></row>'
)


def bomb(rows: int) -> bytes:
    """A valid workbook (no ``<dimension>``) whose sheet holds a header and ``rows`` identical data rows:
    ~0.75 byte per row on disk, ~190 bytes inflated; written in blocks, never whole in memory."""
    base = zipfile.ZipFile(io.BytesIO(book(HEADER)))
    out = io.BytesIO()
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in base.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, base.read(info))
                continue
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(_SHEET_HEAD + f'<row r="1">{cells}</row>'.encode())
                for start in range(0, rows, 10_000):
                    sheet.write(_ROW * min(10_000, rows - start))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def understate_size(content: bytes, member: str = SHEET, declared: int = 1000) -> bytes:
    """The workbook with ``member``'s declared uncompressed size patched to ``declared`` bytes (a lying
    archive: the data still inflates to its real size)."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    data = bytearray(content)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local file header
    name = member.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def refusal(path: Path, limits: SalesLimits) -> tuple[SalesFileError, float]:
    """(the SalesFileError of reading ``path`` under ``limits``, peak traced MB while reading it).

    Memory, not time, is what the tests bound: the wall time of a refusal is a benchmark's figure (a
    loaded machine makes any time limit flaky), while a file that was parsed instead of refused early
    leaves a peak of hundreds of MB, whatever the machine.
    """
    tracemalloc.start()
    try:
        with pytest.raises(SalesFileError) as info:
            read_sales_table(path, limits=limits)
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return info.value, peak
