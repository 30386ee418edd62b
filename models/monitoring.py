"""Live accuracy of archived forecasts: horizon bands, scoring against actuals, drift — pure functions.

An archived snapshot (``data.forecast_store``) says, per series and date, what was forecast at its
origin (the last actual date it saw). Once actuals for those dates are complete, each point is one
scored forecast: its *horizon* is the number of the data's steps from the origin to the date, and
its *band* groups horizons the way a manager reads them (the next week, the next four weeks, the
quarter). Metrics are pooled like the back-test's (``models.evaluation``): WAPE = Σ|f−a| / Σ|a|,
bias = Σ(f−a) / Σ|a| (positive: forecast above actual), coverage = share of actuals inside a range.

Nothing here reads a database or a file: ``models.live`` gathers snapshots, actuals and versions and
calls these functions, so they are tested on hand-made frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.frequency import frequency

# Band edges of daily data, in days: the next week, the next four weeks, the CV horizon (a quarter).
DAILY_BAND_EDGES = (7, 28)
SCORED_COLUMNS = (
    "series_id",
    "store",
    "origin",
    "date",
    "horizon",
    "band",
    "actual",
    "forecast",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
)
METRIC_NAMES = ("wape", "bias", "coverage_80", "coverage_95")


@dataclass(frozen=True)
class HorizonBand:
    """Horizons ``first``..``last`` (in steps of the data) read together, e.g. days 8–28."""

    first: int
    last: int
    freq: str

    @property
    def label(self) -> str:
        """Short label with the unit code: ``1-7 D``, ``2-4 W``."""
        return f"{self.first}-{self.last} {self.freq}"

    def holds(self, horizon: int) -> bool:
        """True when ``horizon`` falls in this band."""
        return self.first <= horizon <= self.last


def horizon_bands(freq: str) -> tuple[HorizonBand, ...]:
    """The three bands of ``freq``: the daily edges (7, 28, CV horizon = 91 days) scaled to its CV horizon.

    Daily 1–7, 8–28, 29–91; weekly 1, 2–4, 5–13; monthly 1, 2–4, 5–12; quarterly 1, 2, 3–8 (from
    ``data.frequency.FREQUENCIES``: a band ends at the same share of the back-test horizon).
    """
    spec = frequency(freq)
    daily = frequency("D").cv_horizon
    edges, previous = [], 0
    for days in DAILY_BAND_EDGES:
        edge = max(previous + 1, round(spec.cv_horizon * days / daily))
        edges.append(edge)
        previous = edge
    edges.append(max(previous + 1, spec.cv_horizon))
    starts = [1] + [e + 1 for e in edges[:-1]]
    return tuple(HorizonBand(s, e, spec.code) for s, e in zip(starts, edges, strict=True))


def band_of(horizons: np.ndarray, bands: Sequence[HorizonBand]) -> np.ndarray:
    """Label of each horizon's band (``None`` past the last band or below 1)."""
    out = np.full(len(horizons), None, dtype=object)
    for band in bands:
        out[(horizons >= band.first) & (horizons <= band.last)] = band.label
    return out


def horizon_steps(origin: pd.Timestamp, dates: pd.Series | pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Steps of ``freq`` from ``origin`` to each date (1 = the first period after the origin).

    Calendar arithmetic, not day counts, for months and quarters (February is still one month).
    """
    frequency(freq)
    origin = pd.Timestamp(origin)
    d = pd.DatetimeIndex(dates)
    if freq == "D":
        return np.asarray((d - origin).days, dtype=np.int64)
    if freq == "W":
        return np.asarray(np.round((d - origin).days / 7.0), dtype=np.int64)
    months = (d.year - origin.year) * 12 + (d.month - origin.month)
    months = np.asarray(months, dtype=np.int64)
    return months if freq == "M" else months // 3


def store_of(series_ids: pd.Series) -> pd.Series:
    """The store part of series ids (``store=S01|product=P`` → ``S01``; ``*`` for all stores)."""
    return series_ids.astype(str).str.split("|", n=1).str[0].str.removeprefix("store=")


def score_points(
    points: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    origin: pd.Timestamp,
    freq: str,
    through: pd.Timestamp,
) -> pd.DataFrame:
    """Join one snapshot's ``points`` with ``actuals`` (``series_id, date, actual``): the scored points.

    Only dates after ``origin`` and up to ``through`` (the last complete date) whose horizon falls in
    a band count; columns ``SCORED_COLUMNS``. A series without an actual on a complete date sold
    nothing that day (``data.reporting``: inside the reported span a missing row is a zero).
    """
    origin, through = pd.Timestamp(origin), pd.Timestamp(through)
    window = points.loc[(points["date"] > origin) & (points["date"] <= through)]
    if window.empty:
        return pd.DataFrame(columns=list(SCORED_COLUMNS))
    merged = window.merge(actuals, on=["series_id", "date"], how="left")
    merged["actual"] = merged["actual"].fillna(0.0)
    horizons = horizon_steps(origin, merged["date"], freq)
    bands = band_of(horizons, horizon_bands(freq))
    merged = merged.assign(horizon=horizons, band=bands, origin=origin, store=store_of(merged["series_id"]))
    merged = merged.loc[merged["band"].notna()]
    return merged.loc[:, list(SCORED_COLUMNS)].reset_index(drop=True)


def pooled_metrics(scored: pd.DataFrame) -> dict[str, float]:
    """WAPE, bias and 80/95% coverage of scored points pooled together (NaN when there are none)."""
    if scored.empty:
        return {name: float("nan") for name in METRIC_NAMES} | {"points": 0, "actual": 0.0}
    a = scored["actual"].to_numpy(dtype=float)
    f = scored["forecast"].to_numpy(dtype=float)
    denom = float(np.abs(a).sum())
    err = f - a
    inside80 = (a >= scored["lo80"].to_numpy(dtype=float)) & (a <= scored["hi80"].to_numpy(dtype=float))
    inside95 = (a >= scored["lo95"].to_numpy(dtype=float)) & (a <= scored["hi95"].to_numpy(dtype=float))
    return {
        "wape": float(np.abs(err).sum() / denom) if denom > 0 else float("nan"),
        "bias": float(err.sum() / denom) if denom > 0 else float("nan"),
        "coverage_80": float(inside80.mean()),
        "coverage_95": float(inside95.mean()),
        "points": len(scored),
        "actual": denom,
    }


def accuracy_table(scored: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``pooled_metrics`` per group of ``by`` columns (e.g. store, model_version, band), sorted."""
    columns = [*by, *METRIC_NAMES, "points", "actual"]
    if scored.empty:
        return pd.DataFrame(columns=columns)
    rows = [
        {**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)), **pooled_metrics(group)}
        for key, group in scored.groupby(list(by), sort=True)
    ]
    return pd.DataFrame(rows, columns=columns)


def backtest_points(
    actual: np.ndarray, forecast: np.ndarray, folds: np.ndarray, series_ids: Sequence[str], freq: str
) -> pd.DataFrame:
    """The back-test as scored-like rows: ``series_id, store, horizon, band, actual, forecast``.

    ``actual``/``forecast`` are series x back-test columns (NaN where a series was not scored) and
    ``folds`` the fold number of each column; the horizon is the column's position inside its fold.
    """
    folds = np.asarray(folds)
    steps = np.zeros(len(folds), dtype=np.int64)
    for fold in np.unique(folds):
        where = np.flatnonzero(folds == fold)
        steps[where] = np.arange(1, len(where) + 1)
    rows, cols = np.nonzero(~np.isnan(forecast) & ~np.isnan(actual))
    ids = pd.Series(np.asarray(series_ids, dtype=object)[rows])
    horizons = steps[cols]
    frame = pd.DataFrame(
        {
            "series_id": ids,
            "store": store_of(ids),
            "horizon": horizons,
            "band": band_of(horizons, horizon_bands(freq)),
            "actual": actual[rows, cols],
            "forecast": forecast[rows, cols],
        }
    )
    return frame.loc[frame["band"].notna()].reset_index(drop=True)


def backtest_table(points: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Back-test WAPE and bias per group (``bt_wape``, ``bt_bias``) of ``backtest_points`` rows."""
    columns = [*by, "bt_wape", "bt_bias"]
    if points.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for key, group in points.groupby(list(by), sort=True):
        a, f = group["actual"].to_numpy(float), group["forecast"].to_numpy(float)
        denom = float(np.abs(a).sum())
        rows.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                "bt_wape": float(np.abs(f - a).sum() / denom) if denom > 0 else float("nan"),
                "bt_bias": float((f - a).sum() / denom) if denom > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class DriftRule:
    """When a level counts as drifted (``app.config`` settings ``DRIFT_*``)."""

    factor: float  # live WAPE above back-test WAPE x factor
    min_coverage_80: float  # or the 80% range holding fewer actuals than this share
    window_weeks: int  # the window of complete periods the live figures cover
    min_share: float = 0.5  # of the window's periods that must have been scored to judge


@dataclass(frozen=True)
class DriftCheck:
    """The verdict on one level's serving version over the last complete periods."""

    level: str
    version: str
    flagged: bool
    judged: bool  # False: too few scored periods in the window to say
    live_wape: float
    expected_wape: float  # back-test WAPE of the same horizon mix
    coverage_80: float
    periods: int  # distinct scored dates in the window
    window: tuple[pd.Timestamp, pd.Timestamp]
    wape_drift: bool = False
    coverage_drift: bool = False

    def describe(self) -> str:
        """One English sentence saying why the level is (not) flagged (audit and job reason)."""
        head = f"{self.level} ({self.version}) {self.window[0]:%Y-%m-%d}..{self.window[1]:%Y-%m-%d}"
        if not self.judged:
            return f"{head}: only {self.periods} scored period(s), too few to judge drift"
        parts = []
        if self.wape_drift:
            parts.append(f"live WAPE {self.live_wape:.1%} above the back-test's {self.expected_wape:.1%}")
        if self.coverage_drift:
            parts.append(f"80% range held only {self.coverage_80:.0%} of actuals")
        if not parts:
            return (
                f"{head}: live WAPE {self.live_wape:.1%} vs back-test {self.expected_wape:.1%}, "
                f"80% range held {self.coverage_80:.0%}: no drift"
            )
        return f"drift in {head}: " + "; ".join(parts)


def drift_window(through: pd.Timestamp, freq: str, weeks: int) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    """(first date, last date, periods) of the last complete periods covering ``weeks`` weeks up to
    ``through``; at least one period of ``freq`` (a monthly dataset judges its last month)."""
    spec = frequency(freq)
    periods = max(1, round(weeks * 7 / spec.period_days))
    through = pd.Timestamp(through).normalize()
    if freq == "D":
        first = through - pd.Timedelta(days=periods - 1)
    elif freq == "W":
        first = through - pd.Timedelta(weeks=periods - 1)
    else:
        first = through - pd.DateOffset(months=(periods - 1) * (1 if freq == "M" else 3))
    return first, through, periods


COVERAGE_EVIDENCE_P = 0.01


def _coverage_shortfall_is_evidence(coverage: float, points: int, nominal: float = 0.8) -> bool:
    """Whether ``coverage`` over ``points`` actuals is too low to be chance for a calibrated 80% range.

    Why: two of three points outside a right range happen one time in ten; flagging on that would
    queue retrains on noise. One-sided binomial test against the nominal share at 1%.
    """
    if points < 1 or not np.isfinite(coverage):
        return False
    from scipy.stats import binom  # here: scipy.stats costs ~1 s at import, every process would pay it

    covered = round(coverage * points)
    return bool(binom.cdf(covered, points, nominal) < COVERAGE_EVIDENCE_P)


def judge_drift(
    scored: pd.DataFrame,
    backtest: pd.DataFrame,
    *,
    level: str,
    version: str,
    freq: str,
    through: pd.Timestamp,
    rule: DriftRule,
) -> DriftCheck:
    """Drift verdict of one level's ``version`` from its scored points and its ``backtest_points``.

    Live figures pool every scored point whose date lies in the window; the expectation is the
    back-test WAPE of each band weighted by the live revenue in that band, so a window scored mostly
    at short horizons is held to the short-horizon back-test.
    """
    first, last, n_periods = drift_window(through, freq, rule.window_weeks)
    live = scored.loc[(scored["date"] >= first) & (scored["date"] <= last)]
    periods = int(live["date"].nunique()) if not live.empty else 0
    metrics = pooled_metrics(live)
    expected = float("nan")
    if not live.empty:
        bt = backtest_table(backtest, ["band"]).set_index("band")["bt_wape"]
        weights = live.assign(w=live["actual"].abs()).groupby("band")["w"].sum()
        weights = weights[weights.index.isin(bt.index)]
        if weights.sum() > 0:
            expected = float((bt.reindex(weights.index) * weights).sum() / weights.sum())
    judged = periods >= max(1, int(np.ceil(rule.min_share * n_periods)))
    comparable = judged and np.isfinite(expected) and np.isfinite(metrics["wape"])
    wape_drift = bool(comparable and metrics["wape"] > rule.factor * expected)
    coverage_drift = bool(
        judged
        and metrics["coverage_80"] < rule.min_coverage_80
        and _coverage_shortfall_is_evidence(metrics["coverage_80"], int(metrics["points"]))
    )
    return DriftCheck(
        level=level,
        version=version,
        flagged=wape_drift or coverage_drift,
        judged=judged,
        live_wape=metrics["wape"],
        expected_wape=expected,
        coverage_80=metrics["coverage_80"],
        periods=periods,
        window=(first, last),
        wape_drift=wape_drift,
        coverage_drift=coverage_drift,
    )
