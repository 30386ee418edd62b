"""Detection and normalisation of a dataset's frequency: daily, weekly, monthly or quarterly.

Dates of weekly, monthly and quarterly data are stored at the START of their period:

- ``W``: the Monday of the (ISO, Monday–Sunday) week that contains the date, whatever the
  file's anchor weekday (pandas alias ``W-MON``);
- ``M``: the first day of the month, whether the file used month starts or month ends (``MS``);
- ``Q``: the first day of the quarter, from quarter starts or quarter ends (``QS``).

Missing periods (gaps) are tolerated; irregular dates are rejected with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from data.i18n import N_, Joined, Message, Weekday, message


@dataclass(frozen=True)
class Frequency:
    """Everything the application knows about one data/display frequency, in one row.

    The engine, the dashboard, the API and the CLI all read these values from ``FREQUENCIES``, so a
    frequency's season, aliases and horizons cannot drift apart between layers.
    """

    code: str  # "D", "W", "M" or "Q": the key used everywhere (URLs, CLI, artifacts)
    name: str  # lower-case English adjective for messages: "daily" (a msgid: pt_BR "diária")
    pandas_alias: str  # offset alias of the canonical stored dates (period starts; weeks start Monday)
    display_alias: str  # period alias that sums steps into display periods (weeks run Mon-Sun)
    season_lengths: tuple[int, ...]  # seasonal periods in steps; the first is the primary season
    year_length: int  # steps in a year, weekday-aligned for daily data (364)
    year_offset: pd.DateOffset  # the calendar shift of "the same period last year"
    period_days: float  # average length in days (turns a "History shown" choice into periods)
    cv_horizon: int  # cross-validation fold length in steps (the default training horizon)
    max_horizon: int  # longest forecast served, in steps of data of this frequency
    dormant_after: int  # trailing periods without a sale after which a series counts as dormant
    # The standard horizons (the dashboard's horizon choices): a published snapshot carries every
    # series' total over each of them (``models.totals``), so a breakdown is a lookup, not N reads.
    horizon_presets: tuple[int, ...] = ()


FREQUENCIES: Mapping[str, Frequency] = MappingProxyType(
    {
        # Daily CV folds are a quarter (13 weeks), the dashboard's default view, so the winner and its
        # intervals are validated where forecasts are read (4-week folds chose a weekly-seasonal blend
        # that missed the yearly swing); 400 served days fit 12 whole months after any date.
        "D": Frequency(
            code="D",
            name=N_("daily"),
            pandas_alias="D",
            display_alias="D",
            season_lengths=(7, 365),
            year_length=364,
            year_offset=pd.DateOffset(days=364),
            period_days=1.0,
            cv_horizon=91,
            max_horizon=400,
            dormant_after=91,
            horizon_presets=(7, 14, 28, 56, 91, 182, 364),
        ),
        "W": Frequency(
            code="W",
            name=N_("weekly"),
            pandas_alias="W-MON",
            display_alias="W-SUN",
            season_lengths=(52,),
            year_length=52,
            year_offset=pd.DateOffset(weeks=52),
            period_days=7.0,
            cv_horizon=13,
            max_horizon=104,
            dormant_after=13,
            horizon_presets=(4, 8, 13, 26, 52),
        ),
        "M": Frequency(
            code="M",
            name=N_("monthly"),
            pandas_alias="MS",
            display_alias="M",
            season_lengths=(12,),
            year_length=12,
            year_offset=pd.DateOffset(months=12),
            period_days=365.25 / 12,
            cv_horizon=12,
            max_horizon=24,
            dormant_after=3,
            horizon_presets=(1, 3, 6, 12),
        ),
        "Q": Frequency(
            code="Q",
            name=N_("quarterly"),
            pandas_alias="QS",
            display_alias="Q-DEC",
            season_lengths=(4,),
            year_length=4,
            year_offset=pd.DateOffset(months=12),
            period_days=365.25 / 4,
            cv_horizon=8,
            max_horizon=12,
            dormant_after=2,
            horizon_presets=(1, 2, 4, 8),
        ),
    }
)
"""The frequencies from finest to coarsest (iteration order is meaningful: coarser comes later)."""


def frequency(code: str) -> Frequency:
    """The row of ``code``; a ValueError naming the valid codes otherwise."""
    try:
        return FREQUENCIES[code]
    except (KeyError, TypeError):
        raise ValueError(f"unknown frequency {code!r}; expected one of {', '.join(FREQUENCIES)}") from None


def coarser_or_equal(code: str) -> tuple[str, ...]:
    """``code`` and every coarser frequency (the display granularities of data of ``code``)."""
    codes = tuple(FREQUENCIES)
    return codes[codes.index(frequency(code).code) :]


class FrequencyError(ValueError):
    """The dates do not form a regular daily, weekly, monthly or quarterly grid (or not the stored one).

    ``message`` says why in any language (``message.text(language)``); ``str()`` is the English sentence.
    """

    def __init__(self, why: Message) -> None:
        self.message = why
        super().__init__(str(why))


def _name(code: str) -> Message:
    """The frequency's adjective, translated where it is shown."""
    return message(FREQUENCIES[code].name)


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
            message(
                N_(
                    "cannot detect the frequency from %(count)s distinct date(s); "
                    "at least two periods are needed"
                ),
                count=len(d),
            )
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
    found = Joined(
        tuple(message("%(day)s (%(count)s)", day=Weekday(k), count=int(v)) for k, v in counts.items())
    )
    why = N_(
        "dates are not on a regular daily, weekly (one weekday), monthly (all month starts or all "
        "month ends) or quarterly grid: the most common gap is %(common)s days (gaps range "
        "%(low)s–%(high)s days); weekdays found: %(found)s"
    )
    raise FrequencyError(message(why, common=common, low=int(gaps.min()), high=int(gaps.max()), found=found))


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
                message(
                    N_(
                        "cannot detect the frequency from a single date and the database holds no data yet; "
                        "import at least two periods first"
                    )
                )
            )
        if not fits_frequency(d, stored):
            why = (
                N_("date %(date)s does not fit the stored %(freq)s data (expected a period start or end)")
                if source is None
                else N_(
                    "date %(date)s does not fit the %(freq)s dates of %(source)s (earlier in this batch) "
                    "(expected a period start or end)"
                )
            )
            raise FrequencyError(message(why, date=d[0].date(), freq=_name(stored), source=str(source)))
        return stored
    detected = detect_frequency(d)
    if stored is None or detected == stored:
        return detected
    if stored == "M" and detected == "Q":
        return "M"
    why = (
        N_(
            "the file's dates are %(found)s but the stored data is %(stored)s; "
            "all sales data must share one frequency"
        )
        if source is None
        else N_(
            "the file's dates are %(found)s but those of %(source)s (earlier in this batch) are %(stored)s; "
            "all sales data must share one frequency"
        )
    )
    raise FrequencyError(message(why, found=_name(detected), stored=_name(stored), source=str(source)))


def recent_periods(end: pd.Timestamp | str, freq: str, *, weeks: int) -> list[pd.Timestamp]:
    """The period starts of ``freq`` that fall in the ``weeks`` weeks up to ``end`` (a period start),
    oldest first: ``weeks * 7`` days, ``weeks`` weeks, or the months or quarters starting in them."""
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQUENCIES)}")
    end = pd.Timestamp(end).normalize()
    first = end - pd.Timedelta(days=weeks * 7 - 1)
    start = normalise_dates(pd.Series([first]), freq).iloc[0]
    periods = pd.date_range(start, end, freq=FREQUENCIES[freq].pandas_alias)
    return [p for p in periods if p >= first]
