"""Names people read for model families, their settings and the accuracy metrics: one table used by
the registry grid, the compare view, the model card and the training reports, so a model is called
the same everywhere ("Gradient boosting", never "hgb" on one screen and a full name on another).
The codes (``hgb``, ``wape``) stay in files, URLs and the database."""

from __future__ import annotations

import re
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


# The training's progress labels, as the engine and the pipeline write them (English, in the job
# table), and their message ids: a label is translated when it is shown, so a job started by an
# English CLI reads in Portuguese on a pt-BR console and the other way round.
_PROGRESS = (
    (
        re.compile(r"^CV (?P<family>\S+) \((?P<count>\d+) series\)$"),
        N_("cross-validation of %(family)s (%(count)s series)"),
    ),
    (
        re.compile(r"^CV (?P<family>\S+) \(fitted once, (?P<count>\d+) folds\)$"),
        N_("cross-validation of %(family)s (fitted once, %(count)s folds)"),
    ),
    (
        re.compile(r"^CV (?P<family>\S+) fold (?P<fold>\d+)/(?P<count>\d+)$"),
        N_("cross-validation of %(family)s, fold %(fold)s of %(count)s"),
    ),
    (re.compile(r"^CV (?P<family>\S+)$"), N_("cross-validation of %(family)s")),
    (re.compile(r"^refit (?P<family>\S+)$"), N_("fitting %(family)s on all the data")),
    (re.compile(r"^saving version$"), N_("saving the version")),
    (re.compile(r"^comparing with MASTER$"), N_("comparing with the MASTER")),
    (re.compile(r"^promoting (?P<levels>.+)$"), N_("promoting %(levels)s")),
    (
        re.compile(r"^publishing the forecasts of (?P<levels>.+)$"),
        N_("publishing the forecasts of %(levels)s"),
    ),
    (re.compile(r"^done$"), N_("done")),
    (re.compile(r"^starting$"), N_("starting")),
    (re.compile(r"^waiting for the scheduler$"), N_("waiting for the scheduler")),
    (
        re.compile(r"^queued by the nightly gate: (?P<reason>.+)$"),
        N_("queued by the nightly gate: %(reason)s"),
    ),
)
_LEVEL_WORDS = {"store": N_("store"), "category": N_("category"), "product": N_("product")}


def _levels_text(levels: str, language: str) -> str:
    return ", ".join(translate(language, _LEVEL_WORDS.get(level, level)) for level in levels.split(", "))


def progress_text(label: str | None, language: str = "en") -> str:
    """A training job's progress label (``"store: CV ets fold 2/3"``) for people in ``language``:
    the level and the model family named as everywhere else; a label we do not know is shown as is."""
    text = str(label or "")
    level, sep, rest = text.partition(": ")
    if sep and level in _LEVEL_WORDS:
        return f"{translate(language, _LEVEL_WORDS[level])}: {progress_text(rest, language)}"
    for pattern, message in _PROGRESS:
        found = pattern.match(text)
        if found is None:
            continue
        values = found.groupdict()
        if "family" in values:
            values["family"] = family_name(values["family"], language)
        if "levels" in values:
            values["levels"] = _levels_text(values["levels"], language)
        return translate(language, message, **values)
    return text
