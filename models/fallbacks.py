"""Documented fallbacks for short or odd histories, applied after every candidate (in CV and at refit).

Per series, judged on the data known at the forecast origin (m = primary season):
- ``zero``: no sales at all so far -> forecast 0.
- ``constant``: every observation equal -> that value.
- ``short_profile``: fewer than m observations -> mean of its observations x the level's pooled
  seasonal profile (the shape of the sum of all series over its last seasons). When the whole level is
  shorter than one season there is no profile: the candidate's own (non-seasonal) forecast serves, and
  the profile (then flat) only fills series it left undefined.
- ``one_season``: m to 2m-1 observations -> average of the candidate's forecast and the short profile
  forecast (one season is too noisy to trust alone).
- ``dormant``: no sale in its last quarter-year or more (91 days, 13 weeks, 3 months, 2 quarters), a
  quiet spell longer than any earlier one -> forecast 0: it stopped selling (delisted, out of range).
  A seasonal item whose earlier off-seasons were as long stays with its model.
- anything a candidate left undefined (NaN/inf) -> mean of the last min(n, m) observations.
Forecasts are clipped at zero.
"""

from __future__ import annotations

import numpy as np

from data.frequency import frequency
from models.series import Panel, season_lengths

FALLBACK_LABELS = ("model", "zero", "constant", "short_profile", "one_season", "dormant")


def dormant_series(values: np.ndarray, quiet: int) -> np.ndarray:
    """Series whose trailing run of zero sales is at least ``quiet`` long and longer than any earlier run.

    NaN (before a series starts) is not a zero, so a late launch does not look like an old quiet spell.
    """
    n_series, length = values.shape
    if length == 0:
        return np.zeros(n_series, dtype=bool)
    is_zero = values == 0
    sold = ~is_zero
    rev_sold = sold[:, ::-1]
    trailing = np.where(rev_sold.any(axis=1), np.argmax(rev_sold, axis=1), length)
    earlier = is_zero & (np.arange(length)[None, :] < (length - trailing)[:, None])
    counts = np.cumsum(earlier, axis=1)
    runs = counts - np.maximum.accumulate(np.where(earlier, 0, counts), axis=1)
    longest = runs.max(axis=1)
    ever_sold = (np.nan_to_num(values, nan=0.0) > 0).any(axis=1)
    return ever_sold & (trailing >= quiet) & (trailing > longest)


def pooled_profile(values: np.ndarray, m: int, horizon: int, seasons: int = 4) -> np.ndarray:
    """Relative seasonal shape (mean 1) of the level total at each future step; ones when undefined."""
    length = values.shape[1]
    if m <= 1 or length < m:
        return np.ones(horizon)
    total = np.nansum(values, axis=0)[-min(length, seasons * m) :]
    start = length - len(total)
    phase = (np.arange(start, length)) % m
    prof = np.array([total[phase == p].mean() if (phase == p).any() else np.nan for p in range(m)])
    mean = np.nanmean(prof) if np.isfinite(prof).any() else 0.0
    if not mean > 0:
        return np.ones(horizon)
    prof = np.where(np.isfinite(prof), prof / mean, 1.0)
    future_phase = (length - 1 + np.arange(1, horizon + 1)) % m
    return prof[future_phase]


class Fallbacks:
    """The fallbacks one panel's histories call for, computed once and applied to any candidate's paths.

    Why a class: the CV applies the fallbacks to every configuration's paths at every cutoff (dozens of
    calls on the same truncated panels); what depends only on the history (counts, extremes, dormancy,
    recent means) is computed once per cutoff instead of once per call.
    """

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.m = m = season_lengths(panel.freq)[0]
        values = panel.values
        self.n_obs = n_obs = panel.n_obs()
        with np.errstate(all="ignore"):
            vmax = np.nanmax(np.where(np.isnan(values), -np.inf, values), axis=1)
            self.vmin = np.nanmin(np.where(np.isnan(values), np.inf, values), axis=1)
            self.mean_all = np.nansum(values, axis=1) / np.maximum(n_obs, 1)
        self.one_season = (n_obs >= m) & (n_obs < 2 * m)
        self.constant = (n_obs > 0) & (vmax == self.vmin)
        self.dormant = dormant_series(values, frequency(panel.freq).dormant_after)
        self.zero = (n_obs == 0) | ((vmax <= 0) & (n_obs > 0))
        self._recent: np.ndarray | None = None

    @property
    def recent(self) -> np.ndarray:
        """Mean of each series' last min(n_obs, m) observations (0 with none): fills undefined steps."""
        if self._recent is None:
            k = np.minimum(self.n_obs, max(self.m, 1)).astype(int)
            recent = np.zeros(self.panel.n_series)
            for size in np.unique(k[k > 0]):  # one vectorised mean per tail length
                rows = np.flatnonzero(k == size)
                recent[rows] = np.mean(self.panel.values[rows][:, -size:], axis=1)
            self._recent = recent
        return self._recent

    def apply(self, paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace candidate ``paths`` where the history calls for a fallback: (paths, label per series)."""
        panel, m = self.panel, self.m
        n_series, horizon = paths.shape
        out = np.array(paths, dtype=float, copy=True)
        labels = np.full(n_series, "model", dtype=object)
        short = self.mean_all[:, None] * pooled_profile(panel.values, m, horizon)[None, :]
        one_season = self.one_season
        out[one_season] = 0.5 * (out[one_season] + short[one_season])
        labels[one_season] = "one_season"
        # The pooled profile needs one season of the level; on data shorter than that the candidates'
        # own (non-seasonal) forecasts serve and the profile only fills what they leave undefined.
        undefined = ~np.isfinite(out).all(axis=1)
        is_short = (self.n_obs < m) & ((panel.length >= m) | undefined)
        out[is_short] = short[is_short]
        labels[is_short] = "short_profile"
        out[self.constant] = self.vmin[self.constant, None]
        labels[self.constant] = "constant"
        out[self.dormant] = 0.0
        labels[self.dormant] = "dormant"
        out[self.zero] = 0.0
        labels[self.zero] = "zero"
        bad = ~np.isfinite(out)
        if bad.any():
            out = np.where(bad, self.recent[:, None], out)
        return np.clip(out, 0.0, None), labels


def apply_fallbacks(panel: Panel, paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace candidate paths where the history calls for a fallback; return (paths, label per series)."""
    return Fallbacks(panel).apply(paths)
