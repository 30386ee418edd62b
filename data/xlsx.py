"""Reading the first sheet of an XLSX workbook with bounded work.

A workbook is a ZIP archive: a 2 MB file can hold gigabytes of XML. Before parsing, the declared
uncompressed size of its parts is checked against ``SalesLimits.max_xlsx_bytes`` (Python's
``zipfile`` never inflates a part past its declared size, so the declaration cannot lie us into more
work); then the first sheet's ``<row>`` tags are counted while inflating it (a sheet over the row
limit is refused in about a second, before openpyxl parses a row); then the sheet is streamed
(openpyxl read-only mode) and refused at the first row past the row limit, and rows are shaped to
the header in chunks, so memory stays proportional to the data read.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator

import pandas as pd

from data.i18n import N_, Count, Message, Size, message
from data.limits import SalesLimits
from data.problems import ProblemCollector, SalesFileError

ZIP_MAGIC = b"PK\x03\x04"
# The most rows one Excel or LibreOffice sheet holds: a workbook with more was not made by either.
SHEET_MAX_ROWS = 1_048_576
_CHUNK_ROWS = 100_000
_HEAD_BYTES = 1024 * 1024  # where a sheet's <dimension> and the start of <sheetData> are looked for
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_ROW_TAG = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_ROW_TAG_MAX = 24  # longest text _ROW_TAG matches: a tag cut by a block boundary is carried over whole


def fail(
    name: str, reason: str | Message, row: int | None = None, column: str | None = None
) -> SalesFileError:
    """A ``SalesFileError`` with one problem (``reason`` a translatable ``Message``, or plain text)."""
    out = ProblemCollector(name)
    out.add(reason, row=row, column=column)
    return SalesFileError(out.problems, total=out.total)


def cell_text(value: object) -> str:
    """A cell as text: dates as ``YYYY-MM-DD``, whole floats without ``.0``, empty cells as ``""``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_xlsx_error(exc: Exception) -> Message:
    """What went wrong inside a workbook, in words, with the library's own message."""
    kind = "zlib.error" if isinstance(exc, zlib.error) else type(exc).__name__
    if isinstance(exc, zlib.error | EOFError) or (isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc)):
        what = N_("the compressed data is damaged")
    elif isinstance(exc, zipfile.BadZipFile):
        what = N_("the ZIP archive is damaged")
    elif kind == "ParseError" or kind.endswith("SyntaxError"):  # xml.etree or lxml
        what = N_("the XML inside the workbook is damaged")
    elif isinstance(exc, KeyError):
        what = N_("a part of the workbook is missing")
    else:
        what = N_("unexpected content")
    return message(
        N_(
            "%(what)s (%(kind)s: %(error)s); open it in Excel or LibreOffice and save it again, or export CSV"
        ),
        what=message(what),
        kind=kind,
        error=str(exc),
    )


def check_archive(content: bytes, name: str, limits: SalesLimits) -> None:
    """Refuse a workbook whose parts declare more uncompressed bytes than ``limits.max_xlsx_bytes``."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = archive.infolist()
    total = sum(p.file_size for p in parts)
    if total > limits.max_xlsx_bytes:
        largest = max(parts, key=lambda p: p.file_size)
        why = N_(
            "the workbook expands to %(total)s when decompressed (part %(part)s: %(size)s), "
            "over the limit of %(max)s (setting TRENDSALES_MAX_XLSX_UNCOMPRESSED_MB); split it or export CSV"
        )
        sizes = {"total": Size(total), "size": Size(largest.file_size), "max": Size(limits.max_xlsx_bytes)}
        raise fail(name, message(why, part=repr(largest.filename), **sizes))


def first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The archive path of the workbook's first sheet (``xl/workbook.xml`` → its relationship), or
    None when it cannot be found in the first MB of those parts or is not a worksheet part."""
    try:
        with archive.open("xl/workbook.xml") as part:
            found = _FIRST_SHEET.search(part.read(_HEAD_BYTES))
        with archive.open("xl/_rels/workbook.xml.rels") as part:
            rels = part.read(_HEAD_BYTES)
    except KeyError:
        return None
    if found is None:
        return None
    rel_id = re.escape(found.group(1))
    target = re.search(rb"<Relationship\b[^>]*?\bId=\"" + rel_id + rb"\"[^>]*>", rels)
    path = re.search(rb'\bTarget="([^"]+)"', target.group(0)) if target else None
    if path is None:
        return None
    name = path.group(1).decode("utf-8", "replace")
    name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    return name if name.startswith("xl/worksheets/") else None


def nth_row(archive: zipfile.ZipFile, part_name: str, n: int) -> int | None:
    """The sheet row number of the ``n``-th ``<row>`` element of a worksheet part (its ``r`` attribute,
    else its position), or None when the part has fewer; found while inflating it in 1 MB blocks, so
    a bomb is inflated only as far as its ``n``-th row.

    Counting tags is ~100× faster than parsing the rows, so a sheet over the row limit is refused
    in about a second instead of after parsing every row up to the limit (~8k rows/s).
    """
    count, carry = 0, b""
    with archive.open(part_name) as part:
        while block := part.read(_HEAD_BYTES):
            buffer = carry + block
            last_end = 0
            for match in _ROW_TAG.finditer(buffer):
                count += 1
                last_end = match.end()
                if count == n:
                    tag = buffer[match.start() : match.start() + 256]
                    if b">" not in tag:
                        tag += part.read(256)
                    number = _ROW_NUMBER.search(tag.split(b">", 1)[0])
                    return int(number.group(1)) if number else count
            carry = buffer[max(last_end, len(buffer) - _ROW_TAG_MAX) :]
    return None


def check_row_count(content: bytes, name: str, limits: SalesLimits) -> None:
    """Refuse a workbook whose first sheet holds more rows than the XLSX row limits allow, before any
    row is parsed, naming the first row past the limit as the streaming check does (the header is
    taken to be the sheet's first row element, as in every export seen; ``_chunks`` stays exact)."""
    limit = min(limits.max_rows, limits.max_xlsx_rows, SHEET_MAX_ROWS)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        part_name = first_sheet_part(archive)
        if part_name is None or part_name not in archive.namelist():
            return  # the streaming check in ``_chunks`` still bounds the work
        row = nth_row(archive, part_name, limit + 2)  # the header and ``limit`` data rows are allowed
    if row is not None:
        raise fail(name, _too_many_rows(limit), row=row)


def _too_many_rows(limit: int) -> Message:
    return message(
        N_(
            "more than %(max)s data rows in an XLSX file (limits: settings TRENDSALES_MAX_XLSX_ROWS and "
            "TRENDSALES_MAX_ROWS_PER_FILE); save it as CSV, which reads much faster, or split it"
        ),
        max=Count(limit),
    )


def _sheets_without_dimension(archive: zipfile.ZipFile) -> dict[str, int]:
    """Worksheet parts lacking a ``<dimension>`` element, with where their ``<sheetData`` starts.

    openpyxl's read-only mode looks for the dimension of every sheet when the workbook is opened and,
    when there is none, parses the whole sheet to the end to be sure: seconds per MB of XML.
    """
    missing: dict[str, int] = {}
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as part:
            head = part.read(_HEAD_BYTES)
        data = _SHEET_DATA.search(head)
        if data is not None and not _DIMENSION.search(head, 0, data.start()):
            missing[info.filename] = data.start()
    return missing


def add_dimensions(content: bytes) -> bytes:
    """The workbook with a placeholder ``<dimension ref="A1"/>`` in each sheet that has none.

    Only those parts are rewritten, streamed (inflate, insert, deflate at level 1), so opening the
    workbook never scans a whole sheet; rows are read with the dimension ignored
    (``reset_dimensions``), so the placeholder changes nothing that is read.
    """
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        missing = _sheets_without_dimension(source)
        if not missing:
            return content
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
            for info in source.infolist():
                if info.filename not in missing:
                    target.writestr(info.filename, source.read(info))
                    continue
                with source.open(info) as part, target.open(info.filename, "w", force_zip64=True) as copy:
                    head = part.read(missing[info.filename])
                    namespace = re.search(rb"<(\w+:)?sheetData\b", part.peek(64)[:64])
                    prefix = namespace.group(1) or b"" if namespace else b""
                    copy.write(head + b"<" + prefix + b'dimension ref="A1"/>')
                    while block := part.read(_HEAD_BYTES):
                        copy.write(block)
    return out.getvalue()


def _has_values(row: tuple) -> bool:
    return any(v not in (None, "") for v in row)


def _chunks(
    rows: Iterator[tuple], width: int, first_line: int, name: str, limits: SalesLimits
) -> Iterator[list[tuple]]:
    """Rows shaped to ``width`` (cells right of the header dropped) in lists of up to ``_CHUNK_ROWS``.

    Raises as soon as the ``limit``-th data row is passed, so an oversized sheet is never read whole.
    """
    limit = min(limits.max_rows, limits.max_xlsx_rows, SHEET_MAX_ROWS)
    chunk: list[tuple] = []
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise fail(name, _too_many_rows(limit), row=first_line + count - 1)
        if len(row) > width:  # cells right of the header (notes) have no column: not read
            row = row[:width]
        elif len(row) < width:
            row = row + (None,) * (width - len(row))
        chunk.append(row)
        if len(chunk) == _CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def read_first_sheet(
    content: bytes, name: str, limits: SalesLimits
) -> tuple[list[str], dict[int, pd.Series], int]:
    """(header texts, raw cells per header position, header's sheet row) of the first sheet.

    Text columns come back as text, revenue/units columns as cell objects (numbers stay numbers); the
    caller picks the positions it needs. Empty rows above the header are skipped.
    """
    from openpyxl import load_workbook

    check_archive(content, name, limits)
    check_row_count(content, name, limits)
    content = add_dimensions(content)
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        if not book.worksheets:
            raise fail(name, message(N_("the workbook has no sheets")))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the stored <dimension> may be wrong; rows come as long as their last cell
        rows = sheet.iter_rows(values_only=True)
        header_line = 0
        for header_line, header_row in enumerate(rows, start=1):  # noqa: B007
            if _has_values(header_row):
                break
        else:
            raise fail(name, _empty_sheet_reason(book))
        header = [cell_text(v) for v in header_row]
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        parts = [
            pd.DataFrame(chunk, columns=range(width), dtype=object)
            for chunk in _chunks(rows, width, header_line + 1, name, limits)
        ]
    finally:
        book.close()
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=range(width), dtype=object)
    return header, {p: data[p] for p in range(width)}, header_line


def _empty_sheet_reason(book) -> Message:
    """Why the first sheet gave no header, naming another sheet that has data."""
    sheet = book.worksheets[0]
    for other in book.worksheets[1:]:
        other.reset_dimensions()
        if any(_has_values(r) for r in other.iter_rows(values_only=True, max_row=1000)):
            return message(
                N_(
                    "the first sheet %(sheet)s is empty (only the first sheet is read); the data seems to be "
                    "on sheet %(other)s: move it to the first sheet"
                ),
                sheet=repr(sheet.title),
                other=repr(other.title),
            )
    return message(
        N_("the first sheet %(sheet)s is empty (only the first sheet is read)"), sheet=repr(sheet.title)
    )
