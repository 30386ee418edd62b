"""Limits on what one sales file may hold: the plausible date window, value bounds and work bounds.

``SalesLimits`` carries the settings (``TRENDSALES_MIN_SALES_DATE``, ``TRENDSALES_MAX_FUTURE_DAYS``,
``TRENDSALES_MAX_SALES_VALUE``, ``TRENDSALES_MAX_ROWS_PER_FILE``, ``TRENDSALES_MAX_XLSX_UNCOMPRESSED_MB``)
from the app config to the reader, so the CLI, the upload preview and the import check the same
thing. ``format_size`` is the one way sizes are written in messages: MB = 1024² bytes (MiB), the
unit ``TRENDSALES_MAX_UPLOAD_MB`` is given in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from data.i18n import N_, Message, message

MB = 1024 * 1024
# Not before 1901: refuses the typos that matter (0001-01-01 made a 2,000-year daily grid) and
# Excel's empty or small-number date cells (serials 0-366 read as 1899-12-30 ... 1900-12-31), while
# long public series load as they are (airline passengers 1949, Australian beer 1956, tourism 1983).
DEFAULT_MIN_DATE = dt.date(1901, 1, 1)
DEFAULT_MAX_FUTURE_DAYS = 1
DEFAULT_MAX_VALUE = 1e12
DEFAULT_MAX_ROWS = 5_000_000
DEFAULT_MAX_XLSX_MB = 500.0
# openpyxl reads ~8k rows/s here (pyarrow CSV ~30x more): 250k XLSX rows keep an upload under ~30 s.
DEFAULT_MAX_XLSX_ROWS = 250_000


def format_size(size: float) -> str:
    """``size`` bytes for people: ``"100.0 MB"`` (MB = 1024² bytes) from 1 MB up, else ``"2,048 bytes"``."""
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,.0f} bytes"


def format_count(value: float) -> str:
    """A bound such as 1e12 or 5,000,000 written compactly and exactly enough for a message."""
    if math.isinf(value):
        return "unlimited"
    if value >= 1e7 and float(value).is_integer():
        return f"{value:.6g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class SalesLimits:
    """What a sales file may contain and how much work reading it may take.

    ``min_date``/``max_future_days``: rows dated before ``min_date`` or after today + ``max_future_days``
    are rejected (an absurd date makes training run for hours). ``max_value``: the largest revenue or
    units of one row, and of one stored (date, store, product) after summing. ``max_rows``: data rows per
    file. ``max_xlsx_bytes``: the declared uncompressed size of an XLSX workbook's parts together;
    ``max_xlsx_rows``: data rows of an XLSX file (slow to read: larger exports go as CSV).
    ``today`` fixes the date for tests (default: the current local date).
    """

    min_date: dt.date = DEFAULT_MIN_DATE
    max_future_days: int = DEFAULT_MAX_FUTURE_DAYS
    max_value: float = DEFAULT_MAX_VALUE
    max_rows: int = DEFAULT_MAX_ROWS
    max_xlsx_bytes: int = int(DEFAULT_MAX_XLSX_MB * MB)
    max_xlsx_rows: int = DEFAULT_MAX_XLSX_ROWS
    today: dt.date | None = None

    @property
    def max_date(self) -> dt.date:
        """The latest accepted date: today plus ``max_future_days``."""
        return (self.today or dt.date.today()) + dt.timedelta(days=self.max_future_days)

    def window(self) -> str:
        """The accepted date window as written in English messages, with the settings that move it."""
        return str(self.window_message())

    def window_message(self) -> Message:
        """The accepted date window as a translatable message (dates in the reader's format)."""
        return message(
            N_("%(start)s to %(end)s (settings TRENDSALES_MIN_SALES_DATE, TRENDSALES_MAX_FUTURE_DAYS)"),
            start=self.min_date,
            end=self.max_date,
        )
