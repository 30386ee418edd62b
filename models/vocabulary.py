"""Names people read for model families, their settings and the accuracy metrics: one table used by
the registry grid, the compare view, the model card and the training reports, so a model is called
the same everywhere ("Gradient boosting", never "hgb" on one screen and a full name on another).
The codes (``hgb``, ``wape``) stay in files, URLs and the database."""

from __future__ import annotations

from typing import Any

from data.i18n import N_, translate

FAMILY_NAMES = {
    "seasonal_naive": N_("Seasonal naive"),
    "lgbm": N_("LightGBM (gradient boosting)"),
    "hgb": N_("Gradient boosting"),
    "ridge": N_("Ridge regression"),
    "ets": N_("Exponential smoothing"),
    "theta": N_("Theta method"),
    "mstl": N_("Seasonal decomposition (MSTL)"),
    "arima": N_("ARIMA"),
    "intermittent": N_("Intermittent-demand method"),
    "simple": N_("Simple average or trend"),
    "combination": N_("Average of the best models"),
}
METRIC_NAMES = {
    "wape": N_("Typical error (WAPE)"),
    "mase": N_("Error vs naive (MASE)"),
    "smape": N_("Symmetric error (sMAPE)"),
    "bias": N_("Bias"),
    "coverage_80": N_("Inside the likely range (80%)"),
    "coverage_95": N_("Inside the likely range (95%)"),
    "width_80": N_("Width of the likely range (80%)"),
}
SETTING_NAMES = {
    "members": N_("averages"),
    "weights": N_("weights"),
    "regressor": N_("learner"),
    "loss": N_("loss"),
    "alpha": N_("regularisation"),
    "model": N_("method"),
    "season_length": N_("season"),
    "theta": N_("theta"),
    "seasonal": N_("seasonal"),
}


def family_name(family: str | None, language: str = "en") -> str:
    """A model family for people in ``language``: ``hgb`` → "Gradient boosting" (an unknown code as
    words). English, the source language, unless a language is given."""
    code = str(family or "")
    if code in FAMILY_NAMES:
        return translate(language, FAMILY_NAMES[code])
    return code.replace("_", " ").capitalize() or translate(language, "Unknown")


def metric_name(metric: str, language: str = "en") -> str:
    """An accuracy metric for people in ``language``: ``coverage_80`` → "Inside the likely range (80%)"."""
    if metric in METRIC_NAMES:
        return translate(language, METRIC_NAMES[metric])
    return metric.replace("_", " ").capitalize()


def _setting_value(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return family_name(value["family"], language) if "family" in value else settings_text(value, language)
    if isinstance(value, list | tuple):
        return " + ".join(_setting_value(v, language) for v in value)
    if isinstance(value, str):
        return family_name(value, language) if value in FAMILY_NAMES else value
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def settings_text(params: dict[str, Any] | None, language: str = "en") -> str:
    """A configuration in words, family first: "Average of the best models — averages: Theta method +
    Exponential smoothing" (no JSON, no braces)."""
    params = dict(params or {})
    family = params.pop("family", None)
    details = "; ".join(
        f"{_setting_name(k, language)}: {_setting_value(v, language)}" for k, v in params.items()
    )
    head = family_name(family, language) if family else ""
    return " — ".join(p for p in (head, details) if p) or translate(language, "default settings")


def _setting_name(key: str, language: str) -> str:
    return translate(language, SETTING_NAMES[key]) if key in SETTING_NAMES else key.replace("_", " ")
