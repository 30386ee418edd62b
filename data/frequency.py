"""Detection and normalisation of a dataset's frequency: daily, weekly, monthly or quarterly.

Dates of weekly, monthly and quarterly data are stored at the START of their period:

- ``W``: the Monday of the (ISO, Monday–Sunday) week that contains the date, whatever the
  file's anchor weekday (pandas alias ``W-MON``);
- ``M``: the first day of the month, whether the file used month starts or month ends (``MS``);
- ``Q``: the first day of the quarter, from quarter starts or quarter ends (``QS``).

Missing periods (gaps) are tolerated; irregular dates are rejected with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

FREQUENCIES = ("D", "W", "M", "Q")
FREQUENCY_NAMES = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly"}
# The pandas offset alias that generates the canonical (normalised) dates of each frequency.
PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS", "Q": "QS"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class FrequencyError(ValueError):
    """The dates do not form a regular daily, weekly, monthly or quarterly grid."""


def _unique_dates(dates: Iterable) -> pd.DatetimeIndex:
    if not isinstance(dates, pd.Series | pd.Index | np.ndarray):
        dates = list(dates)
    index = pd.DatetimeIndex(pd.to_datetime(pd.Index(dates)))
    return index.dropna().normalize().unique().sort_values()


def _all_month_starts(d: pd.DatetimeIndex) -> bool:
    return bool(d.is_month_start.all())


def _all_month_ends(d: pd.DatetimeIndex) -> bool:
    return bool(d.is_month_end.all())


def detect_frequency(dates: Iterable) -> str:
    """Return ``"D"``, ``"W"``, ``"M"`` or ``"Q"`` for dates on a regular grid, gaps allowed.

    Weekly means every date falls on the same weekday; monthly means all month starts or all month
    ends; quarterly the same for quarters. Daily data must mostly step by one day. Raises
    ``FrequencyError`` (with what was found) for fewer than two distinct dates or irregular dates.
    """
    d = _unique_dates(dates)
    if len(d) < 2:
        raise FrequencyError(
            f"cannot detect the frequency from {len(d)} distinct date(s); at least two periods are needed"
        )
    quarter_months = np.isin(d.month, (1, 4, 7, 10)) if _all_month_starts(d) else None
    if quarter_months is not None:
        return "Q" if quarter_months.all() else "M"
    if _all_month_ends(d):
        return "Q" if np.isin(d.month, (3, 6, 9, 12)).all() else "M"
    weekdays = pd.Series(d.day_of_week)
    if weekdays.nunique() == 1:
        return "W"
    gaps = pd.Series(np.diff(d.values.astype("datetime64[D]").astype(np.int64)))
    common = int(gaps.mode().iloc[0])
    if common == 1:
        return "D"
    counts = weekdays.value_counts()
    found = ", ".join(f"{_WEEKDAYS[k]} ({v})" for k, v in counts.items())
    raise FrequencyError(
        "dates are not on a regular daily, weekly (one weekday), monthly (all month starts or all "
        "month ends) or quarterly grid: the most common gap is "
        f"{common} days (gaps range {int(gaps.min())}–{int(gaps.max())} days); weekdays found: {found}"
    )


def fits_frequency(dates: Iterable, freq: str) -> bool:
    """True when every date can be a date of ``freq`` data (used for files with a single date)."""
    d = _unique_dates(dates)
    if freq in ("D", "W"):
        return True
    if freq == "M":
        return _all_month_starts(d) or _all_month_ends(d)
    if freq == "Q":
        starts = _all_month_starts(d) and bool(np.isin(d.month, (1, 4, 7, 10)).all())
        ends = _all_month_ends(d) and bool(np.isin(d.month, (3, 6, 9, 12)).all())
        return starts or ends
    raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQUENCIES)}")


def normalise_dates(dates: pd.Series, freq: str) -> pd.Series:
    """Map dates to the canonical start of their period (see the module docstring); vectorised."""
    dates = pd.to_datetime(dates).dt.normalize()
    if freq == "D":
        return dates
    if freq == "W":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    if freq == "M":
        return dates.dt.to_period("M").dt.start_time
    if freq == "Q":
        return dates.dt.to_period("Q").dt.start_time
    raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQUENCIES)}")


def resolve_frequency(dates: Iterable, stored: str | None, *, source: str | None = None) -> str:
    """Frequency for new dates given the dataset's stored one; raise ``FrequencyError`` on a conflict.

    ``source`` names the file of the same batch that set ``stored`` when the database held no data
    (messages then speak of that file instead of "the stored data").

    Every date is a valid day, so any file is accepted into a daily dataset as daily (sparse sales,
    or a correction of a few days that happen to share a weekday or be month starts). A file with
    one distinct date takes the stored frequency (if its date fits it). Quarter dates are accepted
    into a monthly dataset (they are month starts/ends too); any other difference is a conflict,
    because mixing grains would corrupt the series.
    """
    if stored == "D":
        return "D"
    d = _unique_dates(dates)
    if len(d) < 2:
        if stored is None:
            raise FrequencyError(
                "cannot detect the frequency from a single date and the database holds no data yet; "
                "import at least two periods first"
            )
        if not fits_frequency(d, stored):
            where = (
                f"the stored {FREQUENCY_NAMES[stored]} data"
                if source is None
                else f"the {FREQUENCY_NAMES[stored]} dates of {source} (earlier in this batch)"
            )
            raise FrequencyError(f"date {d[0].date()} does not fit {where} (expected a period start or end)")
        return stored
    detected = detect_frequency(d)
    if stored is None or detected == stored:
        return detected
    if stored == "M" and detected == "Q":
        return "M"
    where = "the stored data is" if source is None else f"those of {source} (earlier in this batch) are"
    raise FrequencyError(
        f"the file's dates are {FREQUENCY_NAMES[detected]} but {where} "
        f"{FREQUENCY_NAMES[stored]}; all sales data must share one frequency"
    )


def recent_periods(end: pd.Timestamp | str, freq: str, *, weeks: int) -> list[pd.Timestamp]:
    """The period starts of ``freq`` that fall in the ``weeks`` weeks up to ``end`` (a period start),
    oldest first: ``weeks * 7`` days, ``weeks`` weeks, or the months or quarters starting in them."""
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQUENCIES)}")
    end = pd.Timestamp(end).normalize()
    first = end - pd.Timedelta(days=weeks * 7 - 1)
    start = normalise_dates(pd.Series([first]), freq).iloc[0]
    periods = pd.date_range(start, end, freq=PANDAS_FREQ[freq])
    return [p for p in periods if p >= first]
