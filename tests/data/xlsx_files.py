"""Small XLSX workbooks for tests, including decompression bombs built without writing their content out."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl

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


def _sheet_xml(rows: int) -> bytes:
    """Sheet XML with a header row and ``rows`` identical, highly compressible data rows."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER)
    header = f'<row r="1">{cells}</row>'.encode()
    row = (
        b'<row><c t="inlineStr"><is><t>2024-01-01</t></is></c><c t="inlineStr"><is><t>S1</t></is></c>'
        b'<c t="inlineStr"><is><t>C</t></is></c><c t="inlineStr"><is><t>P</t></is></c><c><v>1</v></c></row>'
    )
    return head + header + row * rows + b"</sheetData></worksheet>"


def bomb(rows: int) -> bytes:
    """A valid workbook whose sheet holds ``rows`` data rows: ~0.75 byte per row, ~190 bytes inflated."""
    base = zipfile.ZipFile(io.BytesIO(book(HEADER)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in base.infolist():
            data = _sheet_xml(rows) if info.filename == SHEET else base.read(info)
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
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
