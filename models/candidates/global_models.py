"""Global models: one scikit-learn regressor per level over all series, direct multi-horizon strategy.

Training rows come from many origins inside the training data (every feature read at or before its
origin, see ``models.features``); targets are y / scale so one model serves large and small series;
rows are weighted by scale so the fit follows what WAPE counts. Forecast = prediction x scale.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models.features import CATEGORICAL, feature_names, feature_spec, origin_rows
from models.series import Panel, default_horizon

_TARGET_CAP = 50.0
_MIN_ORIGINS = 4
_PREDICT_CELLS = 500_000  # series x steps per prediction chunk (bounds memory on large levels)
_FILL_CHAIN = {
    "snaive": ("profile",),
    "profile": ("snaive",),
    "year_ago": ("profile", "snaive"),
    "yoy": ("year_ago", "profile", "snaive"),
}


class GlobalModel:
    """Shared fit/predict of the global families; subclasses build the estimator and the design matrix."""

    family = "global"

    def __init__(
        self, max_rows: int = 200_000, max_train_steps: int | None = None, random_state: int = 0
    ) -> None:
        self.max_rows = max_rows
        self.max_train_steps = max_train_steps
        self.random_state = random_state

    # --- hooks -------------------------------------------------------------------------------
    def _estimator(self) -> Any:
        raise NotImplementedError

    def _design(self, cols: dict[str, np.ndarray], names: list[str], fit: bool) -> np.ndarray:
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------
    def _train_origins(self, panel: Panel, steps: int) -> np.ndarray:
        """Origins of the training rows: spread over the last ~1.5 years, at most max_rows rows."""
        spec = feature_spec(panel.freq)
        last = panel.length - 2
        first = spec.m
        if last < first:
            return np.array([], dtype=int)
        n_max = max(_MIN_ORIGINS, self.max_rows // max(1, panel.n_series * steps))
        span = min(last - first + 1, int(1.5 * spec.year) + steps)
        stride = max(1, math.ceil(span / n_max))
        return np.arange(last, last - span, -stride)[::-1]

    def _train_series(self, panel: Panel, steps: int) -> Panel:
        """The panel, or a seeded random subset of its series when even 4 origins would exceed max_rows."""
        keep = self.max_rows // (_MIN_ORIGINS * steps)
        if panel.n_series <= keep:
            return panel
        rng = np.random.default_rng(self.random_state)
        rows = np.sort(rng.choice(panel.n_series, size=max(keep, 1), replace=False))
        return panel.take(rows)

    def fit(self, panel: Panel, horizon: int) -> GlobalModel:
        """Build training rows from the panel, fit the regressor, compute the forecast paths."""
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        spec = feature_spec(panel.freq)
        cap = self.max_train_steps or default_horizon(panel.freq)
        steps = np.arange(1, min(cap, max(1, panel.length - spec.m - 1)) + 1)
        sample = self._train_series(panel, len(steps))
        origins = self._train_origins(sample, len(steps))
        self.names_ = feature_names(panel.freq)
        self.fitted_ = False
        if len(origins):
            cols = origin_rows(sample, origins, steps, int(steps[-1]))
            pos = cols["target_pos"]
            inside = pos < sample.length
            target = np.full(pos.shape, np.nan)
            target[inside] = sample.values[np.nonzero(inside)[0], pos[inside]]
            ok = inside & np.isfinite(target) & (cols["scale"] > 0) & (cols["origin_n_obs"] >= spec.m)
            if ok.sum() >= 20:
                flat = {k: v[ok] for k, v in cols.items()}
                x = self._design(flat, self.names_, fit=True)
                y = np.clip(
                    flat["target"] if "target" in flat else target[ok] / flat["scale"], 0, _TARGET_CAP
                )
                w = flat["scale"] / flat["scale"].mean()
                self.estimator_ = self._estimator().fit(x, y, sample_weight=w)
                self.fitted_ = True
        self.paths_ = self._forecast(panel, horizon, int(steps[-1]))
        return self

    def _forecast(self, panel: Panel, horizon: int, h_cap: int) -> np.ndarray:
        """Paths from the last date; NaN where the model is not fitted or a series has no scale."""
        if not self.fitted_:
            return np.full((panel.n_series, horizon), np.nan)
        out = np.empty((panel.n_series, horizon))
        chunk = max(1, _PREDICT_CELLS // horizon)
        m = feature_spec(panel.freq).m
        for lo in range(0, panel.n_series, chunk):
            rows = slice(lo, min(lo + chunk, panel.n_series))
            part = panel.take(np.arange(rows.start, rows.stop))
            cols = origin_rows(part, np.array([panel.length - 1]), np.arange(1, horizon + 1), h_cap)
            flat = {k: v.reshape(-1) for k, v in cols.items()}
            pred = self.estimator_.predict(self._design(flat, self.names_, fit=False)) * flat["scale"]
            pred = np.where(flat["origin_n_obs"] >= m, pred, np.nan)
            out[rows] = pred.reshape(part.n_series, horizon)
        return np.clip(out, 0.0, None)

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()


def _fill(cols: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A numeric column with NaNs filled from related columns, then level, then 0 (for linear models)."""
    out = cols[name].astype(float)
    for other in (*_FILL_CHAIN.get(name, ()), next((k for k in cols if k.startswith("level_")), name)):
        out = np.where(np.isnan(out), cols[other], out)
    if name == "growth":
        out = np.where(np.isnan(out), 1.0, out)
    return np.nan_to_num(out, nan=0.0)


class RidgeGlobal(GlobalModel):
    """Ridge regression on the global features (one-hot calendar categoricals, standardised numerics)."""

    family = "ridge"

    def __init__(
        self,
        alpha: float = 1.0,
        max_rows: int = 300_000,
        max_train_steps: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__(max_rows=max_rows, max_train_steps=max_train_steps, random_state=random_state)
        self.alpha = alpha

    def _estimator(self) -> Any:
        from sklearn.linear_model import Ridge  # scikit-learn only where a model is fitted

        return Ridge(alpha=self.alpha)

    def _design(self, cols: dict[str, np.ndarray], names: list[str], fit: bool) -> np.ndarray:
        numeric = [n for n in names if n not in CATEGORICAL]
        x = np.column_stack([_fill(cols, n) for n in numeric])
        if fit:
            self.mean_ = x.mean(axis=0)
            sd = x.std(axis=0)
            self.sd_ = np.where(sd > 0, sd, 1.0)
        parts = [(x - self.mean_) / self.sd_]
        for cat, size in (("dow", 7), ("month", 12)):
            if cat in names:
                parts.append(np.eye(size)[cols[cat].astype(int)])
        return np.hstack(parts)


class GradientBoostingGlobal(GlobalModel):
    """HistGradientBoostingRegressor on the global features (NaN-aware, calendar terms as categoricals)."""

    family = "hgb"

    def __init__(
        self,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 40,
        l2_regularization: float = 0.0,
        loss: str = "poisson",
        max_rows: int = 60_000,
        max_train_steps: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__(max_rows=max_rows, max_train_steps=max_train_steps, random_state=random_state)
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.loss = loss

    def _estimator(self) -> Any:
        from sklearn.ensemble import HistGradientBoostingRegressor  # only where a model is fitted

        kept = [n for n, k in zip(self.names_, self.keep_, strict=True) if k]
        categorical = [i for i, n in enumerate(kept) if n in CATEGORICAL]
        return HistGradientBoostingRegressor(
            loss=self.loss,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=categorical or None,
            early_stopping=False,
            random_state=self.random_state,
        )

    def _design(self, cols: dict[str, np.ndarray], names: list[str], fit: bool) -> np.ndarray:
        x = np.column_stack([cols[n].astype(float) for n in names])
        if fit:  # columns with no value at all (e.g. no year of history yet) carry nothing to split on
            self.keep_ = ~np.isnan(x).all(axis=0)
        return x[:, self.keep_]
