"""Validating a CSV sales file once per distinct value: the same checks and results, far fewer calls.

A sales file repeats its values: a million rows of a chain hold a few thousand dates, a few hundred
stores and products, and far fewer distinct amounts than rows. Every check of
``ingest.validate_raw`` is a function of one cell (trimming, required, length, control characters,
date parse and window, number parse, sign and bound) except four that look across rows: dropping
blank rows, the decimal mark (a majority over rows), one category per product, and the sums per
(date, store, product). Here each column is dictionary-encoded by Arrow (in C++), the very check
functions of ``data.validation`` run on the distinct values only, and their results reach the rows
through the codes; the decimal mark counts each distinct value as often as it occurs; blank rows,
categories and duplicate keys are decided on integer codes (sums of duplicate keys by ``aggregate``).

This path only ever *accepts* a file. When any check finds a problem it returns ``None``, and the
file goes through ``validate_raw`` row by row, which names each bad row (file, row, column, reason)
exactly as before; an accepted file gives the same frame as ``validate_raw`` (the tests compare both
paths on tricky files). Why not a faster parser alone: pandas' and Arrow's number and date parsers
each differ from the row-by-row checks at the edges (``1_000``, ``2023-02-30``, Unicode digits and
spaces), and running the checks themselves on distinct values keeps one definition of what a valid
file is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.limits import SalesLimits
from data.validation import (
    FIELDS,
    NUMBER_FIELDS,
    DecimalMark,
    Evidence,
    ProblemCollector,
    aggregate,
    blank,
    check_date_window,
    check_identifier,
    check_totals,
    choose_decimal_mark,
    mark_evidence,
    number_text,
    parse_amounts,
    parse_dates,
)

_NAMES = ("store", "category", "product")


@dataclass(frozen=True)
class DistinctResult:
    """A file accepted by ``validate_distinct``: what ``ingest.SalesTable`` holds besides names."""

    frame: pd.DataFrame
    rows_read: int
    product_rows: dict[str, int]
    decimal_mark: DecimalMark


@dataclass(frozen=True)
class _Column:
    """A column as one code per row into its distinct values, numbered in order of first appearance.

    ``first`` is the position (among the rows) of each value's first occurrence.
    """

    codes: np.ndarray
    values: pd.Series
    first: np.ndarray


def _renumbered(codes: np.ndarray, values: pd.Series) -> _Column:
    """Codes renumbered so that value k is the k-th distinct one met in row order; unused values dropped."""
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    order = codes[first]
    remap = np.zeros(len(values), dtype=np.int64)
    remap[order] = np.arange(len(order))
    return _Column(remap[codes], values.take(order).reset_index(drop=True), first)


def _encoded(column: pa.ChunkedArray) -> _Column:
    """Dictionary-encode an Arrow text column (one dictionary over all chunks)."""
    encoded = pa.table({"c": pc.dictionary_encode(column)}).unify_dictionaries().column("c")
    values = pd.Series(encoded.chunk(0).dictionary.to_numpy(zero_copy_only=False), dtype=object)
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
    return _renumbered(codes.astype(np.int64), values)


@dataclass(frozen=True)
class _Canonical:
    """Codes per row into the distinct *checked* values (e.g. names after trimming), first rows of each."""

    codes: np.ndarray
    values: np.ndarray
    first: np.ndarray


def _canonical(column: _Column, checked: pd.Series) -> _Canonical:
    """Merge distinct cells that check to the same value (``' S1'`` and ``'S1'``; two spellings of a date)."""
    codes, values = pd.factorize(checked.to_numpy())
    firsts = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    return _Canonical(codes[column.codes], np.asarray(values), column.first[firsts])


# Numbers in their plainest form: ASCII digits, optionally one '.' and more digits ("12", "7.5", "0.500").
_PLAIN = r"^[0-9]+(\.[0-9]+)?$"
# Of those, the ones that also read as thousands with a decimal comma ("1.234"): no evidence of a mark.
_EITHER_MARK = r"^[1-9][0-9]{0,2}\.[0-9]{3}$"


def _plain_numbers(
    values: pd.Series, rows: pd.Series, weights: pd.Series
) -> tuple[Evidence, np.ndarray | None] | None:
    """When every distinct text of a number column is plain (``_PLAIN``): its decimal-mark evidence and
    its values read with '.' as decimal mark (None when one is not finite), computed by Arrow in C++;
    else None.

    Why: the checks of ``data.validation`` call Python per distinct value (strip, two regexes, a
    parse), ~0.35 CPU s for the ~60k distinct amounts of 1M rows, and plain numbers are what a sales
    export holds. What those checks make of a plain value is fixed by their patterns: no spaces to
    strip; it matches the '.' number pattern; it matches the ',' one only without a '.' or as
    ``_EITHER_MARK``; so the values with a '.' not of that form are the evidence for '.' and none is
    evidence for ','. Parsing: both Python and Arrow round decimal text correctly. A non-finite or too
    large value, or a file whose mark is ',', goes through ``parse_amounts``, which reports it.
    """
    text = pa.array(values.to_numpy(dtype=object), pa.string())
    if text.null_count or not pc.all(pc.match_substring_regex(text, _PLAIN)).as_py():
        return None
    only_dot = (
        pc.match_substring(text, ".").to_numpy(zero_copy_only=False)
        & ~pc.match_substring_regex(text, _EITHER_MARK).to_numpy(zero_copy_only=False)
    )  # fmt: skip
    found: Evidence = {",": (0, None), ".": (0, None)}
    if only_dot.any():
        first = int(np.argmax(only_dot))
        found["."] = (int(weights[only_dot].sum()), (str(values.iat[first]), int(rows.iat[first])))
    numbers = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    return found, (numbers if np.isfinite(numbers).all() else None)


def validate_distinct(
    table: pa.Table,
    rows: np.ndarray,
    columns: dict[str, str],
    decimal_hint: str | None,
    limits: SalesLimits,
    filename: str,
) -> DistinctResult | None:
    """Validate a parsed CSV file (Arrow text columns named by field, file line of each row) as
    ``ingest.validate_raw`` does; ``None`` when a check fails (then ``validate_raw`` reports it)."""
    if table.num_rows == 0:
        return None
    present = [f for f in FIELDS if f in table.column_names]
    cols = {f: _encoded(table.column(f)) for f in present}
    empty = np.ones(table.num_rows, dtype=bool)
    for c in cols.values():
        flags = blank(c.values).to_numpy()
        if not flags.any():  # a column without a blank value: no row is blank throughout
            empty[:] = False
            break
        empty &= flags[c.codes]
    if empty.any():
        if empty.all():
            return None
        keep = ~empty
        rows = rows[keep]
        cols = {f: _renumbered(c.codes[keep], c.values) for f, c in cols.items()}
    out = ProblemCollector(filename)  # any problem sends the file to the row-by-row checks

    def distinct(field: str) -> pd.DataFrame:
        c = cols[field]
        return pd.DataFrame({field: c.values, "_row": rows[c.first]})

    names = {}
    for field in _NAMES:
        names[field] = _canonical(cols[field], check_identifier(distinct(field), field, columns[field], out))
    if out.total:
        return None
    date_raw = distinct("date")
    dates = parse_dates(date_raw, columns["date"], out, limits)
    check_date_window(date_raw, dates, columns["date"], out, limits)
    if out.total:
        return None
    numbers = {f: distinct(f) for f in NUMBER_FIELDS if f in cols}
    evidence, plain = [], {}
    for field, raw in numbers.items():
        weights = pd.Series(np.bincount(cols[field].codes, minlength=len(raw)))
        read = _plain_numbers(raw[field], raw["_row"], weights)
        if read is None:
            text, _ = number_text(raw[field])
            marks = mark_evidence(text, raw["_row"], weights)
        else:
            marks, plain[field] = read
        evidence.append((columns.get(field, field), marks))
    decimal = choose_decimal_mark(evidence, decimal_hint)
    amounts = {"decimal": decimal, "max_value": limits.max_value}
    parsed = {}
    for field, raw in numbers.items():
        value = plain.get(field)
        if value is not None and decimal.mark == "." and np.all(value <= limits.max_value):
            parsed[field] = pd.Series(value)
        else:
            parsed[field] = parse_amounts(
                raw, field, columns[field], out, required=field == "revenue", **amounts
            )
    if out.total:
        return None
    return _accepted(cols, names, dates, parsed, rows, columns, limits, out, decimal)


def _accepted(
    cols: dict[str, _Column],
    names: dict[str, _Canonical],
    dates: pd.Series,
    parsed: dict[str, pd.Series],
    rows: np.ndarray,
    columns: dict[str, str],
    limits: SalesLimits,
    out: ProblemCollector,
    decimal: DecimalMark,
) -> DistinctResult | None:
    """Checks across rows on integer codes (one category per product, sums per key), then the frame."""
    store, category, product = names["store"], names["category"], names["product"]
    category_of = np.empty(len(product.values), dtype=np.int64)
    category_of[product.codes] = category.codes
    if (category_of[product.codes] != category.codes).any():
        return None
    day = _canonical(cols["date"], dates)
    revenue = parsed["revenue"].to_numpy(dtype=float)[cols["revenue"].codes]
    if "units" in parsed:
        units = parsed["units"].to_numpy(dtype=float)[cols["units"].codes]
    else:
        units = np.full(len(rows), np.nan)
    repeated = _repeated_keys(day.codes, store.codes, product.codes)
    if not repeated:  # one row per key: its sum is the value itself (summing turns -0.0 into 0.0: so here)
        revenue, units = revenue + 0.0, units + 0.0
    frame = pd.DataFrame(
        {"date": day.values[day.codes], "store": store.values[store.codes],
         "category": category.values[category.codes], "product": product.values[product.codes],
         "revenue": revenue, "units": units}
    )  # fmt: skip
    if repeated:
        frame["_row"] = rows
        totals = aggregate(frame)
        check_totals(totals, out, limits, columns=columns, rows=frame)
        if out.total:
            return None
    else:
        totals = frame
    product_rows = dict(zip(product.values.tolist(), rows[product.first].tolist(), strict=True))
    return DistinctResult(totals, len(rows), product_rows, decimal)


# Up to this many possible (date, store, product) keys, repeated keys are found with a bitmap of them.
_BITMAP_KEYS = 64_000_000


def _repeated_keys(*codes: np.ndarray) -> bool:
    """True when some row repeats another's combination of ``codes`` (each 0..k-1 per column).

    The codes become one integer per row (mixed radix); a bitmap of every possible key (one byte each,
    at most 64 MB) or else a hash finds a repeat. Why not ``DataFrame.duplicated``: it factorizes each
    column again, 0.15 CPU s per 1M rows against about 0.01 here.
    """
    key = np.zeros(len(codes[0]), dtype=np.int64)
    space = 1
    for column in codes:
        size = int(column.max()) + 1 if len(column) else 1
        if space * size > 2**62:
            return bool(pd.DataFrame(dict(enumerate(codes))).duplicated().any())
        key = key * size + column
        space *= size
    if space <= _BITMAP_KEYS:
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        return int(np.count_nonzero(seen)) < len(key)
    return not pd.Index(key).is_unique
