"""Validation of sales files: the vectorised checks (problems and their error: ``data.problems``).

Every check works on whole pandas columns (no Python loop over rows) and reports each bad
row with the file name, its 1-based line number (header = line 1), the column as written in
the file and a reason given as a msgid (marked with ``N_``) and its values, so the reader sees it
in their language (``data.problems``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.i18n import N_, Count, Joined, message, translate
from data.limits import SalesLimits
from data.problems import MAX_LISTED as MAX_LISTED  # re-exported: callers import them from here
from data.problems import Problem as Problem
from data.problems import ProblemCollector
from data.problems import SalesFileError as SalesFileError
from data.problems import first_problem as first_problem
from data.problems import merge_errors as merge_errors

FIELDS = ("date", "store", "category", "product", "revenue", "units")
CANONICAL_COLUMNS = list(FIELDS)
SALES_KEYS = ["date", "store", "product"]
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
    shown = ", ".join(repr(str(h)) for h in header) or message(N_("(none)"))
    for field, positions in found.items():
        if len(positions) > 1:
            names = Joined(tuple(repr(str(header[p])) for p in positions), N_(" and "))
            out.add(
                message(N_("ambiguous columns: %(names)s both mean %(field)s; keep only one"), names=names,
                        field=repr(field)),
                row=1,
            )  # fmt: skip
    for field in REQUIRED:
        if field not in found:
            out.add(
                message(
                    N_(
                        "missing required column %(field)s (accepted names: %(accepted)s); "
                        "columns found: %(found)s"
                    ),
                    field=repr(field), accepted=", ".join(ALIASES[field]), found=shown,
                ),
                row=1,
            )  # fmt: skip
    return {field: positions[0] for field, positions in found.items()}


def _strip(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty: NaN/NaT for typed columns, blank text otherwise."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()
    return _strip(values).eq("")


_MISSING = {
    "date": N_("missing date"),
    "store": N_("missing store"),
    "category": N_("missing category"),
    "product": N_("missing product"),
    "revenue": N_("missing revenue"),
    "units": N_("missing units"),
}
_TOO_LONG = {
    "store": N_("store name of %(length)s characters is longer than %(max)s: '%(start)s...'"),
    "category": N_("category name of %(length)s characters is longer than %(max)s: '%(start)s...'"),
    "product": N_("product name of %(length)s characters is longer than %(max)s: '%(start)s...'"),
}
_CONTROL_IN = {
    "store": N_("control character %(code)s in the store name"),
    "category": N_("control character %(code)s in the category name"),
    "product": N_("control character %(code)s in the product name"),
}


def check_identifiers(raw: pd.DataFrame, columns: dict[str, str], out: ProblemCollector) -> None:
    """Store, category and product must be non-empty text of at most ``MAX_NAME_LENGTH`` characters
    without control characters (they are stored in columns of that size and shown in the dashboard);
    strips them in place."""
    for field in ("store", "category", "product"):
        raw[field] = check_identifier(raw, field, columns[field], out)


def check_identifier(raw: pd.DataFrame, field: str, column: str, out: ProblemCollector) -> pd.Series:
    """One identifier column of ``check_identifiers``: records its problems, returns the stripped text."""
    values = _strip(raw[field])
    empty = values.eq("")
    out.add_rows(raw.loc[empty, "_row"], _MISSING[field], column)
    long = values.str.len().gt(MAX_NAME_LENGTH)
    if long.any():
        out.add_rows(
            raw.loc[long, "_row"], _TOO_LONG[field], column,
            length=values[long].str.len().astype(int), max=MAX_NAME_LENGTH,
            start=values[long].str.slice(0, 40),
        )  # fmt: skip
    control = values.str.contains(_CONTROL, regex=True)
    if control.any():
        found = values[control].str.extract(f"({_CONTROL})", expand=False)
        codes = found.map(lambda c: f"U+{ord(c):04X}").astype(object)
        out.add_rows(raw.loc[control, "_row"], _CONTROL_IN[field], column, code=codes)
    return values


def parse_dates(
    raw: pd.DataFrame, column: str, out: ProblemCollector, limits: SalesLimits | None = None
) -> pd.Series:
    """Parse ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY`` dates; unparsable ones become problems and NaT
    (a well-formed date too far out for pandas is reported against ``limits``' window)."""
    if pd.api.types.is_datetime64_any_dtype(raw["date"]):
        parsed = raw["date"].dt.tz_localize(None) if raw["date"].dt.tz is not None else raw["date"]
        parsed = parsed.dt.normalize().astype("datetime64[s]")
        out.add_rows(raw.loc[parsed.isna(), "_row"], _MISSING["date"], column)
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
        # object Series, not np.where: that would copy each msgid into a fixed-width unicode array
        msgids = pd.Series(_UNPARSABLE_DATE, index=shown.index, dtype=object).where(
            ~shown.eq(""), _MISSING["date"]
        )
        msgids = msgids.where(~_far_dates(day[bad], iso[bad]), _OUTSIDE_WINDOW)
        out.add_rows(
            raw.loc[bad, "_row"], msgids, column,
            value="'" + shown + "'", date=day[bad], window=(limits or SalesLimits()).window_message(),
        )  # fmt: skip
    return parsed


_UNPARSABLE_DATE = N_("unparsable date %(value)s (expected YYYY-MM-DD or DD/MM/YYYY)")
_OUTSIDE_WINDOW = N_("date %(date)s is outside the allowed window %(window)s")
_ISOLATED_DATE = N_(
    "date %(date)s is more than %(years)s years away from the file's other dates (nearest %(nearest)s); "
    "a mistyped year?"
)
MAX_DATE_GAP_DAYS = 3653  # ten years: no real sales file has such a hole between its dates


def _far_dates(day: pd.Series, iso: pd.Series) -> pd.Series:
    """Well-formed dates pandas cannot hold (years before 1678 or after 2261, e.g. 0001-01-01 or
    9999-12-31) are outside any allowed window: they are reported so instead of "unparsable"."""
    year = day.str.extract(r"^(\d{4})-\d{2}-\d{2}$")[0].where(
        iso, day.str.extract(r"^\d{2}/\d{2}/(\d{4})$")[0]
    )
    far = pd.to_numeric(year, errors="coerce")
    return far.lt(pd.Timestamp.min.year + 1) | far.gt(pd.Timestamp.max.year - 1)


def check_date_window(
    raw: pd.DataFrame, dates: pd.Series, column: str, out: ProblemCollector, limits: SalesLimits
) -> None:
    """Report rows dated outside ``limits``' window (before the minimum date or too far in the future),
    and rows whose date is isolated from the file's other dates by more than ``MAX_DATE_GAP_DAYS``."""
    outside = dates.lt(pd.Timestamp(limits.min_date)) | dates.gt(pd.Timestamp(limits.max_date))
    if outside.any():
        days = dates[outside].dt.date
        out.add_rows(
            raw.loc[outside, "_row"], _OUTSIDE_WINDOW, column, date=days, window=limits.window_message()
        )
    isolated, nearest = _isolated_dates(dates.where(~outside))
    if isolated.any():
        out.add_rows(
            raw.loc[isolated, "_row"], _ISOLATED_DATE, column,
            date=dates[isolated].dt.date, nearest=nearest[isolated].dt.date, years=MAX_DATE_GAP_DAYS // 365,
        )  # fmt: skip


def _isolated_dates(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which ``dates`` lie outside the file's main block of dates (the block with the most distinct
    dates, when gaps longer than ``MAX_DATE_GAP_DAYS`` split them), and the nearest date of that block.

    Why: a mistyped year inside the window (``1926-10-29`` for ``2026-10-29``) passes the window
    check but stretches the series' grid over a century of zeros (the training of issue 12's
    ``0001-01-01`` row never ended). Counting distinct dates, not rows, gives the same answer when the
    file's distinct values are checked (the fast path) as when every row is.
    """
    distinct = np.sort(dates.dropna().unique())
    none = pd.Series(False, index=dates.index), pd.Series(pd.NaT, index=dates.index)
    if len(distinct) < 2:
        return none
    gaps = np.flatnonzero(np.diff(distinct) > np.timedelta64(MAX_DATE_GAP_DAYS, "D"))
    if not len(gaps):
        return none
    # The largest block between gaps is the file's data; every other block is isolated from it.
    bounds = np.concatenate([[0], gaps + 1, [len(distinct)]])
    main = int(np.argmax(np.diff(bounds)))
    low, high = distinct[bounds[main]], distinct[bounds[main + 1] - 1]
    isolated = dates.lt(low) | dates.gt(high)
    nearest = pd.Series(np.where(dates.lt(low), low, high), index=dates.index).where(isolated)
    return isolated.fillna(False), pd.to_datetime(nearest)


@dataclass(frozen=True)
class DecimalMark:
    """A file's decimal mark (``"."`` or ``","``) and why: an example value, or the field-separator hint."""

    mark: str
    example: str | None = None
    row: int | None = None
    column: str | None = None
    hint_from: str | None = None

    def text(self, language: str) -> str:
        """E.g. ``',' (as in '1.234,56' on row 2, column 'valor')`` in ``language``."""
        if self.example is not None:
            return translate(
                language, N_("%(mark)s (as in %(example)s on row %(row)s, column %(column)s)"),
                mark=repr(self.mark), example=repr(self.example), row=str(self.row), column=repr(self.column),
            )  # fmt: skip
        if self.hint_from is not None:
            return translate(
                language, N_("%(mark)s (no value shows it; assumed from the %(sep)s field separator)"),
                mark=repr(self.mark), sep=repr(self.hint_from),
            )  # fmt: skip
        return translate(language, N_("%(mark)s (no value shows it; the default)"), mark=repr(self.mark))

    def __str__(self) -> str:
        """The English form (shown in previews and problems)."""
        return self.text("en")


def number_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
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
    evidence = []
    for field in NUMBER_FIELDS:
        if field not in raw.columns or pd.api.types.is_numeric_dtype(raw[field]):
            continue
        text, _ = number_text(raw[field])
        evidence.append((columns.get(field, field), mark_evidence(text, raw["_row"])))
    return choose_decimal_mark(evidence, hint)


# Per decimal mark: how many values read as a number with that mark only, and the first (text, row).
Evidence = dict[str, tuple[int, tuple[str, int] | None]]


def mark_evidence(text: pd.Series, rows: pd.Series, weights: pd.Series | None = None) -> Evidence:
    """The evidence of one column's stripped number text for each decimal mark (``decide_decimal_mark``).

    ``rows`` are the values' file lines, ascending; ``weights`` how often each value occurs (default 1:
    one entry per row), so distinct values with their counts give the same evidence as every row.
    """
    found: Evidence = {",": (0, None), ".": (0, None)}
    if not (text.str.contains(",", regex=False).any() or text.str.contains(".", regex=False).any()):
        return found
    compact = text.str.replace(_SPACES, "", regex=True)
    valid = {mark: compact.str.match(pattern) for mark, pattern in _NUMBER.items()}
    for mark in found:
        only = valid[mark] & ~valid[_OTHER_MARK[mark]]
        if only.any():
            first = only.idxmax()
            count = int(only.sum()) if weights is None else int(weights[only].sum())
            found[mark] = (count, (str(text[first]), int(rows.at[first])))
    return found


def choose_decimal_mark(evidence: Sequence[tuple[str, Evidence]], hint: str | None = None) -> DecimalMark:
    """The file's decimal mark from each number column's evidence (column name, ``mark_evidence``)."""
    found: dict[str, list] = {",": [0, None], ".": [0, None]}
    for column, marks in evidence:
        for mark, count in found.items():
            seen, example = marks[mark]
            if seen and example is not None:
                count[0] += seen
                if count[1] is None or example[1] < count[1][1]:
                    count[1] = (example[0], example[1], column)
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
        text, typed = number_text(values)
        numbers = parse_numbers(text, decimal.mark)
        if typed.any():
            numbers[typed] = values[typed].astype(float)
            text = text.where(~typed, values.astype(str))
        empty = text.eq("")
    if required:
        out.add_rows(raw.loc[empty, "_row"], _MISSING[field], column)
    bad = numbers.isna() & ~empty
    if bad.any():
        shown = ("'" + text[bad] + "'").astype(object)
        other = _OTHER_MARK[decimal.mark]
        compact = text[bad].str.replace(_SPACES, "", regex=True)
        other_mark = compact.str.match(_NUMBER[other]) & compact.str.contains(r"\d")
        msgids = pd.Series(_NOT_A_NUMBER, index=shown.index, dtype=object).where(
            ~other_mark, _OTHER_MARK_ONLY
        )
        msgids = _explain_not_numbers(compact, msgids)
        out.add_rows(raw.loc[bad, "_row"], msgids, column, value=shown, other=repr(other), mark=decimal)
    too_big = numbers.abs().gt(max_value)
    if too_big.any():
        out.add_rows(
            raw.loc[too_big, "_row"], _ABOVE_MAXIMUM[field], column, value=text[too_big], max=Count(max_value)
        )
    negative = numbers.lt(0)
    if required and negative.any():
        out.add_rows(raw.loc[negative, "_row"], _NEGATIVE[field], column, value=text[negative])
    return numbers


_OTHER_MARK_ONLY = N_(
    "%(value)s only reads as a number with %(other)s as decimal mark, but this file uses %(mark)s; "
    "use one decimal mark in the whole file"
)
_NOT_A_NUMBER = N_("not a number: %(value)s")
_NOT_FINITE = N_("not a finite number: %(value)s (infinite or NaN values cannot be summed or stored)")
_SPREADSHEET_ERROR = N_("spreadsheet error %(value)s (a formula that failed in the workbook)")
_ABOVE_MAXIMUM = {
    "revenue": N_(
        "revenue %(value)s is above the maximum of %(max)s per row (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
    "units": N_(
        "units %(value)s is above the maximum of %(max)s per row (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
}
_NEGATIVE = {
    "revenue": N_("negative revenue (%(value)s); must be 0 or more"),
    "units": N_("negative units (%(value)s); must be 0 or more"),
}


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def _explain_not_numbers(compact: pd.Series, msgids: pd.Series) -> pd.Series:
    """Sharper reasons for values that are numbers of a kind we refuse: infinite/NaN, spreadsheet errors."""
    lowered = compact.str.lower()
    special = pd.to_numeric(compact.map(_float_or_nan), errors="coerce")  # '1e309' → inf on any pandas
    infinite = (special.notna() & ~np.isfinite(special)) | lowered.str.fullmatch(r"[+-]?(nan|inf|infinity)")
    msgids = msgids.where(~infinite, _NOT_FINITE)
    failed = compact.str.upper().isin(_SPREADSHEET_ERRORS)
    return msgids.where(~failed, _SPREADSHEET_ERROR)


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
            msgid = _SUM_OVERFLOWS[field] if not np.isfinite(total) else _SUM_ABOVE[field]
            out.add(
                message(
                    msgid, date=pd.Timestamp(date).date(), store=repr(store), product=repr(product),
                    total=Count(float(total)), max=Count(limits.max_value),
                ),
                row=None if pd.isna(row) else int(row),
                column=columns.get(field, field),
            )  # fmt: skip
        out.total += max(0, len(keys) - out.limit)


_SUM_OVERFLOWS = {
    "revenue": N_(
        "the sum of revenue for date %(date)s, store %(store)s, product %(product)s overflows to a "
        "non-finite number, above the maximum of %(max)s (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
    "units": N_(
        "the sum of units for date %(date)s, store %(store)s, product %(product)s overflows to a "
        "non-finite number, above the maximum of %(max)s (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
}
_SUM_ABOVE = {
    "revenue": N_(
        "the sum of revenue for date %(date)s, store %(store)s, product %(product)s is %(total)s, above the "
        "maximum of %(max)s (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
    "units": N_(
        "the sum of units for date %(date)s, store %(store)s, product %(product)s is %(total)s, above the "
        "maximum of %(max)s (setting TRENDSALES_MAX_SALES_VALUE)"
    ),
}


def check_product_categories(frame: pd.DataFrame, column: str, out: ProblemCollector) -> None:
    """A product must belong to one category: report each product found under several categories."""
    named = frame[frame["product"].ne("") & frame["category"].ne("")]  # empty ones are reported already
    firsts = named.drop_duplicates(["product", "category"])[["product", "category", "_row"]]
    clash = firsts[firsts.duplicated("product", keep=False)]
    if clash.empty:
        return
    for product, group in clash.groupby("product", sort=True):
        listing = Joined(
            tuple(
                message(N_("%(category)s (e.g. row %(row)s)"), category=repr(c), row=str(r))
                for c, r in zip(group["category"], group["_row"], strict=True)
            )
        )
        out.add(
            message(
                N_("product %(product)s appears in several categories: %(listing)s"),
                product=repr(product),
                listing=listing,
            ),
            row=int(group["_row"].iloc[1]),
            column=column,
        )


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum transaction rows per (date, store, product); ``units`` stays NaN when all parts are NaN.

    A sum may overflow to ``inf``: ``check_totals`` reports it, so numpy's warning is silenced here.
    """
    grouped = frame.groupby(SALES_KEYS, sort=False)
    with np.errstate(over="ignore"):
        out = grouped.agg(category=("category", "first"), revenue=("revenue", "sum"))
        out["units"] = grouped["units"].sum(min_count=1)
    return out.reset_index()[CANONICAL_COLUMNS]
