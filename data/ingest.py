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
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from data.fast_validation import validate_distinct
from data.i18n import N_, Count, Size, message
from data.limits import MB, SalesLimits
from data.validation import (
    FIELDS,
    DecimalMark,
    ProblemCollector,
    SalesFileError,
    aggregate,
    blank,
    check_date_window,
    check_identifiers,
    check_product_categories,
    check_totals,
    decide_decimal_mark,
    map_columns,
    parse_amounts,
    parse_dates,
)
from data.xlsx import ZIP_MAGIC, cell_text, describe_xlsx_error, fail, read_first_sheet

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx"}
MAX_NAME_CHARS = 255
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
# Reading stops after this many rows with a wrong field count (the file is refused anyway).
_MAX_BAD_ROWS = 10_000


@dataclass
class SalesTable:
    """A validated, aggregated sales file plus what the importer needs to report on it."""

    frame: pd.DataFrame
    filename: str
    rows_read: int
    columns: dict[str, str] = field(default_factory=dict)
    product_rows: dict[str, int] = field(default_factory=dict)
    decimal_mark: DecimalMark = field(default_factory=lambda: DecimalMark("."))


def check_file_name(name: str) -> str:
    """Check an uploaded file's name: length, then type by extension; return ``"csv"`` or ``"xlsx"``.

    Shared by the CLI import and the UI upload, so both refuse the same names with the same words.
    """
    if len(name) > MAX_NAME_CHARS:
        reason = message(
            N_("file name longer than %(max)s characters (%(length)s); rename the file"),
            max=MAX_NAME_CHARS,
            length=len(name),
        )
        raise fail(name[:60] + "...", reason)
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    hint = {
        ".xls": message(N_(" (old .xls files are not supported: save as .xlsx or CSV)")),
        ".txt": message(N_(" (if it is comma- or semicolon-separated text, rename it to .csv)")),
    }.get(suffix, "")
    kind = repr(suffix) if suffix else message(N_("'(no extension)'"))
    raise fail(
        name,
        message(N_("unsupported file type %(kind)s%(hint)s; expected .csv or .xlsx"), kind=kind, hint=hint),
    )


def check_file(path: Path, name: str, max_bytes: int | None) -> str:
    """Check the name, existence and size of a file; return ``"csv"`` or ``"xlsx"`` or raise."""
    kind = check_file_name(name)
    if not path.is_file():
        raise fail(name, message(N_("file not found: %(path)s"), path=str(path)))
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise fail(
            name,
            message(
                N_("file is %(size)s, over the upload limit of %(max)s"), size=Size(size), max=Size(max_bytes)
            ),
        )
    return kind


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when every other byte of ``head`` is NUL (ASCII text in UTF-16)."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    if not any(sample[1::2]) and all(sample[0::2]):
        return "utf-16-le"
    if not any(sample[0::2]) and all(sample[1::2]):
        return "utf-16-be"
    return None


def decode_text(content: bytes, name: str) -> tuple[str, bytes]:
    """(text, its UTF-8 bytes without a BOM) of a CSV file: UTF-8, or UTF-16 (with or without BOM)."""
    if content.startswith(ZIP_MAGIC):
        raise fail(
            name,
            message(N_("the content is an Excel/ZIP file, not CSV text; save it with the .xlsx extension")),
        )
    utf16 = "utf-16" if content.startswith(_UTF16_BOMS) else _utf16_without_bom(content[:4096])
    if utf16:
        try:
            text = content.decode(utf16).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            why = message(N_("damaged UTF-16 text (%(why)s); save the file as UTF-8 CSV"), why=exc.reason)
            raise fail(name, why) from None
        return text, text.encode("utf-8")
    if b"\x00" in content[:65536]:
        raise fail(name, message(N_("the content is binary, not CSV text")))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        why = message(
            N_("not UTF-8 text (byte %(byte)s); save the file as UTF-8 CSV"),
            byte=f"0x{content[exc.start]:02x}",
        )
        raise fail(name, why, row=line) from None
    if text.startswith("\ufeff"):
        return text[1:], content[3:]
    return text, content


def _sniff_header(first_line: str) -> tuple[str, list[str]]:
    best_sep, best = ",", next(csv.reader([first_line], delimiter=","))
    for sep in _SEPARATORS[1:]:
        fields = next(csv.reader([first_line], delimiter=sep))
        if len(fields) > len(best):
            best_sep, best = sep, fields
    return best_sep, best


# (file column of each field, raw text columns plus ``_row``, decimal-mark hint from the field separator)
_Read = tuple[dict[str, str], pd.DataFrame, str | None]


class _Parsed(NamedTuple):
    """A parsed CSV file: file column of each field, Arrow text columns by field, file line of each row,
    decimal-mark hint from the field separator."""

    columns: dict[str, str]
    table: pa.Table
    rows: np.ndarray
    hint: str | None


# A ';'-separated file comes from a locale that writes decimal commas; a ','-separated one cannot.
_DECIMAL_HINT = {";": ",", ",": "."}


@dataclass
class _BadRows:
    """Rows whose field count differs from the header's, as pyarrow reports them while reading."""

    width: int
    rows: list[tuple[int, int, str]] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)

    def __call__(self, row: pacsv.InvalidRow) -> str:
        if not row.text.strip():  # a line of spaces: a blank row, skipped like an empty line
            self.blank.append(row.number)
            return "skip"
        self.rows.append((row.number, row.actual_columns, row.text))
        return "error" if len(self.rows) >= _MAX_BAD_ROWS else "skip"


def _other_separator(text: str, sep: str, width: int) -> str | None:
    """The separator that splits ``text`` into ``width`` fields, when it is not the header's ``sep``."""
    for other in _SEPARATORS:
        if other != sep and len(next(csv.reader([text], delimiter=other), [])) == width:
            return other
    return None


def _field_count_problems(bad: _BadRows, sep: str, out: ProblemCollector) -> None:
    """One problem per run of rows written with another separator, else one per row with its counts."""
    runs: list[list] = []  # [first row, last row, separator]
    for number, actual, text in bad.rows:
        other = _other_separator(text, sep, bad.width)
        if other is not None:
            if runs and runs[-1][2] == other and runs[-1][1] == number - 1:
                runs[-1][1] = number
            else:
                runs.append([number, number, other])
            continue
        hint: object = ""
        if actual > bad.width and sep == ",":
            hint = message(_COMMA_HINT)
        elif actual < bad.width:
            hint = message(N_(" — a missing value or separator?"))
        msgid = _FIELDS_ONE if actual == 1 else _FIELDS_MANY
        out.add(message(msgid, actual=actual, width=bad.width, hint=hint), row=number)
    for first, last, other in runs:
        tab = "other" if other == "\t" else "sep" if sep == "\t" else None
        msgid = _SEPARATOR_RUN[first == last, tab]
        seps = {"other": _SEPARATOR_NAMES[other], "sep": _SEPARATOR_NAMES[sep]}
        out.add(message(msgid, first=str(first), last=str(last), **seps), row=first)
    if len(bad.rows) >= _MAX_BAD_ROWS:
        out.add(
            message(
                N_("reading stopped after %(count)s rows with a wrong number of fields"), count=_MAX_BAD_ROWS
            )
        )


_FIELDS_ONE = N_("%(actual)s field, the header has %(width)s%(hint)s")
_FIELDS_MANY = N_("%(actual)s fields, the header has %(width)s%(hint)s")
# (one row?, which separator is a tab: "other" the rows', "sep" the header's, None) -> msgid. A tab is
# named inside the sentence: the word alone ("tab") is already the catalogue's UI tab ("aba").
_SEPARATOR_RUN = {
    (True, None): N_(
        "row %(first)s uses %(other)s as separator but the header uses %(sep)s; "
        "use one separator in the whole file"
    ),
    (False, None): N_(
        "rows %(first)s–%(last)s use %(other)s as separator but the header uses %(sep)s; "
        "use one separator in the whole file"
    ),
    (True, "other"): N_(
        "row %(first)s uses tab as separator but the header uses %(sep)s; use one separator in the whole file"
    ),
    (False, "other"): N_(
        "rows %(first)s–%(last)s use tab as separator but the header uses %(sep)s; "
        "use one separator in the whole file"
    ),
    (True, "sep"): N_(
        "row %(first)s uses %(other)s as separator but the header uses tab; "
        "use one separator in the whole file"
    ),
    (False, "sep"): N_(
        "rows %(first)s–%(last)s use %(other)s as separator but the header uses tab; "
        "use one separator in the whole file"
    ),
}
_COMMA_HINT = N_(" — an unquoted decimal comma? (quote such values, e.g. \"10,50\", or use ';' as separator)")
_SEPARATOR_ROWS = N_(
    "rows %(first)s–%(last)s use %(other)s as separator but the header uses %(sep)s; "
    "use one separator in the whole file"
)


def _row_numbers(count: int, skipped: list[int]) -> pd.Series:
    """File line numbers of the ``count`` rows read, when the lines in ``skipped`` were left out."""
    if not skipped:
        return pd.Series(pd.RangeIndex(2, count + 2))
    lines = np.arange(2, count + len(skipped) + 2)
    return pd.Series(lines[~np.isin(lines, skipped)])


def _parse_csv(content: bytes, name: str, out: ProblemCollector, limits: SalesLimits) -> _Parsed:
    """Parse CSV text with pyarrow, which never infers an index: a row must have the header's field count.

    Returns the mapped columns as Arrow text columns named by field, with each row's file line.
    """
    text, data = decode_text(content, name)
    if not text.strip():
        raise fail(name, message(N_("the file is empty")))
    first_line = text.split("\n", 1)[0].rstrip("\r")
    del text
    sep, header = _sniff_header(first_line)
    positions = map_columns(header, out)
    out.raise_if_any()
    names = [str(i) for i in range(len(header))]
    bad = _BadRows(len(header))
    if not data.endswith(b"\n"):
        data += b"\n"
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                use_threads=False, skip_rows=1, column_names=names, block_size=16 * MB
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, invalid_row_handler=bad, ignore_empty_lines=False, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                include_columns=[str(p) for p in positions.values()],
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if not bad.rows:
            raise fail(name, message(N_("cannot parse CSV: %(why)s"), why=str(exc))) from None
        table = None
    if bad.rows:
        _field_count_problems(bad, sep, out)
        out.raise_if_any()
    assert table is not None
    if table.num_rows > limits.max_rows:
        too_many = N_(
            "%(count)s data rows, over the limit of %(max)s (setting TRENDSALES_MAX_ROWS_PER_FILE); "
            "split the file"
        )
        raise fail(name, message(too_many, count=table.num_rows, max=Count(limits.max_rows)))
    table = table.rename_columns(list(positions))
    lines = _row_numbers(table.num_rows, bad.blank).to_numpy()
    return _Parsed({f: header[p] for f, p in positions.items()}, table, lines, _DECIMAL_HINT.get(sep))


def _parsed_frame(parsed: _Parsed) -> _Read:
    """The parsed columns as a pandas frame of raw text plus ``_row`` (what ``validate_raw`` reads)."""
    body = parsed.table.to_pandas()
    body["_row"] = parsed.rows
    return parsed.columns, body, parsed.hint


def _read_xlsx(content: bytes, name: str, out: ProblemCollector, limits: SalesLimits) -> _Read:
    if not content.startswith(ZIP_MAGIC):
        raise fail(name, message(N_("the content is not an XLSX workbook (not a ZIP archive)")))
    try:
        header, cells, header_line = read_first_sheet(content, name, limits)
    except SalesFileError:
        raise
    except Exception as exc:  # openpyxl, zipfile, zlib and XML errors of a damaged or unusual file
        why = message(N_("cannot read the XLSX file: %(why)s"), why=describe_xlsx_error(exc))
        raise fail(name, why) from None
    positions = map_columns(header, out)
    out.raise_if_any()
    # openpyxl hands out Python objects per cell: turning them into text is per cell by nature.
    body = pd.DataFrame(
        {f: cells[p] if f in ("revenue", "units") else cells[p].map(cell_text) for f, p in positions.items()}
    )
    body["_row"] = pd.RangeIndex(header_line + 1, header_line + 1 + len(body))
    return {f: header[p] for f, p in positions.items()}, body, None


def validate_raw(
    raw: pd.DataFrame,
    columns: dict[str, str],
    out: ProblemCollector,
    decimal_hint: str | None = None,
    limits: SalesLimits | None = None,
) -> SalesTable:
    """Validate raw text columns (plus ``_row``) and return the aggregated canonical table.

    The one validation shared by the import, the preview and frame imports: names, dates (parsable
    and inside ``limits``' window), amounts (numbers, finite, ≥ 0 for revenue, at most
    ``limits.max_value``), one category per product, and the sums per (date, store, product). The
    decimal mark is decided once for the file (``decide_decimal_mark``; ``decimal_hint`` comes from
    the CSV field separator) and applies to revenue and units alike.
    """
    limits = limits or SalesLimits()
    present = [f for f in FIELDS if f in raw.columns]
    empty = pd.concat([blank(raw[f]) for f in present], axis=1).all(axis=1)
    raw = raw[~empty].copy() if empty.any() else raw
    if raw.empty:
        out.add(message(N_("the file has a header but no data rows")), row=1)
        out.raise_if_any()
    check_identifiers(raw, columns, out)
    dates = parse_dates(raw, columns["date"], out, limits)
    check_date_window(raw, dates, columns["date"], out, limits)
    decimal = decide_decimal_mark(raw, columns, decimal_hint)
    amounts = {"decimal": decimal, "max_value": limits.max_value}
    revenue = parse_amounts(raw, "revenue", columns["revenue"], out, required=True, **amounts)
    if "units" in raw.columns:
        units = parse_amounts(raw, "units", columns["units"], out, required=False, **amounts)
    else:
        units = pd.Series(float("nan"), index=raw.index)
    frame = pd.DataFrame(
        {"date": dates, "store": raw["store"], "category": raw["category"], "product": raw["product"],
         "revenue": revenue.astype(float), "units": units.astype(float), "_row": raw["_row"]}
    )  # fmt: skip
    check_product_categories(frame, columns["category"], out)
    out.raise_if_any()
    totals = aggregate(frame)
    check_totals(totals, out, limits, columns=columns, rows=frame)
    out.raise_if_any()
    product_rows = frame.drop_duplicates("product").set_index("product")["_row"].astype(int).to_dict()
    return SalesTable(
        frame=totals, filename=out.file, rows_read=len(frame), columns=columns,
        product_rows=product_rows, decimal_mark=decimal,
    )  # fmt: skip


def read_sales_table(
    path: str | Path,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    limits: SalesLimits | None = None,
    distinct: bool = True,
) -> SalesTable:
    """Read and validate a CSV/XLSX sales file, keeping row counts and example lines for reports.

    ``limits`` bounds dates, values, rows and XLSX expansion (default: ``SalesLimits()``). A CSV file
    is checked once per distinct value first (``data.fast_validation``) and row by row only when
    that finds a problem; ``distinct=False`` checks it row by row from the start (the reference the
    tests and the import benchmark compare the fast path with). Both give the same table or error.
    """
    path = Path(path)
    name = display_name or path.name
    limits = limits or SalesLimits()
    kind = check_file(path, name, max_bytes)
    content = path.read_bytes()
    out = ProblemCollector(name)
    if kind == "xlsx":
        columns, raw, decimal_hint = _read_xlsx(content, name, out, limits)
        del content
        return validate_raw(raw, columns, out, decimal_hint, limits)
    parsed = _parse_csv(content, name, out, limits)
    del content
    fast = (
        validate_distinct(parsed.table, parsed.rows, parsed.columns, parsed.hint, limits, name)
        if distinct
        else None
    )
    if fast is not None:
        return SalesTable(
            frame=fast.frame, filename=name, rows_read=fast.rows_read, columns=parsed.columns,
            product_rows=fast.product_rows, decimal_mark=fast.decimal_mark,
        )  # fmt: skip
    # Some value is wrong (or unusual): the row-by-row checks name each bad row exactly.
    columns, raw, decimal_hint = _parsed_frame(parsed)
    del parsed
    return validate_raw(raw, columns, out, decimal_hint, limits)


def read_sales_file(
    path: str | Path,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    limits: SalesLimits | None = None,
) -> pd.DataFrame:
    """Read a CSV/XLSX sales file into the canonical frame; raise ``SalesFileError`` on any problem.

    ``display_name`` is the name shown in problems (an upload's original name); ``max_bytes``
    rejects larger files before reading them; ``limits`` as in ``read_sales_table``.
    """
    return read_sales_table(path, display_name=display_name, max_bytes=max_bytes, limits=limits).frame


def table_from_frame(frame: pd.DataFrame, *, filename: str, limits: SalesLimits | None = None) -> SalesTable:
    """Validate an already-canonical frame (e.g. generated demo data) the same way as a file.

    Rows are numbered as if the frame were written to CSV with a header (first row = 2).
    """
    missing = [c for c in ("date", "store", "category", "product", "revenue") if c not in frame.columns]
    if missing:
        why = N_("missing required column(s) %(missing)s; columns found: %(found)s")
        raise fail(filename, message(why, missing=", ".join(missing), found=str(list(frame.columns))))
    if len(frame) > (limits or SalesLimits()).max_rows:
        why = N_("%(count)s rows, over the limit (setting TRENDSALES_MAX_ROWS_PER_FILE)")
        raise fail(filename, message(why, count=len(frame)))
    raw = pd.DataFrame({c: frame[c] for c in FIELDS if c in frame.columns}).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(raw["date"]):
        raw["date"] = raw["date"].astype(str)
    raw["_row"] = pd.RangeIndex(2, len(raw) + 2)
    columns = {c: c for c in FIELDS if c in raw.columns}
    return validate_raw(raw, columns, ProblemCollector(filename), limits=limits)
