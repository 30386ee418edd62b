"""Names people read for model families, their settings and the accuracy metrics: one table used by
the registry grid, the compare view, the model card and the training reports, so a model is called
the same everywhere ("Gradient boosting", never "hgb" on one screen and a full name on another).
The codes (``hgb``, ``wape``) stay in files, URLs and the database."""

from __future__ import annotations

from typing import Any

FAMILY_NAMES = {
    "seasonal_naive": "Seasonal naive",
    "lgbm": "LightGBM (gradient boosting)",
    "hgb": "Gradient boosting",
    "ridge": "Ridge regression",
    "ets": "Exponential smoothing",
    "theta": "Theta method",
    "mstl": "Seasonal decomposition (MSTL)",
    "arima": "ARIMA",
    "intermittent": "Intermittent-demand method",
    "simple": "Simple average or trend",
    "combination": "Average of the best models",
}
METRIC_NAMES = {
    "wape": "Typical error (WAPE)",
    "mase": "Error vs naive (MASE)",
    "smape": "Symmetric error (sMAPE)",
    "bias": "Bias",
    "coverage_80": "Inside the 80% range",
    "coverage_95": "Inside the 95% range",
    "width_80": "Width of the 80% range",
}
SETTING_NAMES = {
    "members": "averages",
    "weights": "weights",
    "regressor": "learner",
    "loss": "loss",
    "alpha": "regularisation",
    "model": "method",
    "season_length": "season",
    "theta": "theta",
    "seasonal": "seasonal",
}


def family_name(family: str | None) -> str:
    """A model family for people: ``hgb`` → "Gradient boosting" (an unknown code as words)."""
    code = str(family or "")
    return FAMILY_NAMES.get(code, code.replace("_", " ").capitalize() or "Unknown")


def metric_name(metric: str) -> str:
    """An accuracy metric for people: ``coverage_80`` → "Inside the 80% range"."""
    return METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())


def _setting_value(value: Any) -> str:
    if isinstance(value, dict):
        return family_name(value["family"]) if "family" in value else settings_text(value)
    if isinstance(value, list | tuple):
        return " + ".join(_setting_value(v) for v in value)
    if isinstance(value, str):
        return FAMILY_NAMES.get(value, value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def settings_text(params: dict[str, Any] | None) -> str:
    """A configuration in words, family first: "Average of the best models — averages: Theta method +
    Exponential smoothing" (no JSON, no braces)."""
    params = dict(params or {})
    family = params.pop("family", None)
    details = "; ".join(
        f"{SETTING_NAMES.get(k, k.replace('_', ' '))}: {_setting_value(v)}" for k, v in params.items()
    )
    head = family_name(family) if family else ""
    return " — ".join(p for p in (head, details) if p) or "default settings"
