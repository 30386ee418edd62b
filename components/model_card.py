"""The model card: which MASTER model serves this view and how good it is, in plain words."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import FREQ_TEXT, format_percent
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


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def model_name(params: dict[str, Any]) -> str:
    """A readable name of the model family (``Theta method``), or ``Unknown`` without params."""
    return family_name(params.get("family"))


def accuracy_sentences(facts: ModelFacts) -> list[str]:
    """The card's plain-words lines: typical error, comparison with the naive rule, MASE, interval coverage.

    E.g. "Typical error: 8% of revenue." and "35% better than repeating last week (its typical error: 12%)."
    """
    text = FREQ_TEXT.get(facts.data_freq)
    rule = text.naive_rule if text else "repeating the last season"
    unit = text.one if text else "period"  # the model is trained and tested on its data's periods
    wape = _number(facts.metrics.get("wape"))
    base = _number(facts.baseline.get("wape"))
    lines = []
    if wape is None:
        lines.append("Accuracy was not measured for this model.")
    else:
        lines.append(f"Typical error per {unit}: {format_percent(wape)} of revenue (WAPE in back-tests).")
    if wape is not None and base:
        gain = 1.0 - wape / base
        naive = f"the simple rule of {rule} on {text.name.lower() if text else 'its'} data"
        if abs(gain) < 0.005:
            lines.append(f"As accurate as {naive} (its typical error per {unit}: {format_percent(base)}).")
        else:
            word = "better" if gain > 0 else "worse"
            share = format_percent(abs(gain))
            lines.append(
                f"{share} {word} than {naive} (its typical error per {unit}: {format_percent(base)})."
            )
    mase = _number(facts.metrics.get("mase"))
    base_mase = _number(facts.baseline.get("mase"))
    if mase is not None:
        versus = f" vs {base_mase:.2f} for the naive rule" if base_mase is not None else ""
        lines.append(f"MASE {mase:.2f}{versus} (lower is better; below 1 beats a naive forecast).")
    cov80 = _number(facts.metrics.get("coverage_80"))
    cov95 = _number(facts.metrics.get("coverage_95"))
    if cov80 is not None:
        tail = f"; the 95% range {format_percent(cov95)}" if cov95 is not None else ""
        lines.append(
            f"In back-tests the 80% range held the actual {format_percent(cov80)} of the time{tail}."
        )
    return lines


def model_card(facts: ModelFacts) -> dbc.Card:
    """Card listing version, training time, data range and the accuracy sentences."""
    start, end = facts.data_range
    trained = f"{facts.trained_at:%d %b %Y %H:%M} UTC" if facts.trained_at else "–"
    text = FREQ_TEXT.get(facts.data_freq)
    freq_name = text.name.lower() if text else facts.data_freq
    rows = [
        ("Model", model_name(facts.params)),
        ("Version", html.Code(facts.version, className="small")),
        ("Trained", trained),
        (
            "Data",
            f"{start:%d %b %Y} → {end:%d %b %Y} ({freq_name})",
        ),
    ]
    return dbc.Card(
        [
            dbc.CardHeader(
                [html.I(className="bi bi-cpu me-2"), "Model behind this forecast"], className="fw-semibold"
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
