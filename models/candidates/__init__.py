"""Candidate families, their default hyper-parameter grids, and how to build one configuration.

Every candidate follows scikit-learn's conventions: ``__init__`` stores parameters, ``fit(panel, horizon)``
validates and returns self, fitted attributes end in ``_``, ``predict()`` returns series x horizon paths.
"""

from __future__ import annotations

import json
from typing import Any

from sklearn.model_selection import ParameterGrid

from models.candidates.ets import ExponentialSmoothingLocal
from models.candidates.global_models import GradientBoostingGlobal, RidgeGlobal
from models.candidates.naive import SeasonalNaive
from models.candidates.theta import Theta

FAMILIES: dict[str, type] = {
    "seasonal_naive": SeasonalNaive,
    "theta": Theta,
    "ridge": RidgeGlobal,
    "hgb": GradientBoostingGlobal,
    "ets": ExponentialSmoothingLocal,
}

DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    "seasonal_naive": {},
    "theta": {"theta": [1.0, 2.0, 3.0], "seasonal": [True]},
    "ridge": {"alpha": [1.0, 30.0]},
    "hgb": {
        "loss": ["poisson", "squared_error"],
        "learning_rate": [0.1],
        "max_iter": [100],
        "max_leaf_nodes": [31],
    },
    # one configuration: multiplicative seasonality falls back to additive on data with zeros
    "ets": [{"trend": "add", "damped": True, "seasonal": "mul"}],
}

# Families whose cost grows with the number of series (one fit per series), scored by default only when
# series x (folds + 1) x grid size stays within this many fits.
LOCAL_FIT_BUDGET = {"ets": 200}

COMBINATION = "combination"


def expand_grid(family: str, grid: dict[str, list[Any]] | list[dict] | None) -> list[dict]:
    """The list of parameter dicts of one family (a ParameterGrid dict, an explicit list, or the default)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    if grid is None:
        grid = DEFAULT_GRIDS[family]
    if isinstance(grid, dict):
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
