"""Per-series model selection: which series run the local models, and which configuration serves each.

* ``local_scopes``: local (per-series) families cost statsforecast fits per series (one per fold where
  the back-test refits), so each runs on the series it can help within a budget of cost units
  (observations x the model's relative cost x the back-test's fits):
  intermittent models on series with many zero periods, the simple ones on short series, the others on
  the series with the largest recent sales first (they weigh most in the level's WAPE).
* ``horizon_weights``: the CV score weighs each step so that the horizons people read (daily: the next
  7, 28 and 91 days) count equally, whatever their length.
* ``select_per_series``: each series takes the configuration with the lowest CV error on its own folds,
  shrunk toward the level's best configuration (a short or noisy CV moves a series away from the
  level's choice only when the gain is clear), and never one worse than seasonal naive on its folds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from models.candidates.local import COST, default_window, fitted_observations
from models.evaluation import series_scale
from models.scoped import fold_dtype
from models.series import Panel, season_lengths
from models.vocabulary import family_name

SELECTION = "per_series"
LOCAL_BUDGET = 30_000.0  # cost units per daily level (AutoETS fitted once on one observation = 1)
# Monthly and quarterly levels: enough for AutoETS, AutoTheta and AutoARIMA on every series of a level the
# size of the field's reference sets (fpp3 `aus_retail`, 152 monthly series; the Tourism competition's
# samples of 150 in the bench) with 20 years of months and the three refit folds of their back-test:
# 150 x 240 x 3 x (1 + 0.5 + 3) = 486,000 units. Until 2026-12-01's eighth session they had 90,000 (v2.4's
# spend), which on such levels ran AutoETS alone: on `us_employment` (145 series, full windows) AutoETS
# took 146 series' worth, AutoTheta 2, AutoARIMA none, and the engine served 0.70% WAPE where AutoARIMA
# reached 0.44%; with the three families on every series, 0.44% at 2.6x the engine's CPU (833 s for three
# trainings, against 1,244 s for the AutoARIMA peer alone). Weekly levels keep 90,000: their AutoARIMA
# (non-seasonal) costs about ten times what is counted (bench_local_cost.py), and no weekly set measured
# binds. Daily levels keep 30,000: there the global LightGBM carries the large levels.
LOCAL_BUDGETS = {"D": LOCAL_BUDGET, "W": 90_000.0, "M": 500_000.0, "Q": 500_000.0}
SHRINK_FOLDS = 2.0  # pseudo-folds of the level's best configuration (when too few folds to choose)
# Shrinkage strengths the selection chooses from by leave-one-fold-out CV (inf: one model per kind).
SHRINK_GRID = (0.5, 2.0, 8.0, float("inf"))
INTERMITTENT_ZEROS = 0.3  # share of zero periods that makes a series intermittent
_SCORED = {"D": (7, 28, 91), "W": (4, 13), "M": (3, 12), "Q": (4, 8)}
_LOCAL_MODEL = {"ets": "AutoETS", "theta": "AutoTheta", "mstl": "MSTL", "arima": "AutoARIMA"}


def member_label(config: dict) -> str:
    """Readable name of a configuration for the mix, in the one family vocabulary
    (``Exponential smoothing``, ``Gradient boosting``; the method for ``CrostonOptimized``-like ones)."""
    family = config.get("family", "")
    if family in ("intermittent", "simple"):
        return str(config.get("model"))
    if family == "lgbm" and config.get("regressor", "lightgbm") != "lightgbm":
        return f"{family_name(family)} ({config['regressor']})"
    return family_name(family)


def horizon_weights(freq: str, horizon: int, scored: tuple[int, ...] | None = None) -> np.ndarray:
    """Per-step weights (sum = horizon) giving each scored horizon h the same say: mean of WAPE@h."""
    marks = sorted({min(int(h), horizon) for h in (scored or _SCORED[freq]) if h >= 1}) or [horizon]
    steps = np.arange(1, horizon + 1)
    w = sum((steps <= h) / h for h in marks) / len(marks)
    return w * horizon / w.sum()


def _model_cost(
    config: dict, freq: str, n_obs: np.ndarray, at_cutoffs: np.ndarray | None = None
) -> np.ndarray:
    """Cost units of one local configuration's back-test on series with ``n_obs`` observations.

    ``at_cutoffs`` (folds x series: observations at each CV cutoff): every fit the back-test makes is
    counted (``local.fitted_observations``); without it, one fit on each whole history.
    """
    model = _LOCAL_MODEL.get(config["family"], config.get("model", ""))
    window = config.get("window") or default_window(freq, model)
    factor = COST.get(model, 1.0)
    if model == "MSTL" and freq == "D":
        factor *= np.where(n_obs >= 730, 6.0, 1.0)  # the yearly season's STL is the costly part
    if model == "AutoARIMA" and freq == "D":
        factor *= 3.0  # the weekly seasonal search: it runs only where the budget has room left
    if at_cutoffs is None:
        return factor * np.minimum(n_obs, window)
    return factor * fitted_observations(freq, n_obs, at_cutoffs, window)


def _volume(panel: Panel) -> np.ndarray:
    """Recent sales of each series (the last two seasons, at least 52 steps): what WAPE weighs."""
    m = season_lengths(panel.freq)[0]
    return np.nansum(np.abs(panel.values[:, -min(panel.length, 2 * max(m, 26)) :]), axis=1)


def local_scopes(
    panel: Panel,
    configs: list[dict],
    budget: float | None,
    named: bool,
    positions: list[int] | None = None,
) -> dict[int, np.ndarray]:
    """Rows each local configuration runs on (index into ``configs`` -> row positions).

    ``budget``: cost units for the level (None: ``LOCAL_BUDGETS`` of its frequency). ``named`` (the
    families were chosen explicitly): every series, no budget. ``positions`` (the CV
    cutoffs): a series' cost counts every fit its back-test makes, each on the history to its cutoff
    (``local.fitted_observations``: one per fold on weekly/monthly/quarterly data, one rolled-forward fit
    on daily data), so the budget bounds the fits that run; without them, one fit per series on its
    whole history.
    """
    m = season_lengths(panel.freq)[0]
    n_obs = panel.n_obs()
    at_cutoffs = (
        np.clip(np.asarray(positions)[:, None] + 1 - panel.starts[None, :], 0, None) if positions else None
    )
    sparse = intermittent_series(panel)
    by_volume = np.argsort(-_volume(panel), kind="stable")
    left = LOCAL_BUDGETS.get(panel.freq, LOCAL_BUDGET) if budget is None else float(budget)
    scopes: dict[int, np.ndarray] = {}
    for ci, cfg in enumerate(configs):
        family = cfg.get("family")
        if family not in ("ets", "theta", "mstl", "arima", "intermittent", "simple"):
            continue
        has_data = n_obs >= 2
        if named:
            scopes[ci] = np.flatnonzero(has_data)
            continue
        if family == "intermittent":
            rows = np.flatnonzero(has_data & sparse)
        elif family == "simple":
            rows = np.flatnonzero(has_data & (n_obs < 2 * m))
        elif family == "mstl" and panel.freq != "D":
            rows = np.array([], dtype=int)  # MSTL's weekly + yearly seasons are for daily data
        else:
            rows = by_volume[has_data[by_volume]]
        cost = _model_cost(cfg, panel.freq, n_obs[rows], None if at_cutoffs is None else at_cutoffs[:, rows])
        if family in ("intermittent", "simple"):
            scopes[ci] = rows  # cheap: always run where they apply
            left -= float(cost.sum())
            continue
        fits = int(np.searchsorted(np.cumsum(cost), max(left, 0.0), side="right"))
        scopes[ci] = np.sort(rows[:fits])
        left -= float(cost[:fits].sum())
    return scopes


def _fold_errors(
    actual: list[np.ndarray], preds: list[np.ndarray], weights: np.ndarray, power: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per fold and series: weighted |error|**power, weighted |actual|**power, scored flag (folds x series).

    An error is NaN where the configuration has no prediction for a scored series in that fold.
    """
    p_ = power[:, None]
    err, den, has = [], [], []
    for a, p in zip(actual, preds, strict=True):
        scored = ~np.isnan(a)
        h = scored.any(axis=1)
        e = (np.where(scored, np.abs(np.nan_to_num(p) - np.nan_to_num(a)) ** p_, 0.0) * weights).sum(axis=1)
        e[h & (np.isnan(p) & scored).any(axis=1)] = np.nan
        err.append(e)
        den.append((np.where(scored, np.abs(np.nan_to_num(a)) ** p_, 0.0) * weights).sum(axis=1))
        has.append(h)
    return np.array(err), np.array(den), np.array(has, dtype=float)


def _choose(
    err: np.ndarray, den: np.ndarray, n: np.ndarray, sparse: np.ndarray, shrink: float
) -> tuple[np.ndarray, int]:
    """Each series' configuration from summed fold errors (configs x series), shrunk toward its kind's best.

    ``shrink`` = inf: every series takes the best configuration of its kind (one model per level).
    Seasonal naive (configuration 0) is one of the choices, so no series takes a configuration whose
    shrunk error exceeds seasonal naive's: the floor holds per series on the same evidence.
    """
    n_configs = err.shape[0]
    full = [c for c in range(n_configs) if np.isfinite(err[c]).all()]
    pooled = [np.nansum(err[c][~sparse]) if c in full else np.inf for c in range(n_configs)]
    best = int(np.argmin(pooled))
    score = np.full(err.shape, np.inf)
    for kind in (~sparse, sparse):  # regular and intermittent series are shrunk toward their own best
        if not kind.any():
            continue
        cover = [c for c in range(n_configs) if np.isfinite(err[c][kind]).all()]
        anchor = min(cover, key=lambda c: np.nansum(err[c][kind])) if cover else best
        with np.errstate(all="ignore"):
            wape = err[:, kind] / den[kind][None, :]
            ratio = np.ones(n_configs)
            for c in range(n_configs):
                both = np.isfinite(err[c][kind])
                base = np.nansum(err[anchor][kind][both])
                if both.any() and base > 0:
                    ratio[c] = np.nansum(err[c][kind][both]) / base
            if np.isinf(shrink):
                score[:, kind] = np.where(np.arange(n_configs)[:, None] == anchor, 0.0, np.inf)
                continue
            nk = n[kind][None, :]
            score[:, kind] = (nk * wape + shrink * ratio[:, None] * wape[anchor][None, :]) / (nk + shrink)
    score = np.where(np.isfinite(score), score, np.inf)
    choice = np.argmin(score, axis=0)
    choice[~np.isfinite(score).any(axis=0)] = 0  # nothing scored: seasonal naive
    choice[~(den > 0)] = best
    return choice, best


def _honest_error(
    err: np.ndarray,
    den: np.ndarray,
    has: np.ndarray,
    sparse: np.ndarray,
    shrink: float,
    fixed: int | None = None,
) -> float:
    """Leave-one-fold-out error of the selection rule: choose on the other folds, score on the held-out one.

    ``err``/``den``/``has``: configs x folds x series (den, has: folds x series). Regular series count
    as pooled WAPE (of errors rescaled by ``series_scale``), intermittent ones as relative squared error
    weighted by their share of the level.
    ``fixed``: the rule "every regular series takes configuration ``fixed``" instead of the shrunk choice.
    """
    folds = err.shape[1]
    total = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for k in range(folds):
        rest = [j for j in range(folds) if j != k]
        choice, _ = _choose(
            err[:, rest].sum(axis=1), den[rest].sum(axis=0), has[rest].sum(axis=0), sparse, shrink
        )
        if fixed is not None:
            choice[~sparse] = fixed
        held = err[choice, k, np.arange(err.shape[2])]
        held = np.where(np.isnan(held), err[0, k], held)  # no prediction: seasonal naive serves
        scored = has[k] > 0
        for kind in (True, False):
            mask = scored & (sparse == kind)
            total[kind][0] += float(np.nansum(held[mask]))
            total[kind][1] += float(den[k][mask].sum())
    out, weight = 0.0, 0.0
    for kind, (e, d) in total.items():
        if d > 0:
            share = 0.5 if kind else 1.0
            out += share * e / d
            weight += share
    return out / weight if weight else 0.0


def select_per_series(
    actual: list[np.ndarray],
    preds: Sequence[Sequence[np.ndarray]],
    weights: np.ndarray,
    intermittent: np.ndarray | None = None,
    shrink: float | None = None,
    combination: int | None = None,
    combination_held_out: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Index of the configuration serving each series, and the level's best (full-coverage) configuration.

    ``preds[c][k]``: configuration c's fold-k paths (NaN rows: not run on that series); configuration 0
    is seasonal naive. Score of c on series i: (n_i E_i(c) + s r_c E_i(best)) / (n_i + s), with n_i the
    folds scored and r_c = c's error over the level's best error on the (regular) series both ran on.
    E is the weighted absolute error relative to sum|y| (WAPE); on ``intermittent`` series it is the
    squared error relative to sum y^2, because absolute error rewards forecasting zero on sparse demand
    (the median is 0), which plans nothing: the rate forecasts of the intermittent models win there.

    ``shrink`` = s; None chooses it from ``SHRINK_GRID`` by leave-one-fold-out CV of the whole rule
    (choose on the other folds, score on the held-out one): picking the per-series minimum of a few
    noisy folds overfits, and how much to trust a series' own folds is itself measured, not assumed.
    Ties go to the stronger shrinkage (the simpler rule). ``combination`` (index of the combination
    configuration) is one more rule in that comparison: every series it covers takes the combination.
    Choosing among many candidates on a few folds is noisy, and a combination is the forecasting
    literature's robust default (M3/M4); it serves the regular series when its held-out error is at
    least as low (intermittent series keep the choice of their own kind). ``combination_held_out``:
    the combination's fold paths with its members chosen without each fold
    (``combination.held_out_combination``); when given, that is the combination's held-out error in
    the comparison, so both rules are judged on folds they did not see.

    The level-wide parts of the rule (the level's best, r_c, the leave-one-fold-out comparisons) pool
    the series' errors weighted by the square root of each series' volume (``series_scale``), not by
    the volume itself, so they rest on every series' folds rather than on the largest one's.
    """
    n_series = actual[0].shape[0]
    sparse = np.zeros(n_series, dtype=bool) if intermittent is None else np.asarray(intermittent, bool)
    power = np.where(sparse, 2.0, 1.0)
    stats = [_fold_errors(actual, p, weights, power) for p in preds]
    err = np.array([e for e, _, _ in stats])  # configs x folds x series
    den, has = stats[0][1], stats[0][2]
    scale = series_scale(den)
    err, den = err * scale[None, None, :], den * scale[None, :]
    combo, honest = None, {}
    if shrink is None:
        shrink = SHRINK_FOLDS
        if len(actual) >= 2:
            honest = {s: _honest_error(err, den, has, sparse, s) for s in SHRINK_GRID}
            shrink = min(SHRINK_GRID[::-1], key=lambda s: honest[s])
            if combination is not None and combination_held_out is not None:
                held_err, _, _ = _fold_errors(actual, combination_held_out, weights, power)
                held_err = held_err * scale[None, :]
                held_err = np.where(sparse[None, :], np.nan, held_err)  # regular series only
                stacked = np.concatenate([err, held_err[None]], axis=0)
                combo = _honest_error(stacked, den, has, sparse, shrink, len(err))
            elif combination is not None:
                combo = _honest_error(err, den, has, sparse, shrink, combination)
    with np.errstate(invalid="ignore"):
        total = np.where(np.isnan(err).any(axis=1), np.nan, np.nansum(err, axis=1))
    choice, best = _choose(total, den.sum(axis=0), has.sum(axis=0), sparse, shrink)
    if combo is not None and combo <= honest[shrink]:
        covered = ~sparse & ~np.isnan(err[combination]).any(axis=0)
        choice[covered] = combination  # intermittent series keep their own kind's choice
        best = combination
    return choice, best


def clearly_worse(actual: list[np.ndarray], preds: list[np.ndarray], than: list[np.ndarray]) -> bool:
    """Whether ``preds``' pooled absolute error exceeds ``than``'s by more than one standard error.

    The units are (fold, series) cells: each cell's difference of absolute errors summed over its steps
    (volume-weighted, as WAPE is); the standard error of their sum is sqrt(n) x their standard deviation
    (the one-standard-error rule). With fewer than two cells, any excess counts. Why: the level's
    seasonal-naive fallback compared the selection with seasonal naive on the folds' raw WAPE, while
    the selection itself was chosen on held-out, per-series evidence; a selection within noise of
    seasonal naive on three folds then gave every series seasonal naive (on the real-data suite's
    ``aus_accommodation`` a 2.5% lead on the folds; the next two years' WAPE 12.3% vs 8.8%).
    """
    diffs = []
    for a, p, t in zip(actual, preds, than, strict=True):
        cells = ~np.isnan(a) & ~np.isnan(p) & ~np.isnan(t)
        mine = np.where(cells, np.abs(np.nan_to_num(p) - np.nan_to_num(a)), 0.0).sum(axis=1)
        theirs = np.where(cells, np.abs(np.nan_to_num(t) - np.nan_to_num(a)), 0.0).sum(axis=1)
        diffs.append((mine - theirs)[cells.any(axis=1)])
    d = np.concatenate(diffs) if diffs else np.zeros(0)
    excess = float(d.sum())
    if len(d) < 2:
        return excess > 0
    return excess > float(np.sqrt(len(d)) * d.std(ddof=1))


def intermittent_series(panel: Panel) -> np.ndarray:
    """Series whose recent history (4 seasons, at least 28 steps) has many zero periods."""
    m = season_lengths(panel.freq)[0]
    recent = panel.values[:, -max(4 * m, 28) :]
    observed = ~np.isnan(recent)
    zeros = ((np.nan_to_num(recent, nan=1.0) == 0) & observed).sum(axis=1)
    return (zeros / np.maximum(observed.sum(axis=1), 1) >= INTERMITTENT_ZEROS) & (observed.sum(axis=1) >= 2)


def mix(configs: list[dict], choice: np.ndarray) -> dict[str, int]:
    """How many series each model serves, largest first (``{"Exponential smoothing": 212, …}``)."""
    counts = Counter(member_label(configs[c]) for c in choice)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def assemble(choice: np.ndarray, preds: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """Per fold, each series' row from its chosen configuration.

    Only the chosen configurations' folds are read, one at a time (stacking every configuration's fold
    held configurations × series × horizon at once); the element type is the one stacking gave.
    """
    out = []
    for k in range(len(preds[0])):
        first = preds[0][k]
        dtype = np.result_type(*(fold_dtype(p, k) for p in preds))
        path = np.empty(first.shape, dtype=dtype)
        for c in np.unique(choice):
            mine = choice == c
            path[mine] = (first if c == 0 else preds[c][k])[mine]
        out.append(path)
    return out


# Screening: an expensive local family first runs on a sample of its series (the largest), and on the
# rest only when it is close to the best full-coverage configuration there.
SCREENED = ("ets", "theta", "mstl", "arima")
SCREEN_SHARE = 0.2  # share of a family's series in its screening sample
SCREEN_MIN = 8  # at least this many series in a sample (families on fewer series are not screened)
SCREEN_MARGIN = 1.02  # extend when the family's sample error is within 2% of the best there


def screen_split(
    panel: Panel, configs: list[dict], scopes: dict[int, np.ndarray], whole: bool = True
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Scopes of the first CV pass (samples of the expensive local families) and the rows left for later.

    ``whole`` (a family's whole scope): it is screened only when the rows left are at least as many as
    the sample, i.e. screening can save at least half of its fits. Below that (scopes of 9-16 series)
    the saving is a few fits, and the price was that a family screened out of the smallest series no
    longer covers every series, so it can serve none of them and drops out of the combination (which
    takes only configurations scored on every series): on the real-data suites' 9-series levels ETS,
    Theta, ARIMA or MSTL was missing from the combination in 24 of the 62 ``--quick`` windows, which
    then averaged the rest with LightGBM. ``whole`` False (the sample split again for the early
    stop): the sample's largest ``SCREEN_MIN`` series first, as before.
    """
    volume = _volume(panel)
    first, rest = {}, {}
    for ci, rows in scopes.items():
        k = max(SCREEN_MIN, int(np.ceil(SCREEN_SHARE * len(rows))))
        if configs[ci].get("family") not in SCREENED or (2 * k if whole else k) >= len(rows):
            first[ci] = rows
            continue
        ranked = rows[np.argsort(-volume[rows], kind="stable")]
        first[ci], rest[ci] = np.sort(ranked[:k]), np.sort(ranked[k:])
    return first, rest


def pays_off(
    actual: list[np.ndarray],
    preds: Sequence[Sequence[np.ndarray]],
    weights: np.ndarray,
    ci: int,
    full: list[int],
    margin: float = SCREEN_MARGIN,
) -> bool:
    """Whether configuration ``ci`` is within ``margin`` of the best of ``full`` on its sample rows.

    ``preds[ci]`` is NaN off its sample; ``full``: configurations scored on every series.
    """
    power = np.ones(actual[0].shape[0])
    err = {c: _fold_errors(actual, preds[c], weights, power)[0] for c in [ci, *full]}
    rows = ~np.isnan(err[ci]).any(axis=0)
    if not rows.any() or not full:
        return True
    own = float(np.nansum(err[ci][:, rows]))
    best = min(float(np.nansum(err[c][:, rows])) for c in full)
    return own <= margin * best
