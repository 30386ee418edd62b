"""Candidate families, their default hyper-parameter grids, and how to build one configuration.

Every candidate follows scikit-learn's conventions: ``__init__`` stores parameters, ``fit(panel, horizon)``
validates and returns self, fitted attributes end in ``_``, ``predict()`` returns series x horizon paths.
"""

from __future__ import annotations

import json
from typing import Any

from models.candidates.combination import COMBINATION as COMBINATION
from models.candidates.global_models import GradientBoostingGlobal, RidgeGlobal
from models.candidates.local import ARIMALocal, ETSLocal, MSTLLocal, StatsForecastLocal, ThetaLocal
from models.candidates.mlf import MLForecastGlobal
from models.candidates.naive import SeasonalNaive

FAMILIES: dict[str, type] = {
    "seasonal_naive": SeasonalNaive,
    "lgbm": MLForecastGlobal,
    "hgb": GradientBoostingGlobal,
    "ridge": RidgeGlobal,
    "ets": ETSLocal,
    "theta": ThetaLocal,
    "mstl": MSTLLocal,
    "arima": ARIMALocal,
    "intermittent": StatsForecastLocal,
    "simple": StatsForecastLocal,
}
# Local families: one statsforecast fit per series, so training runs them on a budgeted set of series.
LOCAL_FAMILIES = ("ets", "theta", "mstl", "arima", "intermittent", "simple")

DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    "seasonal_naive": {},
    "lgbm": [{"regressor": "lightgbm"}],
    "hgb": [{"loss": "poisson"}],
    "ridge": {"alpha": [1.0]},
    "ets": [{}],
    "theta": [{}],
    "mstl": [{}],
    "arima": [{}],
    "intermittent": [{"model": m} for m in ("CrostonOptimized", "TSB", "ADIDA", "IMAPA")],
    "simple": [{"model": m} for m in ("Naive", "HistoricAverage", "RandomWalkWithDrift")],
}


def expand_grid(family: str, grid: dict[str, list[Any]] | list[dict] | None) -> list[dict]:
    """The list of parameter dicts of one family (a ParameterGrid dict, an explicit list, or the default)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    if grid is None:
        grid = DEFAULT_GRIDS[family]
    if isinstance(grid, dict):
        from sklearn.model_selection import ParameterGrid  # scikit-learn only when training

        return [dict(p) for p in ParameterGrid(grid)] if grid else [{}]
    return [dict(p) for p in grid] or [{}]


def make_candidate(config: dict, random_state: int = 0) -> Any:
    """A fresh, unfitted candidate for ``config`` = {"family": name, **params}."""
    params = dict(config)
    family = params.pop("family", None)
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    try:
        return FAMILIES[family](**params, random_state=random_state)
    except TypeError as exc:
        raise ValueError(f"bad parameters for family {family!r}: {exc}") from None


def config_key(config: dict) -> str:
    """Stable JSON text of a configuration (the ``params`` column of the CV table)."""
    return json.dumps(config, sort_keys=True, default=str)
