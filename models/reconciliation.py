"""Coherent forecasts across the three levels: hierarchicalforecast reconciliation of the MASTERs' paths.

The levels are trained separately (``models.training.train_level``), so their base forecasts do not add
up. ``reconcile_masters`` takes the three served forecasters (base forecasts), builds the summing
matrix of the grouped hierarchy (bottom series = store × product; aggregates = all stores, each store,
store × category, category over all stores, product over all stores), chooses the reconciliation
method by rolling-origin CV on the forecasters' own backtests and returns forecasters whose point
paths add up at every node. Served numbers, exports and the forecast store all read these.

Why at serve time and not inside training: a MASTER of one level can change (promotion, rollback)
while the others stay, and every combination served must add up; reconciling the three current
MASTERs whenever one of them changes guarantees it with no extra training. It needs the three to
share a forecast origin (trained on the same data, as every full training run does); otherwise the
levels are served unreconciled and ``Coherence.reason`` says why.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

from data.i18n import N_, format_percent, translate
from data.schema import LEVELS
from models.series import series_id

if TYPE_CHECKING:  # scipy loads in build_hierarchy: serving processes that never reconcile skip it
    from scipy import sparse

logger = logging.getLogger(__name__)

# Candidate methods, simplest first (a tie keeps the simpler one). MinTrace needs dense matrices of
# nodes × nodes: above MAX_DENSE_NODES only bottom-up runs (its projection is a selection, no matrix).
METHODS = ("bottom_up", "wls_struct", "ols", "wls_var", "mint_shrink")
MAX_DENSE_NODES = 3000
# Steps of the served paths reconciled at once bottom-up (no dense projection): the bottoms' float64
# paths and every node's sums are formed a block of steps at a time instead of nodes x 400 days whole
# (120 + 143 MB at 100x the demo, on top of the served float32 copies). Each step's sums are the same
# sparse products, so the same numbers.
STEP_BLOCK = 50
_NEED_RESIDUALS = ("wls_var", "mint_shrink")
_STORE_PREFIX = "store="


class IncoherentError(ValueError):
    """The three forecasters cannot be reconciled (missing level, other origin, unknown nodes)."""


@dataclass(frozen=True)
class Hierarchy:
    """The grouped hierarchy of the served series: aggregates first, bottom (store × product) last."""

    nodes: tuple[str, ...]
    summing: sparse.csr_matrix  # nodes x bottoms, 0/1 (sparse: a chain has ~5 parents per bottom)
    where: dict[str, tuple[str, int]]  # node -> (level, row in that level's forecaster)
    level_nodes: dict[str, np.ndarray]  # level -> node indices

    @property
    def n_bottom(self) -> int:
        """Number of bottom series."""
        return int(self.summing.shape[1])


@dataclass(frozen=True)
class Coherence:
    """How the served forecasts were made coherent, and whether it helped accuracy per level.

    ``method`` is None when the levels are served unreconciled (``reason`` says why). ``scores`` holds
    per level the pooled CV WAPE of the base forecasts (``"base"``) and of each method tried.
    """

    method: str | None
    reason: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def coherent(self) -> bool:
        """True when the served numbers add up at every node."""
        return self.method is not None

    def helps(self, level: str) -> bool | None:
        """True when the chosen method's CV WAPE at ``level`` is below the base forecasts' (None: unknown)."""
        row = self.scores.get(level, {})
        if self.method is None or self.method not in row or "base" not in row:
            return None
        return row[self.method] < row["base"]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Coherence | None:
        """The inverse of ``to_dict`` (None for None): how a published snapshot was reconciled."""
        if not data:
            return None
        scores = {
            str(lv): {str(m): (math.nan if w is None else float(w)) for m, w in row.items()}
            for lv, row in (data.get("scores") or {}).items()
        }
        return cls(data.get("method"), str(data.get("reason") or ""), scores)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the training report, the model card and the API."""
        return {
            "method": self.method,
            "reason": self.reason,
            "scores": {lv: dict(s) for lv, s in self.scores.items()},
            "helps": {lv: self.helps(lv) for lv in self.scores},
        }


@dataclass(frozen=True)
class Reconciled:
    """The forecasters to serve (reconciled when possible) and how they were made coherent."""

    models: dict[str, Any]
    coherence: Coherence


def _bottom_parts(node: str) -> tuple[str, str] | None:
    """(store, product) of a store × product id; None for other ids or the all-stores aggregate."""
    if not node.startswith(_STORE_PREFIX) or "|product=" not in node:
        return None
    store, product = node[len(_STORE_PREFIX) :].rsplit("|product=", 1)
    return None if store == "*" else (store, product)


def build_hierarchy(models: Mapping[str, Any], categories: Mapping[str, str]) -> Hierarchy:
    """The summing matrix over the three levels' series; ``IncoherentError`` when they do not nest.

    ``categories`` maps product → category (the catalogue). Every served series must be the sum of
    at least one bottom series and every aggregate of the bottoms must be served by its level.
    """
    missing = [lv for lv in LEVELS if lv not in models]
    if missing:
        raise IncoherentError(f"no MASTER for level(s) {', '.join(missing)}")
    bottoms: list[str] = []
    parents: dict[str, list[int]] = {}
    for sid in models["product"].series_ids:
        parts = _bottom_parts(sid)
        if parts is None:
            continue
        store, product = parts
        if product not in categories:
            raise IncoherentError(f"product {product!r} has no category in the catalogue")
        b = len(bottoms)
        bottoms.append(sid)
        for agg in (
            series_id("store"),
            series_id("store", store),
            series_id("category", store, category=categories[product]),
            series_id("category", category=categories[product]),
            series_id("product", product=product),
        ):
            parents.setdefault(agg, []).append(b)
    if not bottoms:
        raise IncoherentError("the product level serves no store × product series")
    where: dict[str, tuple[str, int]] = {}
    for level in LEVELS:
        for row, sid in enumerate(models[level].series_ids):
            where[sid] = (level, row)
    bottom_set = set(bottoms)  # once: a set per served id made this quadratic (~4 min at 37,550 series)
    unknown = [sid for sid in where if sid not in parents and sid not in bottom_set]
    absent = [agg for agg in parents if agg not in where]
    if unknown or absent:
        sample = (unknown or absent)[:3]
        what = "served series that no store × product series sums to" if unknown else "aggregates not served"
        raise IncoherentError(f"{len(unknown) or len(absent)} {what}, e.g. {', '.join(sample)}")
    aggregates = sorted(parents, key=lambda a: (LEVELS.index(where[a][0]), where[a][1]))
    nodes = tuple(aggregates) + tuple(bottoms)
    rows = [i for i, agg in enumerate(aggregates) for _ in parents[agg]] + list(
        range(len(aggregates), len(nodes))
    )
    cols = [b for agg in aggregates for b in parents[agg]] + list(range(len(bottoms)))
    from scipy import sparse

    summing = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(bottoms)))
    level_nodes = {lv: np.array([i for i, n in enumerate(nodes) if where[n][0] == lv]) for lv in LEVELS}
    return Hierarchy(nodes, summing, where, level_nodes)


def _check_aligned(models: Mapping[str, Any]) -> None:
    """``IncoherentError`` unless the three forecasters share frequency, origin and served horizon."""
    first = models[LEVELS[0]]
    for level in LEVELS[1:]:
        other = models[level]
        if other.freq != first.freq:
            raise IncoherentError(f"levels at different frequencies ({first.freq}, {other.freq})")
        if tuple(other.data_range) != tuple(first.data_range):
            ends = ", ".join(f"{lv} {models[lv].data_range[1]:%Y-%m-%d}" for lv in LEVELS)
            raise IncoherentError(
                f"levels trained through different dates ({ends}): each serves its own forecasts "
                "until all are retrained together"
            )
        if other.max_horizon != first.max_horizon:
            raise IncoherentError("levels serve different horizons")


def _stack(
    hierarchy: Hierarchy,
    models: Mapping[str, Any],
    table: str,
    *,
    bottom_only: bool = False,
    cols: slice | np.ndarray | None = None,
) -> np.ndarray:
    """Rows of ``tables.<table>`` of every node (``bottom_only``: of the bottom nodes), in hierarchy
    order (float64); only the columns ``cols`` when given."""
    nodes = hierarchy.nodes[-hierarchy.n_bottom :] if bottom_only else hierarchy.nodes
    pick = slice(None) if cols is None else cols
    rows = [getattr(models[lv].tables, table)[r, pick] for lv, r in (hierarchy.where[n] for n in nodes)]
    return np.asarray(rows, dtype=float)


def projection(method: str, summing: np.ndarray, residuals: np.ndarray | None = None) -> np.ndarray:
    """The bottom × nodes projection P of ``method`` from hierarchicalforecast (coherent = S @ P @ ŷ).

    ``residuals`` (nodes × observations, NaN allowed) are the out-of-sample errors the variance-based
    methods (``wls_var``, ``mint_shrink``) estimate their weights from.
    """
    from hierarchicalforecast.methods import BottomUp, MinTrace

    if method == "bottom_up":
        return BottomUp().fit(S=summing, y_hat=np.zeros((summing.shape[0], 1))).P
    if method not in METHODS:
        raise ValueError(f"unknown reconciliation method {method!r}; expected one of {', '.join(METHODS)}")
    y_hat = np.zeros((summing.shape[0], 1))
    extra = {}
    if method in _NEED_RESIDUALS:
        if residuals is None:
            raise ValueError(f"method {method} needs residuals")
        extra = {"y_insample": residuals, "y_hat_insample": np.zeros_like(residuals)}
    # One BLAS thread: these are a few hundred-wide solves, run inside serving processes; threads
    # contending with the web workers cost more than they save.
    with threadpool_limits(1):
        return MinTrace(method=method).fit(S=summing, y_hat=y_hat, **extra).P


def bottom_projection(
    hierarchy: Hierarchy, method: str, residuals: np.ndarray | None = None
) -> np.ndarray | None:
    """P of ``method`` on the hierarchy (None for bottom-up: its P only selects the bottom rows)."""
    if method == "bottom_up":
        return None
    return projection(method, hierarchy.summing.toarray(), residuals)


def coherent_paths(
    hierarchy: Hierarchy, proj: np.ndarray | None, base: np.ndarray, *, owned: bool = False
) -> np.ndarray:
    """Reconciled node paths: bottoms P @ base, negatives set to zero, every aggregate their sum.

    Setting negative bottoms to zero before aggregating keeps sales forecasts non-negative and the
    sums exact (MinTrace alone can go below zero on small series). Bottom-up (``proj`` None) needs no
    matrix, so it scales to any number of series, and reads only the bottom rows of ``base`` (which
    may hold just those). ``owned``: the caller hands ``base`` over, so its NaNs are zeroed in place;
    else one copy is made. At 100× the demo every copy of the bottoms' 400-day paths is ~120 MB.
    """
    if proj is None:
        bottom = np.nan_to_num(base[-hierarchy.n_bottom :], copy=not owned)
    else:
        bottom = proj @ np.nan_to_num(base, copy=not owned)
    np.clip(bottom, 0.0, None, out=bottom)
    return np.asarray(hierarchy.summing @ bottom)


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    den = float(np.abs(actual).sum())
    return float(np.abs(forecast - actual).sum() / den) if den > 0 else math.nan


def cross_validate(
    hierarchy: Hierarchy, models: Mapping[str, Any], methods: Sequence[str] = METHODS
) -> dict[str, dict[str, float]]:
    """Pooled WAPE per level of the base backtests and of each method, fold by fold.

    Each fold's base predictions are reconciled with weights estimated from the *other* folds'
    residuals (the fold itself when there is only one), so the score is out of sample.
    ``IncoherentError`` when the levels' backtests are not on the same dates.
    """
    actual, base = _backtests(hierarchy, models)
    folds = np.asarray(models[LEVELS[0]].tables.backtest_folds)
    scored = np.isfinite(base)
    residuals = np.where(scored, actual - base, np.nan)
    preds = {m: np.zeros_like(actual) for m in methods}
    fixed = {m: bottom_projection(hierarchy, m) for m in methods if m not in _NEED_RESIDUALS}
    for k in np.unique(folds):
        cols = folds == k
        others = ~cols if (~cols).any() else cols
        for m in methods:
            proj = fixed[m] if m in fixed else bottom_projection(hierarchy, m, residuals[:, others])
            preds[m][:, cols] = coherent_paths(hierarchy, proj, base[:, cols], owned=True)  # a copy
    out: dict[str, dict[str, float]] = {}
    for level, idx in hierarchy.level_nodes.items():
        mask = scored[idx]
        a = actual[idx][mask]
        row = {"base": _wape(a, base[idx][mask])}
        row.update({m: _wape(a, preds[m][idx][mask]) for m in methods})
        out[level] = row
    return out


def _backtests(hierarchy: Hierarchy, models: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Actuals (NaN as 0) and base backtest predictions of every node on the common backtest dates."""
    first = models[LEVELS[0]].tables
    for level in LEVELS[1:]:
        t = models[level].tables
        same = t.backtest_dates.equals(first.backtest_dates) and np.array_equal(
            t.backtest_folds, first.backtest_folds
        )
        if not same:
            raise IncoherentError("the levels' backtests are not on the same folds")
    pos = first.history_dates.get_indexer(first.backtest_dates)
    if (pos < 0).any():
        raise IncoherentError("backtest dates outside the history")
    actual = np.nan_to_num(_stack(hierarchy, models, "history", cols=pos))
    return actual, _stack(hierarchy, models, "backtest")


def choose_method(scores: Mapping[str, Mapping[str, float]], methods: Sequence[str] = METHODS) -> str:
    """The method with the lowest geometric mean over levels of its WAPE relative to the base forecasts.

    Every tab counts equally; the first (simplest) method wins a tie.
    """

    def loss(method: str) -> float:
        logs = [
            math.log(s[method] / s["base"])
            for s in scores.values()
            if s.get("base") and math.isfinite(s.get(method, math.nan)) and s[method] > 0
        ]
        return float(np.mean(logs)) if logs else math.inf

    return min(methods, key=lambda m: (round(loss(m), 9), methods.index(m)))


def _with_points(model: Any, points: np.ndarray) -> Any:
    """A copy of a forecaster serving ``points`` (its intervals follow: they are offsets from the point)."""
    tables = dataclasses.replace(model.tables, points=points.astype(np.float32, copy=False))
    return dataclasses.replace(model, tables=tables)


def reconcile_masters(
    models: Mapping[str, Any],
    categories: Mapping[str, str],
    *,
    methods: Sequence[str] = METHODS,
    step_block: int = STEP_BLOCK,
) -> Reconciled:
    """The served forecasters made coherent, with the method chosen by CV and its per-level scores.

    ``models`` = {level: LevelForecaster} (the MASTERs' base forecasts), ``categories`` = product →
    category. When the levels cannot be reconciled (a level missing, different origins, series that
    do not nest) the base forecasters are returned and ``coherence.reason`` says why. Bottom-up
    reconciles ``step_block`` steps of the paths at a time (the same numbers, less memory).
    """
    try:
        if all(lv in models for lv in LEVELS):
            _check_aligned(models)
        hierarchy = build_hierarchy(models, categories)
    except IncoherentError as exc:
        return Reconciled(dict(models), Coherence(None, str(exc)))
    tried = tuple(methods) if len(hierarchy.nodes) <= MAX_DENSE_NODES else ("bottom_up",)
    try:
        scores = cross_validate(hierarchy, models, tried)
        method = choose_method(scores, tried)
        why = f"{method} chosen by CV over {', '.join(tried)}"
    except IncoherentError as exc:
        scores, method = {}, "bottom_up"
        why = f"bottom_up (no CV: {exc})"
    if len(hierarchy.nodes) > MAX_DENSE_NODES:
        why += f" ({len(hierarchy.nodes)} series: MinTrace needs dense matrices beyond {MAX_DENSE_NODES})"
    residuals = None
    if method in _NEED_RESIDUALS:
        actual, backtest = _backtests(hierarchy, models)
        residuals = np.where(np.isfinite(backtest), actual - backtest, np.nan)
    proj = bottom_projection(hierarchy, method, residuals)
    # Served as float32: copied once at that width (the float64 paths round as astype would).
    points = {lv: np.array(models[lv].tables.points, dtype=np.float32, copy=True) for lv in LEVELS}
    placed = {
        lv: (idx, np.array([hierarchy.where[hierarchy.nodes[i]][1] for i in idx], dtype=np.intp))
        for lv, idx in ((lv, hierarchy.level_nodes[lv]) for lv in LEVELS)
    }
    steps = points[LEVELS[0]].shape[1]
    # A dense projection's product is one BLAS call over every step (blocks could change its sums'
    # order); bottom-up's sparse sums are per step.
    block = max(1, steps if proj is not None else int(step_block))
    for lo in range(0, steps, block):
        cols = slice(lo, lo + block)
        base = _stack(hierarchy, models, "points", bottom_only=proj is None, cols=cols)
        paths = coherent_paths(hierarchy, proj, base, owned=True)
        del base
        for level, (idx, rows) in placed.items():
            points[level][rows, cols] = paths[idx]
        del paths
    served = dict(models)
    for level in LEVELS:
        served[level] = _with_points(models[level], points[level])
    return Reconciled(served, Coherence(method, why, scores))


def coherent_served(
    models: Mapping[str, Any],
    from_store: Collection[str],
    reconcile: Callable[[Mapping[str, Any]], Reconciled] | None,
) -> tuple[dict[str, Any], Coherence | None]:
    """The forecasters to serve and how they add up, the same rule for the holder and the CLI.

    Levels in ``from_store`` are served from published snapshots, reconciled when published
    (``models.publishing``): when every level is, they are served as they are with the coherence
    recorded in the snapshot (``coherence`` attribute). When every level is served from its artifact,
    ``reconcile`` makes them coherent here (failures are logged and the levels served as they are). A
    mix serves each level's own numbers until the missing snapshots are published, and says so.
    """
    models = dict(models)
    stored = [lv for lv in models if lv in from_store]
    if stored and len(stored) == len(models):
        recorded = {repr(getattr(models[lv], "coherence", None)) for lv in stored}
        if len(recorded) == 1:
            return models, getattr(models[stored[0]], "coherence", None)
        return models, Coherence(None, "the levels' snapshots were published separately")
    if stored:
        pending = ", ".join(sorted(set(models) - set(stored)))
        return models, Coherence(None, f"level(s) {pending} served from their artifacts until published")
    if reconcile is None or not models:
        return models, None
    try:
        result = reconcile(models)
    except Exception as exc:  # serving unreconciled beats serving nothing
        logger.error("reconciling the MASTERs failed; serving each level's own forecasts", exc_info=True)
        return models, Coherence(None, f"reconciliation failed: {type(exc).__name__}: {exc}")
    if not result.coherence.coherent:
        logger.warning("serving unreconciled forecasts: %s", result.coherence.reason)
    return dict(result.models), result.coherence


def coherence_line(coherence: Mapping[str, Any] | None, level: str, language: str = "en") -> str:
    """One plain sentence on how ``level``'s numbers were made to add up and whether that helped.

    ``coherence`` is ``Coherence.to_dict()`` (or None). Shared by the CLI, the report and the model card;
    ``language`` is the reader's (words and number format).
    """
    if not coherence:
        return translate(language, "Coherence across levels was not checked for this model.")
    method = coherence.get("method")
    if method is None:
        return translate(
            language, "Not reconciled with the other levels: %(reason)s.", reason=coherence.get("reason")
        )
    row = (coherence.get("scores") or {}).get(level) or {}
    base, rec = row.get("base"), row.get(method)
    if base is None or rec is None or not (math.isfinite(base) and math.isfinite(rec)):
        return translate(
            language,
            "Reconciled with the other levels (%(method)s); accuracy effect not measured.",
            method=method,
        )
    verdict = N_("helps") if rec < base else (N_("no change") if rec == base else N_("costs accuracy"))
    return translate(
        language,
        "Reconciled with the other levels (%(method)s, chosen by CV): back-test WAPE %(reconciled)s "
        "vs %(base)s unreconciled (%(verdict)s).",
        method=method,
        reconciled=format_percent(rec, 1, language),
        base=format_percent(base, 1, language),
        verdict=translate(language, verdict),
    )
