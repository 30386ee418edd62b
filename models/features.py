"""Direct multi-horizon features for the global models, vectorised over all series of a panel.

A row is (series i, origin o, step h) with target y[o+h] / scale_i(o). Every feature of a row reads only
y at positions <= o (lookups past o are masked to NaN), so the same code serves training rows (many
origins inside the training data) and forecast rows (o = the last date) with no leakage:

- level: mean of the last w steps for a few windows, the per-step year-over-year slope, log scale;
- seasonal: the most recent same-phase value (seasonal naive at step h) and the mean of the last K
  same-phase values (the recent seasonal profile), the value one year before the target (smoothed) and
  that value times the recent year-over-year growth;
- calendar of the target date: day of week, day of month, month, Fourier terms of the day of year,
  holidays of the configured country (daily data); step h (capped at the fold horizon); whether the
  series is a total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from models.series import Panel, future_dates, season_lengths, year_length

CATEGORICAL = ("dow", "month")


@dataclass(frozen=True)
class FeatureSpec:
    """Frequency-dependent windows of the feature set."""

    m: int  # primary season
    year: int  # steps per year (weekday-aligned for days)
    windows: tuple[int, ...]  # level windows
    scale_window: int
    profile_k: int  # seasons averaged in the recent profile
    smooth: int  # half-width of the smoothing of the year-ago value
    growth_window: int  # window of the year-over-year growth ratio


def feature_spec(freq: str) -> FeatureSpec:
    """Feature windows for a dataset frequency."""
    m = season_lengths(freq)[0]
    return {
        "D": FeatureSpec(m, year_length(freq), (7, 28, 91), 28, 4, 3, 28),
        "W": FeatureSpec(m, year_length(freq), (4, 13, 52), 13, 2, 1, 13),
        "M": FeatureSpec(m, year_length(freq), (3, 12), 12, 2, 0, 12),
        "Q": FeatureSpec(m, year_length(freq), (2, 4), 4, 2, 0, 4),
    }[freq]


DEFAULT_HOLIDAYS = "BR"


def parse_holidays(spec: str | None) -> tuple[str, str | None] | None:
    """``"BR"``, ``"US-CA"`` or ``"none"`` -> (country, subdivision) or None; ValueError names the choices."""
    text = (spec or "none").strip()
    if text.lower() in ("", "none"):
        return None
    country, _, subdiv = text.partition("-")
    country = country.upper()
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"unknown holiday country {country!r} (HOLIDAYS={spec!r}); use 'none' or a code of the "
            f"holidays package, e.g. {', '.join(sorted(supported)[:12])}, ..."
        )
    if subdiv and subdiv.upper() not in {s.upper() for s in supported[country]}:
        raise ValueError(
            f"unknown subdivision {subdiv!r} of {country} (HOLIDAYS={spec!r}); expected one of "
            f"{', '.join(supported[country])}"
        )
    return country, (subdiv.upper() if subdiv else None)


@lru_cache(maxsize=64)
def holiday_dates(spec: str | None, year_from: int, year_to: int) -> frozenset:
    """Public holidays of ``spec`` (country[-subdivision] or none) in the given years (cached)."""
    parsed = parse_holidays(spec)
    if parsed is None:
        return frozenset()
    country, subdiv = parsed
    cal = holidays.country_holidays(country, subdiv=subdiv, years=range(year_from, year_to + 1))
    return frozenset(pd.Timestamp(d) for d in cal)


def _flags(dates: pd.DatetimeIndex, spec: str | None, shift_days: int) -> np.ndarray:
    """1.0 where ``date + shift_days`` is a holiday of ``spec``."""
    idx = pd.DatetimeIndex(dates)
    if len(idx) == 0:
        return np.zeros(0)
    hol = holiday_dates(spec, *_years(idx))
    if not hol:
        return np.zeros(len(idx))
    shifted = idx.normalize() + pd.Timedelta(days=shift_days)
    return np.asarray(shifted.isin(_holiday_index(spec, *_years(idx))), dtype=float)


def _years(idx: pd.DatetimeIndex) -> tuple[int, int]:
    return int(idx.min().year), int(idx.max().year) + 1


@lru_cache(maxsize=64)
def _holiday_index(spec: str | None, year_from: int, year_to: int) -> pd.DatetimeIndex:
    """The holidays of ``holiday_dates`` as a sorted index (cached: built once per calendar)."""
    return pd.DatetimeIndex(sorted(holiday_dates(spec, year_from, year_to)))


_AHEAD = 512  # days of date-feature values computed at once by a recursive forecast's first step
_FEW_DATES = 16  # at most this many distinct dates in a call: a recursive step (values cached)


def per_date(name: str, compute: Callable[[pd.DatetimeIndex], np.ndarray]) -> Callable:
    """An mlforecast date feature called ``name`` that runs ``compute`` once per distinct date.

    Why: a recursive forecast asks every date feature for one date per step (the same date for every
    series), and pandas' per-call overhead on the repeated dates was ~20% of the demo product level's
    forecasting CPU; the values are exactly ``compute(dates)``.
    """

    seen: dict[int, np.ndarray] = {}  # the value of each single date met so far (recursive steps)

    def one(idx: pd.DatetimeIndex, at: int) -> np.ndarray:
        """The value of the date at position ``at`` (with the next days' values when first met)."""
        stamp = int(idx.asi8[at])
        if stamp not in seen:  # this date and the next ones: a recursive forecast asks for them next
            ahead = idx[at : at + 1].repeat(_AHEAD) + pd.to_timedelta(np.arange(_AHEAD), unit="D")
            seen.update(zip(ahead.asi8.tolist(), np.asarray(compute(ahead)), strict=True))
        return seen[stamp]

    def feature(dates: pd.DatetimeIndex | pd.Series) -> np.ndarray:
        idx = dates if isinstance(dates, pd.DatetimeIndex) else pd.DatetimeIndex(dates)
        stamps = idx.asi8
        if len(stamps) == 0:
            return np.asarray(compute(idx))
        if stamps[0] == stamps.min() == stamps.max():
            return np.repeat(one(idx, 0), len(stamps))
        _, first, inverse = np.unique(stamps, return_index=True, return_inverse=True)
        if len(first) <= _FEW_DATES:  # a recursive step from several cutoffs at once
            return np.asarray([one(idx, int(f)) for f in first])[inverse]
        return np.asarray(compute(idx[first]))[inverse]

    feature.__name__ = feature.__qualname__ = name
    return feature


# mlforecast's own dtypes of its built-in date features (``mlforecast.core.date_features_dtypes``)
_DATE_DTYPES = {"dayofweek": np.uint8, "month": np.uint8, "day": np.uint8, "dayofyear": np.uint16}


def date_features(names: list[str]) -> list:
    """mlforecast date features equal to its built-in ``names`` (pandas attributes), computed per date.

    Names without a known dtype (e.g. ``week``, which mlforecast reads from the ISO calendar) are
    returned as the strings mlforecast computes itself.
    """
    out: list = []
    for name in names:
        dtype = _DATE_DTYPES.get(name)
        if dtype is None:
            out.append(name)
            continue
        out.append(per_date(name, lambda idx, n=name, t=dtype: np.asarray(getattr(idx, n)).astype(t)))
    return out


def holiday_flags(spec: str | None) -> list:
    """Date-feature functions ``holiday`` and ``pre_holiday`` for mlforecast (empty for ``none``)."""
    if parse_holidays(spec) is None:
        return []
    return [
        per_date("holiday", lambda idx: _flags(idx, spec, 0)),
        per_date("pre_holiday", lambda idx: _flags(idx, spec, 1)),
    ]


def calendar_features(
    dates: pd.DatetimeIndex, freq: str, holidays_spec: str | None = DEFAULT_HOLIDAYS
) -> dict[str, np.ndarray]:
    """Calendar terms of target dates (what is known about a date in advance)."""
    doy = dates.day_of_year.to_numpy() / 365.25
    out: dict[str, np.ndarray] = {"month": dates.month.to_numpy() - 1}
    if freq in ("D", "W"):
        for k in (1, 2):
            out[f"sin{k}"] = np.sin(2 * np.pi * k * doy)
            out[f"cos{k}"] = np.cos(2 * np.pi * k * doy)
    if freq == "D":
        out["dow"] = dates.day_of_week.to_numpy()
        out["dom"] = dates.day.to_numpy()
        out["holiday"] = _flags(dates, holidays_spec, 0)
        out["pre_holiday"] = _flags(dates, holidays_spec, 1)
    return out


def _window_mean(cs: np.ndarray, cc: np.ndarray, end: np.ndarray, w: int) -> np.ndarray:
    """Mean of observed y over positions end-w+1..end (cumsum tables with a leading zero column)."""
    hi = np.clip(end + 1, 0, cs.shape[1] - 1)
    lo = np.clip(end + 1 - w, 0, cs.shape[1] - 1)
    rows = np.arange(cs.shape[0])[:, None] if end.ndim == 2 else np.arange(cs.shape[0])
    total = cs[rows, hi] - cs[rows, lo]
    count = cc[rows, hi] - cc[rows, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanmean(arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise mean of the non-NaN values of same-shaped arrays (NaN where all are NaN)."""
    stack = np.stack(arrays)
    ok = ~np.isnan(stack)
    count = ok.sum(axis=0)
    total = np.where(ok, stack, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _lookup(values: np.ndarray, pos: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """values[i, pos] where 0 <= pos <= origin, else NaN (never reads past the origin)."""
    ok = (pos >= 0) & (pos <= origin)
    rows = np.arange(values.shape[0])[:, None]
    out = values[rows, np.clip(pos, 0, values.shape[1] - 1)]
    return np.where(ok, out, np.nan)


def origin_rows(panel: Panel, origins: np.ndarray, steps: np.ndarray, h_cap: int) -> dict[str, np.ndarray]:
    """Feature columns for every (series, origin, step); arrays of shape (series, origins * steps).

    Also returns ``scale`` (the target scale) and ``target_pos`` (grid position of the target).
    """
    spec = feature_spec(panel.freq)
    values = panel.values
    n, length = values.shape
    obs = ~np.isnan(values)
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(obs, values, 0.0), axis=1)], axis=1)
    cc = np.concatenate([np.zeros((n, 1)), np.cumsum(obs, axis=1)], axis=1)
    o = np.repeat(origins, len(steps))[None, :].repeat(n, axis=0)
    h = np.tile(steps, len(origins))[None, :].repeat(n, axis=0)
    t = o + h
    cols: dict[str, np.ndarray] = {}
    scale = _window_mean(cs, cc, o, spec.scale_window)
    longer = _window_mean(cs, cc, o, 4 * spec.year)
    scale = np.where(scale > 0, scale, longer)
    scale = np.where(scale > 0, scale, np.nan)
    for w in spec.windows:
        cols[f"level_{w}"] = _window_mean(cs, cc, o, w) / scale
    yr = spec.year
    recent = _window_mean(cs, cc, o, spec.growth_window)
    past = _window_mean(cs, cc, o - yr, spec.growth_window)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.clip(np.where(past > 0, recent / past, np.nan), 0.2, 5.0)
    cols["growth"] = growth
    cols["slope"] = (recent - past) / scale / yr
    m = spec.m
    same = t - m * np.ceil(h / m).astype(int)
    cols["snaive"] = _lookup(values, same, o) / scale
    prof = [_lookup(values, same - m * k, o) for k in range(spec.profile_k)]
    cols["profile"] = _nanmean(prof) / scale
    ago = t - yr * np.ceil(h / yr).astype(int)
    near = [_lookup(values, ago + d, o) for d in range(-spec.smooth, spec.smooth + 1)]
    year_ago = _nanmean(near) / scale
    cols["year_ago"] = year_ago
    cols["yoy"] = year_ago * growth
    cols["h"] = np.minimum(h, h_cap).astype(float)
    cols["log_scale"] = np.log1p(np.nan_to_num(scale, nan=0.0))
    is_total = np.array([sid.startswith("store=*") for sid in panel.ids], dtype=float)
    cols["is_total"] = np.repeat(is_total[:, None], t.shape[1], axis=1)
    max_t = int(t.max()) if t.size else 0
    all_dates = panel.dates
    if max_t >= length:
        all_dates = panel.dates.append(future_dates(panel.dates[-1], panel.alias, max_t - length + 1))
    cal = calendar_features(all_dates[: max_t + 1], panel.freq, panel.holidays)
    for name, arr in cal.items():
        cols[name] = arr[t]
    cols["scale"] = scale
    cols["target_pos"] = t
    cols["origin_n_obs"] = cc[np.arange(n)[:, None], o + 1]
    return cols


def feature_names(freq: str) -> list[str]:
    """Model input columns, in order, for a frequency."""
    spec = feature_spec(freq)
    names = [f"level_{w}" for w in spec.windows]
    names += [
        "growth",
        "slope",
        "snaive",
        "profile",
        "year_ago",
        "yoy",
        "h",
        "log_scale",
        "is_total",
        "month",
    ]
    if freq in ("D", "W"):
        names += ["sin1", "cos1", "sin2", "cos2"]
    if freq == "D":
        names += ["dow", "dom", "holiday", "pre_holiday"]
    return names


def event_flags(panel: Panel, dates: pd.DatetimeIndex) -> np.ndarray:
    """1.0 where an event of the calendar falls in the grid period of ``dates`` for a series (series x dates).

    ``panel.events`` holds (date, store) pairs; store None is chain-wide. A store's event flags that
    store's series and the all-stores series (``store=*``); a chain-wide event flags every series. An
    event inside a week, month or quarter flags that period's grid date.
    """
    out = np.zeros((panel.n_series, len(dates)))
    if not panel.events or not len(dates):
        return out
    stores = np.array([sid.split("|", 1)[0].removeprefix("store=") for sid in panel.ids], dtype=object)
    step = pd.tseries.frequencies.to_offset(panel.alias)
    for date, store in panel.events:
        j = int(dates.searchsorted(date, side="right")) - 1
        if j < 0 or date >= dates[j] + step:
            continue
        rows = slice(None) if store is None else (stores == store) | (stores == "*")
        out[rows, j] = 1.0
    return out


def event_features(
    panel: Panel, long: pd.DataFrame, horizon: int
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``long`` (``unique_id, ds, y``) with an ``event`` column, and the future frame for mlforecast.

    Returns ``(long, None)`` unchanged when no event falls inside the training dates (the flag would be
    constant: nothing to learn).
    """
    flags = event_flags(panel, panel.dates)
    if not flags.any():
        return long, None
    rows = pd.Index(panel.ids).get_indexer(long["unique_id"])
    cols = panel.dates.get_indexer(long["ds"])
    ahead = future_dates(panel.dates[-1], panel.alias, horizon)
    future = event_flags(panel, ahead)
    ids = long["unique_id"].unique()
    idx = pd.Index(panel.ids).get_indexer(ids)
    x_df = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, horizon),
            "ds": np.tile(ahead, len(ids)),
            "event": future[idx].ravel(),
        }
    )
    return long.assign(event=flags[rows, cols]), x_df
