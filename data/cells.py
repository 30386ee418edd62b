"""Text cells for files people open in spreadsheets (CSV and XLSX exports)."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value`` as a cell that spreadsheets show as text, never run as a formula.

    Text starting with = + - @ (or a tab or CR) would be evaluated by Excel or LibreOffice (CSV/formula
    injection) and openpyxl writes text starting with = as a formula; such text gets a leading
    apostrophe. Numbers, dates and other values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
