"""Validation of sales files: problems, the error that carries them, and the vectorised checks.

Every check works on whole pandas columns (no Python loop over rows) and reports each bad
row with the file name, its 1-based line number (header = line 1), the column as written in
the file and a reason. A bad file produces at most ``MAX_LISTED`` listed problems plus a
count of the rest, so a million bad rows never become a million-line message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.limits import SalesLimits, format_count

MAX_LISTED = 200

FIELDS = ("date", "store", "category", "product", "revenue", "units")
REQUIRED = ("date", "store", "category", "product", "revenue")
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "data", "ds", "day", "dia"),
    "store": ("store", "loja", "store_id", "shop"),
    "category": ("category", "categoria"),
    "product": ("product", "produto", "sku", "item"),
    "revenue": ("revenue", "sales", "faturamento", "amount", "valor", "total", "y"),
    "units": ("units", "quantity", "quantidade", "qty"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

# A time of day after the date (transaction exports) is accepted and dropped: rows are summed per day.
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}" + _TIME + "$"
_DMY_DATE = r"^\d{1,2}/\d{1,2}/\d{4}" + _TIME + "$"
_SPACES = r"[\s\u00a0]"
# A number written with the given decimal mark: plain digits, or thousands groups (never starting
# with 0) separated by the other mark, then optional decimals after the mark.
_NUMBER = {
    ",": r"^[+-]?(?:\d*|[1-9]\d{0,2}(?:\.\d{3})+)(?:,\d*)?$",
    ".": r"^[+-]?(?:\d*|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d*)?$",
}
_OTHER_MARK = {",": ".", ".": ","}
NUMBER_FIELDS = ("revenue", "units")
# Store, category and product are stored as String(128) (PostgreSQL enforces it).
MAX_NAME_LENGTH = 128
_CONTROL = r"[\x00-\x1f\x7f]"
_SPREADSHEET_ERRORS = (
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sales file; ``row`` is the file line (header = 1), None for file-level."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        """Human-readable form used in CLI output and the upload page."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return f"{', '.join(parts)}: {self.reason}"


_ITEM = "  - "  # how each problem is listed in a ``SalesFileError`` message


class SalesFileError(ValueError):
    """A sales file (or batch) was rejected; the message lists every problem (up to ``MAX_LISTED``)."""

    def __init__(self, problems: Sequence[Problem], *, total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        super().__init__(self._message())

    @property
    def omitted(self) -> int:
        """How many problems were found but not listed (beyond ``MAX_LISTED``)."""
        return self.total - len(self.problems)

    def _message(self) -> str:
        count = f"{self.total} problem{'s' if self.total != 1 else ''}"
        lines = [f"Sales file rejected ({count}); nothing was imported."]
        lines += [f"{_ITEM}{p}" for p in self.problems]
        if self.omitted:
            lines.append(f"  ... and {self.omitted} more problems not listed")
        return "\n".join(lines)


def first_problem(message: str) -> str:
    """One line for a stored rejection message: its first problem (file, row, column, reason) and how
    many more there are; a message that lists no problems (e.g. another file of the batch was bad)
    gives its first line."""
    lines = message.splitlines()
    listed = [line[len(_ITEM) :] for line in lines if line.startswith(_ITEM)]
    if not listed:
        return lines[0] if lines else ""
    found = re.search(r"\((\d+) problems?\)", lines[0])
    more = (int(found.group(1)) if found else len(listed)) - 1
    return f"{listed[0]} (+{more} more problem{'s' if more != 1 else ''})" if more > 0 else listed[0]


def merge_errors(errors: Iterable[SalesFileError]) -> SalesFileError:
    """Combine the errors of several files into one (each file's problems stay in order)."""
    errors = list(errors)
    problems = [p for err in errors for p in err.problems]
    return SalesFileError(problems, total=sum(err.total for err in errors))


class ProblemCollector:
    """Accumulates problems from vectorised checks, keeping at most ``limit`` and counting the rest."""

    def __init__(self, file: str, limit: int = MAX_LISTED) -> None:
        self.file = file
        self.limit = limit
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, reason: str, *, row: int | None = None, column: str | None = None) -> None:
        """Record one problem (file-level when ``row`` is None)."""
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(self.file, row, column, reason))

    def add_rows(self, rows: pd.Series, reasons: pd.Series | str, column: str) -> None:
        """Record one problem per entry of ``rows`` (line numbers), building objects only for listed ones."""
        count = len(rows)
        if not count:
            return
        self.total += count
        room = self.limit - len(self.problems)
        if room <= 0:
            return
        head_rows = rows.iloc[:room].tolist()
        if isinstance(reasons, str):
            head_reasons = [reasons] * len(head_rows)
        else:
            head_reasons = reasons.iloc[:room].tolist()
        self.problems.extend(
            Problem(self.file, int(r), column, str(m)) for r, m in zip(head_rows, head_reasons, strict=True)
        )

    def raise_if_any(self) -> None:
        """Raise ``SalesFileError`` when anything was recorded; problems are sorted by row."""
        if self.total:
            ordered = sorted(self.problems, key=lambda p: p.row or 0)
            raise SalesFileError(ordered, total=self.total)


def normalise_header(name: object) -> str:
    """Header as compared with aliases: accents removed, lower case, spaces/underscores trimmed."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[\s_\-]+", "_", text.strip(" \t_"))
    return text.strip("_")


def map_columns(header: Sequence[object], out: ProblemCollector) -> dict[str, int]:
    """Map canonical fields to header positions; record missing and ambiguous columns."""
    found: dict[str, list[int]] = {}
    for pos, name in enumerate(header):
        field = _ALIAS_TO_FIELD.get(normalise_header(name))
        if field:
            found.setdefault(field, []).append(pos)
    shown = ", ".join(repr(str(h)) for h in header) or "(none)"
    for field, positions in found.items():
        if len(positions) > 1:
            names = " and ".join(repr(str(header[p])) for p in positions)
            out.add(f"ambiguous columns: {names} both mean {field!r}; keep only one", row=1)
    for field in REQUIRED:
        if field not in found:
            accepted = ", ".join(ALIASES[field])
            out.add(
                f"missing required column {field!r} (accepted names: {accepted}); columns found: {shown}",
                row=1,
            )
    return {field: positions[0] for field, positions in found.items()}


def _strip(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty: NaN/NaT for typed columns, blank text otherwise."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()
    return _strip(values).eq("")


def check_identifiers(raw: pd.DataFrame, columns: dict[str, str], out: ProblemCollector) -> None:
    """Store, category and product must be non-empty text of at most ``MAX_NAME_LENGTH`` characters
    without control characters (they are stored in columns of that size and shown in the dashboard);
    strips them in place."""
    for field in ("store", "category", "product"):
        values = _strip(raw[field])
        raw[field] = values
        empty = values.eq("")
        out.add_rows(raw.loc[empty, "_row"], f"missing {field}", columns[field])
        long = values.str.len().gt(MAX_NAME_LENGTH)
        if long.any():
            reasons = (
                f"{field} name of " + values[long].str.len().astype(str).astype(object)
                + f" characters is longer than {MAX_NAME_LENGTH}: '" + values[long].str.slice(0, 40) + "...'"
            )  # fmt: skip
            out.add_rows(raw.loc[long, "_row"], reasons, columns[field])
        control = values.str.contains(_CONTROL, regex=True)
        if control.any():
            found = values[control].str.extract(f"({_CONTROL})", expand=False)
            codes = found.map(lambda c: f"U+{ord(c):04X}").astype(object)
            reasons = "control character " + codes + f" in the {field} name"
            out.add_rows(raw.loc[control, "_row"], reasons, columns[field])


def parse_dates(
    raw: pd.DataFrame, column: str, out: ProblemCollector, limits: SalesLimits | None = None
) -> pd.Series:
    """Parse ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY`` dates; unparsable ones become problems and NaT
    (a well-formed date too far out for pandas is reported against ``limits``' window)."""
    if pd.api.types.is_datetime64_any_dtype(raw["date"]):
        parsed = raw["date"].dt.tz_localize(None) if raw["date"].dt.tz is not None else raw["date"]
        parsed = parsed.dt.normalize().astype("datetime64[s]")
        out.add_rows(raw.loc[parsed.isna(), "_row"], "missing date", column)
        return parsed
    text = _strip(raw["date"])
    iso = text.str.match(_ISO_DATE)
    day = text.str.replace(r"[T ].*$", "", regex=True) if text.str.contains("[T ]").any() else text
    if iso.all():  # the common case: one vectorised parse of the whole column
        parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")
    else:
        dmy = text.str.match(_DMY_DATE)
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
        if iso.any():
            parsed[iso] = pd.to_datetime(day[iso], format="%Y-%m-%d", errors="coerce")
        if dmy.any():
            parsed[dmy] = pd.to_datetime(day[dmy], format="%d/%m/%Y", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        shown = text[bad]
        reasons = np.where(
            shown.eq(""),
            "missing date",
            "unparsable date " + ("'" + shown + "'").astype(object) + " (expected YYYY-MM-DD or DD/MM/YYYY)",
        )
        reasons = _explain_far_dates(
            day[bad], iso[bad], pd.Series(reasons, index=shown.index), limits or SalesLimits()
        )
        out.add_rows(raw.loc[bad, "_row"], reasons, column)
    return parsed


def _explain_far_dates(day: pd.Series, iso: pd.Series, reasons: pd.Series, limits: SalesLimits) -> pd.Series:
    """Well-formed dates pandas cannot hold (years before 1678 or after 2261, e.g. 0001-01-01 or
    9999-12-31) are outside any allowed window: say so instead of "unparsable"."""
    year = day.str.extract(r"^(\d{4})-\d{2}-\d{2}$")[0].where(
        iso, day.str.extract(r"^\d{2}/\d{2}/(\d{4})$")[0]
    )
    far = pd.to_numeric(year, errors="coerce")
    far = far.lt(pd.Timestamp.min.year + 1) | far.gt(pd.Timestamp.max.year - 1)
    return reasons.where(
        ~far, "date " + day.astype(object) + " is outside the allowed window " + limits.window()
    )


def check_date_window(
    raw: pd.DataFrame, dates: pd.Series, column: str, out: ProblemCollector, limits: SalesLimits
) -> None:
    """Report rows dated outside ``limits``' window (before the minimum date or too far in the future)."""
    outside = dates.lt(pd.Timestamp(limits.min_date)) | dates.gt(pd.Timestamp(limits.max_date))
    if outside.any():
        shown = dates[outside].astype(str).str.slice(0, 10).astype(object)
        reasons = "date " + shown + " is outside the allowed window " + limits.window()
        out.add_rows(raw.loc[outside, "_row"], reasons, column)


@dataclass(frozen=True)
class DecimalMark:
    """A file's decimal mark (``"."`` or ``","``) and why: an example value, or the field-separator hint."""

    mark: str
    example: str | None = None
    row: int | None = None
    column: str | None = None
    hint_from: str | None = None

    def __str__(self) -> str:
        """E.g. ``',' (as in '1.234,56' on row 2, column 'valor')``; shown in previews and problems."""
        if self.example is not None:
            return f"{self.mark!r} (as in {self.example!r} on row {self.row}, column {self.column!r})"
        if self.hint_from is not None:
            return f"{self.mark!r} (no value shows it; assumed from the {self.hint_from!r} field separator)"
        return f"{self.mark!r} (no value shows it; the default)"


def _number_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(stripped text of the cells written as text, mask of cells that are numbers already).

    Object columns (XLSX) mix number cells, taken as they are, with text cells, which are parsed.
    """
    if values.dtype == object:
        typed = values.map(type).isin([int, float]) & values.notna()
    else:
        typed = pd.Series(False, index=values.index)
    return _strip(values.where(~typed, "")), typed


def decide_decimal_mark(raw: pd.DataFrame, columns: dict[str, str], hint: str | None = None) -> DecimalMark:
    """Decide the decimal mark once for the whole file, from every number written as text.

    A value that reads as a number with only one of the marks is evidence for it: ``1.234,56``,
    ``12,5`` and ``1.234.567`` for ``,``; ``1,234.5``, ``7.5``, ``0.500`` and ``1234.567`` for ``.``.
    Values such as ``1.234`` or ``2,500`` (one separator followed by exactly three digits) read
    either way and are no evidence. With evidence for one mark only, that mark is used; with
    evidence for both, the mark with more such values (ties: ``hint``) is used and the other
    values are reported as problems. Without evidence, ``hint`` decides (``,`` for ``;``-separated
    CSV, ``.`` for ``,``-separated CSV), else ``.``: so ``1.234`` is 1234 in a ``;`` file and
    1.234 in a ``,`` file or an XLSX text cell.
    """
    found: dict[str, list] = {",": [0, None], ".": [0, None]}
    for field in NUMBER_FIELDS:
        if field not in raw.columns or pd.api.types.is_numeric_dtype(raw[field]):
            continue
        text, _ = _number_text(raw[field])
        if not (text.str.contains(",", regex=False).any() or text.str.contains(".", regex=False).any()):
            continue
        compact = text.str.replace(_SPACES, "", regex=True)
        valid = {mark: compact.str.match(pattern) for mark, pattern in _NUMBER.items()}
        for mark, count in found.items():
            only = valid[mark] & ~valid[_OTHER_MARK[mark]]
            if only.any():
                first = only.idxmax()
                count[0] += int(only.sum())
                if count[1] is None or raw.at[first, "_row"] < count[1][1]:
                    count[1] = (str(text[first]), int(raw.at[first, "_row"]), columns.get(field, field))
    commas, dots = found[","][0], found["."][0]
    if not commas and not dots:
        mark = hint or "."
        sep = {",": ";", ".": ","}[mark] if hint else None
        return DecimalMark(mark, hint_from=sep)
    mark = "," if commas > dots or (commas == dots and hint == ",") else "."
    example, row, column = found[mark][1]
    return DecimalMark(mark, example=example, row=row, column=column)


def parse_numbers(text: pd.Series, mark: str = ".") -> pd.Series:
    """Parse numbers written with ``mark`` as decimal mark (``1.234,56`` or ``1,234.56``).

    The other mark may only group thousands. Unparsable or infinite values become NaN.
    Vectorised (pyarrow regexes); text without the separators of the other convention takes a plain
    float parse.
    """
    plain = not text.str.contains(",", regex=False).any()
    if plain and (mark == "." or not text.str.contains(".", regex=False).any()):
        try:
            numbers = text.astype("float64")  # plain numbers everywhere: the common, fast case
        except (TypeError, ValueError):
            numbers = pd.to_numeric(text, errors="coerce")
        retry = numbers.isna() & text.ne("")
        if retry.any():
            numbers[retry] = pd.to_numeric(text[retry].str.replace(_SPACES, "", regex=True), errors="coerce")
        return numbers.where(np.isfinite(numbers))
    compact = text.str.replace(_SPACES, "", regex=True)
    valid = compact.str.match(_NUMBER[mark])
    cleaned = compact.str.replace(_OTHER_MARK[mark], "", regex=False)
    if mark == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned.where(valid, "x"), errors="coerce")
    return numbers.where(np.isfinite(numbers))


def parse_amounts(
    raw: pd.DataFrame,
    field: str,
    column: str,
    out: ProblemCollector,
    *,
    required: bool,
    decimal: DecimalMark | None = None,
    max_value: float = float("inf"),
) -> pd.Series:
    """Parse the revenue (required, ≥ 0) or units (optional, numeric) column, recording bad values.

    Text is parsed with the file's decimal mark (``decide_decimal_mark``); an already numeric column
    (a frame) is checked as is. Values must be finite and at most ``max_value`` in size.
    """
    decimal = decimal or DecimalMark(".")
    values = raw[field]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
        empty = numbers.isna()
        text = numbers.astype(str)
        numbers = numbers.where(np.isfinite(numbers))
    else:
        text, typed = _number_text(values)
        numbers = parse_numbers(text, decimal.mark)
        if typed.any():
            numbers[typed] = values[typed].astype(float)
            text = text.where(~typed, values.astype(str))
        empty = text.eq("")
    if required:
        out.add_rows(raw.loc[empty, "_row"], f"missing {field}", column)
    bad = numbers.isna() & ~empty
    if bad.any():
        shown = ("'" + text[bad] + "'").astype(object)
        other = _OTHER_MARK[decimal.mark]
        compact = text[bad].str.replace(_SPACES, "", regex=True)
        other_mark = compact.str.match(_NUMBER[other]) & compact.str.contains(r"\d")
        reasons = pd.Series(
            np.where(
                other_mark,
                shown + f" only reads as a number with {other!r} as decimal mark, but this file uses "
                f"{decimal}; use one decimal mark in the whole file",
                "not a number: " + shown,
            ),
            index=shown.index,
        )
        reasons = _explain_not_numbers(compact, shown, reasons)
        out.add_rows(raw.loc[bad, "_row"], reasons, column)
    too_big = numbers.abs().gt(max_value)
    if too_big.any():
        reasons = (
            f"{field} " + text[too_big].astype(object) + " is above the maximum of "
            f"{format_count(max_value)} per row (setting TRENDSALES_MAX_SALES_VALUE)"
        )
        out.add_rows(raw.loc[too_big, "_row"], reasons, column)
    negative = numbers.lt(0)
    if required and negative.any():
        reasons = "negative " + field + " (" + text[negative].astype(object) + "); must be 0 or more"
        out.add_rows(raw.loc[negative, "_row"], reasons, column)
    return numbers


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def _explain_not_numbers(compact: pd.Series, shown: pd.Series, reasons: pd.Series) -> pd.Series:
    """Sharper reasons for values that are numbers of a kind we refuse: infinite/NaN, spreadsheet errors."""
    lowered = compact.str.lower()
    special = pd.to_numeric(compact.map(_float_or_nan), errors="coerce")  # '1e309' → inf on any pandas
    infinite = (special.notna() & ~np.isfinite(special)) | lowered.str.fullmatch(r"[+-]?(nan|inf|infinity)")
    reasons = reasons.where(
        ~infinite, "not a finite number: " + shown + " (infinite or NaN values cannot be summed or stored)"
    )
    failed = compact.str.upper().isin(_SPREADSHEET_ERRORS)
    return reasons.where(~failed, "spreadsheet error " + shown + " (a formula that failed in the workbook)")


def check_totals(
    totals: pd.DataFrame,
    out: ProblemCollector,
    limits: SalesLimits,
    *,
    columns: dict[str, str],
    rows: pd.DataFrame | None = None,
) -> None:
    """Revenue and units of each (date, store, product) after summing must be finite and at most
    ``limits.max_value``: rows that are each valid can overflow together (two ``1e308`` make ``inf``).

    ``rows`` (the frame before summing, with ``_row``) lets a problem name the key's first file row.
    """
    for field in NUMBER_FIELDS:
        if field not in totals.columns:
            continue
        values = totals[field]
        bad = (values.notna() & ~np.isfinite(values)) | values.abs().gt(limits.max_value)
        if not bad.any():
            continue
        keys = totals.loc[bad, ["date", "store", "product", field]]
        first_rows = pd.Series(pd.NA, index=keys.index, dtype="Int64")
        if rows is not None:
            firsts = rows.groupby(["date", "store", "product"], sort=False)["_row"].min()
            first_rows = pd.Series(
                firsts.reindex(pd.MultiIndex.from_frame(keys[["date", "store", "product"]])).to_numpy(),
                index=keys.index,
            )
        for (date, store, product, total), row in zip(
            keys.itertuples(index=False), first_rows.head(out.limit), strict=False
        ):
            what = "overflows to a non-finite number" if not np.isfinite(total) else f"is {total:g}"
            out.add(
                f"the sum of {field} for date {pd.Timestamp(date):%Y-%m-%d}, store {store!r}, product "
                f"{product!r} {what}, above the maximum of {format_count(limits.max_value)} "
                "(setting TRENDSALES_MAX_SALES_VALUE)",
                row=None if pd.isna(row) else int(row),
                column=columns.get(field, field),
            )
        out.total += max(0, len(keys) - out.limit)


def check_product_categories(frame: pd.DataFrame, column: str, out: ProblemCollector) -> None:
    """A product must belong to one category: report each product found under several categories."""
    named = frame[frame["product"].ne("") & frame["category"].ne("")]  # empty ones are reported already
    firsts = named.drop_duplicates(["product", "category"])[["product", "category", "_row"]]
    clash = firsts[firsts.duplicated("product", keep=False)]
    if clash.empty:
        return
    for product, group in clash.groupby("product", sort=True):
        listing = "; ".join(
            f"{c!r} (e.g. row {r})" for c, r in zip(group["category"], group["_row"], strict=True)
        )
        out.add(
            f"product {product!r} appears in several categories: {listing}",
            row=int(group["_row"].iloc[1]),
            column=column,
        )
