"""Reading sales files (CSV or XLSX) into the canonical frame, with validation.

``read_sales_file`` returns columns ``date, store, category, product, revenue, units`` summed
per (date, store, product). Anything wrong raises ``SalesFileError`` listing every problem
(file, line, column, reason). Row numbers are file lines: the header is line 1.

Decimal mark (``.`` or ``,``): decided once per file, for revenue and units together, from the
values that read as a number one way only (``1.234,56``, ``12,5`` → ``,``; ``1,234.5``, ``7.5``,
``0.500`` → ``.``). A file whose values show both marks is rejected at the values that disagree
with the majority. When no value shows the mark (only values like ``1.234`` or ``2,500``), the
field separator decides: ``;``-separated CSV uses ``,`` (``1.234`` = 1234), ``,``-separated CSV
uses ``.`` (``"1,234"`` = 1234); tab-separated CSV and text cells of an XLSX sheet use ``.``.
Number cells of an XLSX sheet are taken as they are. The decision is kept in
``SalesTable.decimal_mark`` and shown in the upload preview.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.validation import (
    FIELDS,
    DecimalMark,
    ProblemCollector,
    SalesFileError,
    blank,
    check_identifiers,
    check_product_categories,
    decide_decimal_mark,
    map_columns,
    parse_amounts,
    parse_dates,
)

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
CANONICAL_COLUMNS = ["date", "store", "category", "product", "revenue", "units"]
_ZIP_MAGIC = b"PK\x03\x04"
_KEYS = ["date", "store", "product"]


@dataclass
class SalesTable:
    """A validated, aggregated sales file plus what the importer needs to report on it."""

    frame: pd.DataFrame
    filename: str
    rows_read: int
    columns: dict[str, str] = field(default_factory=dict)
    product_rows: dict[str, int] = field(default_factory=dict)
    decimal_mark: DecimalMark = field(default_factory=lambda: DecimalMark("."))


def _fail(name: str, reason: str, row: int | None = None) -> SalesFileError:
    out = ProblemCollector(name)
    out.add(reason, row=row)
    return SalesFileError(out.problems, total=out.total)


def _format_size(size: float) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size:,.0f} bytes"


def check_file(path: Path, name: str, max_bytes: int | None) -> str:
    """Check existence, size and type by extension; return ``"csv"`` or ``"xlsx"`` or raise."""
    if not path.is_file():
        raise _fail(name, f"file not found: {path}")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise _fail(name, f"file is {_format_size(size)}, over the upload limit of {_format_size(max_bytes)}")
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    hint = " (old .xls files are not supported: save as .xlsx or CSV)" if suffix == ".xls" else ""
    raise _fail(name, f"unsupported file type {suffix or '(no extension)'!r}{hint}; expected .csv or .xlsx")


def _decode_text(content: bytes, name: str) -> str:
    if content.startswith(_ZIP_MAGIC):
        raise _fail(name, "the content is an Excel/ZIP file, not CSV text; save it with the .xlsx extension")
    if b"\x00" in content[:65536]:
        raise _fail(name, "the content is binary, not CSV text")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise _fail(
            name, f"not UTF-8 text (byte 0x{content[exc.start]:02x}); save the file as UTF-8 CSV", row=line
        ) from None
    return text.removeprefix("\ufeff")


def _sniff_header(first_line: str) -> tuple[str, list[str]]:
    best_sep, best = ",", next(csv.reader([first_line], delimiter=","))
    for sep in (";", "\t"):
        fields = next(csv.reader([first_line], delimiter=sep))
        if len(fields) > len(best):
            best_sep, best = sep, fields
    return best_sep, best


# (file column of each field, raw text columns plus ``_row``, decimal-mark hint from the field separator)
_Read = tuple[dict[str, str], pd.DataFrame, str | None]
# A ';'-separated file comes from a locale that writes decimal commas; a ','-separated one cannot.
_DECIMAL_HINT = {";": ",", ",": "."}


def _parser_problem(name: str, message: str, sep: str) -> SalesFileError:
    """Turn pandas' tokenizer error into a problem at the offending row."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if not found:
        return _fail(name, f"cannot parse CSV: {message}")
    expected, line, saw = (int(g) for g in found.groups())
    hint = (
        " (a decimal comma in a comma-separated file must be quoted, or use ';' as separator)"
        if sep == ","
        else ""
    )
    return _fail(name, f"row has {saw} fields but the header has {expected}{hint}", row=line)


def _read_csv(content: bytes, name: str, out: ProblemCollector) -> _Read:
    text = _decode_text(content, name)
    if not text.strip():
        raise _fail(name, "the file is empty")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    sep, header = _sniff_header(first_line)
    positions = map_columns(header, out)
    out.raise_if_any()
    names = [str(i) for i in range(len(header))]
    try:
        body = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, skiprows=1, names=names, dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
        )  # fmt: skip
    except pd.errors.ParserError as exc:
        raise _parser_problem(name, str(exc), sep) from None
    body = body[[str(p) for p in positions.values()]].rename(
        columns={str(p): f for f, p in positions.items()}
    )
    body["_row"] = pd.RangeIndex(2, len(body) + 2)
    return {f: header[p] for f, p in positions.items()}, body, _DECIMAL_HINT.get(sep)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe_xlsx_error(exc: Exception) -> str:
    """What went wrong inside a workbook, in words, with the library's own message."""
    kind = "zlib.error" if isinstance(exc, zlib.error) else type(exc).__name__
    if isinstance(exc, zlib.error | EOFError) or (isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc)):
        what = "the compressed data is damaged"
    elif isinstance(exc, zipfile.BadZipFile):
        what = "the ZIP archive is damaged"
    elif kind == "ParseError" or kind.endswith("SyntaxError"):  # xml.etree or lxml
        what = "the XML inside the workbook is damaged"
    elif isinstance(exc, KeyError):
        what = "a part of the workbook is missing"
    else:
        what = "unexpected content"
    return f"{what} ({kind}: {exc}); open it in Excel or LibreOffice and save it again, or export CSV"


def _has_values(row: tuple) -> bool:
    return any(v not in (None, "") for v in row)


def _first_sheet_rows(content: bytes, name: str) -> tuple[list[tuple], int]:
    """Rows of the first sheet from its first non-empty row, and that row's sheet number (1-based).

    The sheet's stored ``<dimension>`` is ignored (read-only mode trusts it, and a wrong one cuts
    rows or columns); rows come back as long as their last cell, so callers pad or trim them.
    """
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        if not book.worksheets:
            raise _fail(name, "the workbook has no sheets")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        rows = list(sheet.iter_rows(values_only=True))
        start = next((i for i, r in enumerate(rows) if _has_values(r)), None)
        if start is None:
            others = []
            for other in book.worksheets[1:]:
                other.reset_dimensions()
                if any(_has_values(r) for r in other.iter_rows(values_only=True)):
                    others.append(other.title)
            reason = f"the first sheet {sheet.title!r} is empty (only the first sheet is read)"
            if others:
                reason += f"; the data seems to be on sheet {others[0]!r}: move it to the first sheet"
            raise _fail(name, reason)
    finally:
        book.close()
    return rows[start:], start + 1


def _read_xlsx(content: bytes, name: str, out: ProblemCollector) -> _Read:
    if not content.startswith(_ZIP_MAGIC):
        raise _fail(name, "the content is not an XLSX workbook (not a ZIP archive)")
    try:
        rows, header_line = _first_sheet_rows(content, name)
    except SalesFileError:
        raise
    except Exception as exc:  # openpyxl, zipfile, zlib and XML errors of a damaged or unusual file
        raise _fail(name, f"cannot read the XLSX file: {_describe_xlsx_error(exc)}") from None
    header = [_cell_text(v) for v in rows[0]]
    positions = map_columns(header, out)
    out.raise_if_any()
    width = len(header)
    # openpyxl hands out Python objects per cell and rows of varying length (up to their last cell):
    # shaping them to the header and turning them into text is per cell by nature.
    shaped = [r[:width] if len(r) >= width else r + (None,) * (width - len(r)) for r in rows[1:]]
    data = pd.DataFrame(shaped, columns=range(width)) if shaped else None
    body = pd.DataFrame({f: pd.Series(dtype=str) for f in positions})
    if data is not None:
        body = pd.DataFrame(
            {
                f: data[p] if f in ("revenue", "units") else data[p].map(_cell_text)
                for f, p in positions.items()
            }
        )
    body["_row"] = pd.RangeIndex(header_line + 1, header_line + 1 + len(body))
    return {f: header[p] for f, p in positions.items()}, body, None


def validate_raw(
    raw: pd.DataFrame, columns: dict[str, str], out: ProblemCollector, decimal_hint: str | None = None
) -> SalesTable:
    """Validate raw text columns (plus ``_row``) and return the aggregated canonical table.

    The decimal mark is decided once for the file (``decide_decimal_mark``; ``decimal_hint`` comes
    from the CSV field separator) and applies to revenue and units alike.
    """
    present = [f for f in FIELDS if f in raw.columns]
    empty = pd.concat([blank(raw[f]) for f in present], axis=1).all(axis=1)
    raw = raw[~empty].copy() if empty.any() else raw
    if raw.empty:
        out.add("the file has a header but no data rows", row=1)
        out.raise_if_any()
    check_identifiers(raw, columns, out)
    dates = parse_dates(raw, columns["date"], out)
    decimal = decide_decimal_mark(raw, columns, decimal_hint)
    revenue = parse_amounts(raw, "revenue", columns["revenue"], out, required=True, decimal=decimal)
    if "units" in raw.columns:
        units = parse_amounts(raw, "units", columns["units"], out, required=False, decimal=decimal)
    else:
        units = pd.Series(float("nan"), index=raw.index)
    frame = pd.DataFrame(
        {"date": dates, "store": raw["store"], "category": raw["category"], "product": raw["product"],
         "revenue": revenue.astype(float), "units": units.astype(float), "_row": raw["_row"]}
    )  # fmt: skip
    check_product_categories(frame, columns["category"], out)
    out.raise_if_any()
    product_rows = frame.drop_duplicates("product").set_index("product")["_row"].astype(int).to_dict()
    return SalesTable(
        frame=aggregate(frame), filename=out.file, rows_read=len(frame), columns=columns,
        product_rows=product_rows, decimal_mark=decimal,
    )  # fmt: skip


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum transaction rows per (date, store, product); ``units`` stays NaN when all parts are NaN."""
    grouped = frame.groupby(_KEYS, sort=False)
    out = grouped.agg(category=("category", "first"), revenue=("revenue", "sum"))
    out["units"] = grouped["units"].sum(min_count=1)
    return out.reset_index()[CANONICAL_COLUMNS]


def read_sales_table(
    path: str | Path, *, display_name: str | None = None, max_bytes: int | None = None
) -> SalesTable:
    """Read and validate a CSV/XLSX sales file, keeping row counts and example lines for reports."""
    path = Path(path)
    name = display_name or path.name
    kind = check_file(path, name, max_bytes)
    content = path.read_bytes()
    out = ProblemCollector(name)
    read = _read_csv if kind == "csv" else _read_xlsx
    columns, raw, decimal_hint = read(content, name, out)
    return validate_raw(raw, columns, out, decimal_hint)


def read_sales_file(
    path: str | Path, *, display_name: str | None = None, max_bytes: int | None = None
) -> pd.DataFrame:
    """Read a CSV/XLSX sales file into the canonical frame; raise ``SalesFileError`` on any problem.

    ``display_name`` is the name shown in problems (an upload's original name); ``max_bytes``
    rejects larger files before reading them.
    """
    return read_sales_table(path, display_name=display_name, max_bytes=max_bytes).frame


def table_from_frame(frame: pd.DataFrame, *, filename: str) -> SalesTable:
    """Validate an already-canonical frame (e.g. generated demo data) the same way as a file.

    Rows are numbered as if the frame were written to CSV with a header (first row = 2).
    """
    missing = [c for c in ("date", "store", "category", "product", "revenue") if c not in frame.columns]
    if missing:
        raise _fail(
            filename, f"missing required column(s) {', '.join(missing)}; columns found: {list(frame.columns)}"
        )
    raw = pd.DataFrame({c: frame[c] for c in FIELDS if c in frame.columns}).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(raw["date"]):
        raw["date"] = raw["date"].astype(str)
    raw["_row"] = pd.RangeIndex(2, len(raw) + 2)
    columns = {c: c for c in FIELDS if c in raw.columns}
    return validate_raw(raw, columns, ProblemCollector(filename))
