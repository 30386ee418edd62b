"""The model card: which MASTER model serves this view and how good it is, in plain words."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import format_number, format_percent, freq_text
from components.i18n import N_, _, text_language, timestamp
from components.i18n import date as format_day
from data.frequency import FREQUENCIES
from models.reconciliation import coherence_line
from models.vocabulary import family_name


@dataclass(frozen=True)
class ModelFacts:
    """What the card says about one served model (metrics as fractions, as the registry stores them)."""

    level: str
    version: str
    data_freq: str
    data_range: tuple[pd.Timestamp, pd.Timestamp]
    metrics: dict[str, Any]
    baseline: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    trained_at: dt.datetime | None = None
    coherence: dict[str, Any] | None = None  # Coherence.to_dict() of the served levels (None: unknown)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def model_name(params: dict[str, Any]) -> str:
    """A readable name of the model family (``Theta method``), or ``Unknown`` without params."""
    return family_name(params.get("family"), text_language())


def accuracy_sentences(facts: ModelFacts) -> list[str]:
    """The card's plain-words lines: typical error, comparison with the naive rule, MASE, interval coverage.

    E.g. "Typical error: 8% of revenue." and "35% better than repeating last week (its typical error: 12%)."
    """
    text = freq_text(facts.data_freq) if facts.data_freq in FREQUENCIES else None
    rule = text.naive_rule if text else _("repeating the last season")
    unit = text.one if text else _("period")  # the model is trained and tested on its data's periods
    wape = _number(facts.metrics.get("wape"))
    base = _number(facts.baseline.get("wape"))
    lines = []
    if wape is None:
        lines.append(_("Accuracy was not measured for this model."))
    else:
        lines.append(
            _(
                "Typical error per %(unit)s: %(wape)s of revenue (WAPE in back-tests).",
                unit=unit,
                wape=format_percent(wape),
            )
        )
    if wape is not None and base:
        gain = 1.0 - wape / base
        naive = (
            _("the simple rule of %(rule)s on %(freq)s data", rule=rule, freq=text.name.lower())
            if text
            else _("the simple rule of %(rule)s on its data", rule=rule)
        )
        if abs(gain) < 0.005:
            lines.append(
                _(
                    "As accurate as %(naive)s (its typical error per %(unit)s: %(base)s).",
                    naive=naive,
                    unit=unit,
                    base=format_percent(base),
                )
            )
        else:
            sentence = (
                N_("%(share)s better than %(naive)s (its typical error per %(unit)s: %(base)s).")
                if gain > 0
                else N_("%(share)s worse than %(naive)s (its typical error per %(unit)s: %(base)s).")
            )
            lines.append(
                _(
                    sentence,
                    share=format_percent(abs(gain)),
                    naive=naive,
                    unit=unit,
                    base=format_percent(base),
                )
            )
    mase = _number(facts.metrics.get("mase"))
    base_mase = _number(facts.baseline.get("mase"))
    if mase is not None:
        if base_mase is not None:
            lines.append(
                _(
                    "MASE %(mase)s vs %(base)s for the naive rule "
                    "(lower is better; below 1 beats a naive forecast).",
                    mase=format_number(mase, 2),
                    base=format_number(base_mase, 2),
                )
            )
        else:
            lines.append(
                _(
                    "MASE %(mase)s (lower is better; below 1 beats a naive forecast).",
                    mase=format_number(mase, 2),
                )
            )
    cov80 = _number(facts.metrics.get("coverage_80"))
    cov95 = _number(facts.metrics.get("coverage_95"))
    if cov80 is not None:
        if cov95 is not None:
            lines.append(
                _(
                    "In back-tests the 80%% range held the actual %(cov80)s of the time; "
                    "the 95%% range %(cov95)s.",
                    cov80=format_percent(cov80),
                    cov95=format_percent(cov95),
                )
            )
        else:
            lines.append(
                _(
                    "In back-tests the 80%% range held the actual %(cov80)s of the time.",
                    cov80=format_percent(cov80),
                )
            )
    if facts.coherence is not None:
        lines.append(coherence_line(facts.coherence, facts.level, text_language()))
    return lines


def model_card(facts: ModelFacts) -> dbc.Card:
    """Card listing version, training time, data range and the accuracy sentences."""
    start, end = facts.data_range
    trained = timestamp(facts.trained_at)
    freq_name = freq_text(facts.data_freq).name.lower() if facts.data_freq in FREQUENCIES else facts.data_freq
    rows = [
        (_("Model"), model_name(facts.params)),
        (_("Version"), html.Code(facts.version, className="small")),
        (_("Trained"), trained),
        (
            _("Data"),
            f"{format_day(start, 'dd MMM y')} → {format_day(end, 'dd MMM y')} ({freq_name})",
        ),
    ]
    return dbc.Card(
        [
            dbc.CardHeader(
                [html.I(className="bi bi-cpu me-2"), _("Model behind this forecast")], className="fw-semibold"
            ),
            dbc.CardBody(
                [
                    html.Dl(
                        [
                            item
                            for label, value in rows
                            for item in (
                                html.Dt(label, className="col-4 fw-normal text-body-secondary"),
                                html.Dd(value, className="col-8 mb-1"),
                            )
                        ],
                        className="row small mb-2",
                    ),
                    html.Ul(
                        [html.Li(line) for line in accuracy_sentences(facts)], className="small mb-0 ps-3"
                    ),
                ]
            ),
        ],
        className="shadow-sm border-0 h-100",
        id="model-card-body",
    )
