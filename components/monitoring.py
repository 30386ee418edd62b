"""Forecast monitoring on the page: the forecast-vs-actual card, the live-error line, drift badges.

Pure layout and figure builders; ``callbacks/monitoring.py`` fills them from ``services.monitoring``.
User-facing text goes through ``components.i18n`` (Flask-Babel; English message ids, pt_BR first).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import ids
from components.export_buttons import export_buttons
from components.formatting import format_percent, freq_text, plotly_locale, plotly_separators
from components.i18n import _, day

ACTUAL_COLOR = "#212529"
ORIGIN_COLORS = ("#fd7e14", "#6f42c1", "#20c997")
BAND_FILLS = ("rgba(253, 126, 20, 0.18)", "rgba(111, 66, 193, 0.14)", "rgba(32, 201, 151, 0.14)")


def _date(value: Any) -> str:
    """A date in the reader's numeric form (pt_BR ``30/06/2025``)."""
    return day(pd.Timestamp(value).date())


def accuracy_card() -> dbc.Card:
    """The "forecast vs actual" card: past origins' forecasts over the actuals, a note, CSV/XLSX export."""
    header = html.Div(
        [
            html.Div(
                [html.I(className="bi bi-bullseye me-2"), _("Forecast vs actual")],
                className="fw-semibold me-auto",
            ),
            export_buttons(ids.ACCURACY_CSV, ids.ACCURACY_XLSX),
            dcc.Download(id=ids.ACCURACY_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2",
    )
    body = [
        dcc.Graph(
            id=ids.ACCURACY_GRAPH,
            config={"displaylogo": False, "locale": plotly_locale()},
            style={"minHeight": "320px"},
        ),
        html.Div(id=ids.ACCURACY_NOTE, className="small text-body-secondary mt-1 px-1"),
    ]
    return dbc.Card(
        [dbc.CardHeader(header), dbc.CardBody(body, className="p-2")],
        className="mb-3 shadow-sm border-0",
        id=ids.ACCURACY_CARD,
        style={"display": "none"},
    )


def live_error_text(live: Any, freq: str) -> str:
    """ "Last 4 weeks: forecast 3,1% above actual; 80% range held 78% of days." (``live``: LiveError)."""
    if live is None:
        return ""
    words = freq_text(freq).many
    if abs(live.bias) < 0.0005:
        level = _("forecast on target")
    elif live.bias > 0:
        level = _("forecast %(share)s above actual", share=format_percent(live.bias, 1))
    else:
        level = _("forecast %(share)s below actual", share=format_percent(-live.bias, 1))
    if live.coverage_80 != live.coverage_80:  # NaN: no range (a sum of several stores' series)
        return _("Last %(weeks)s weeks: %(level)s.", weeks=live.weeks, level=level)
    return _(
        "Last %(weeks)s weeks: %(level)s; 80%% range held %(held)s of %(words)s.",
        weeks=live.weeks,
        level=level,
        held=format_percent(live.coverage_80),
        words=words,
    )


def live_error_line(live: Any, freq: str) -> html.Div | None:
    """The model card's live line (forecasts made up to one band ahead), or None without live data."""
    text = live_error_text(live, freq)
    if not text:
        return None
    band = live.band
    ahead = _("forecasts made up to %(n)s %(words)s ahead", n=band.last, words=freq_text(freq).many)
    return html.Div(
        [html.I(className="bi bi-activity me-2"), html.Strong(_("Live: ")), text, html.Span(f" ({ahead})")],
        className="small border rounded bg-body-tertiary px-2 py-1 mt-2",
    )


def accuracy_note(view: Any) -> str:
    """Under the chart: which origins are drawn and up to when actuals are complete."""
    if view is None:
        return _(
            "No archived forecast of this selection yet: forecasts are archived when a model starts serving."
        )
    if not view.past:
        return _("No forecast was archived early enough to compare with actuals yet.")
    origins = ", ".join(_date(p.origin) for p in view.past)
    return _(
        "Forecasts made with sales up to %(origins)s, drawn over the actuals (complete through %(through)s).",
        origins=origins,
        through=_date(view.through),
    )


def accuracy_figure(view: Any) -> dict[str, Any]:
    """Actuals (line) and each past origin's forecast with its 80% range, as a Plotly figure dict."""
    traces: list[dict[str, Any]] = []
    shapes = []
    if view is not None:
        for k, past in enumerate(view.past):
            color, fill = ORIGIN_COLORS[k % 3], BAND_FILLS[k % 3]
            frame = past.frame
            x = [f"{d:%Y-%m-%d}" for d in pd.DatetimeIndex(frame["date"])]
            name = _("Forecast of %(date)s", date=_date(past.origin))
            if frame["lo80"].notna().all():
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": x + x[::-1],
                        "y": list(frame["hi80"]) + list(frame["lo80"])[::-1],
                        "fill": "toself",
                        "fillcolor": fill,
                        "line": {"width": 0},
                        "hoverinfo": "skip",
                        "name": _("80%% range (%(date)s)", date=_date(past.origin)),
                        "showlegend": False,
                    }
                )
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": x,
                    "y": list(frame["forecast"]),
                    "name": name,
                    "line": {"color": color, "dash": "dash", "width": 2},
                    "hovertemplate": "R$ %{y:,.0f}",
                }
            )
            origin = f"{pd.Timestamp(past.origin):%Y-%m-%d}"
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": origin,
                    "x1": origin,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": color, "width": 1, "dash": "dot"},
                }
            )
        actual = view.actuals
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if len(actual) < 40 else "lines",
                "x": [f"{d:%Y-%m-%d}" for d in actual.index],
                "y": list(actual.to_numpy()),
                "name": _("Actual"),
                "line": {"color": ACTUAL_COLOR, "width": 2},
                "hovertemplate": "R$ %{y:,.0f}",
            }
        )
    return {
        "data": traces,
        "layout": {
            "separators": plotly_separators(),
            "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
            "hovermode": "x unified",
            "legend": {"orientation": "h", "y": -0.15},
            "shapes": shapes,
            "xaxis": {"type": "date"},
            "yaxis": {"tickprefix": "R$ ", "rangemode": "tozero"},
        },
    }


def drift_badge(tab: str) -> html.Span:
    """The (empty) place of a tab's drift badge; the badge callback fills it."""
    return html.Span(id=ids.drift_badge(tab))


def drift_badge_content(flagged: bool) -> Any:
    """A small warning badge when the tab's level is flagged as drifted (None otherwise)."""
    if not flagged:
        return None
    return dbc.Badge(
        _("drift"),
        color="warning",
        text_color="dark",
        className="ms-1",
        title=_("Recent forecasts of this level missed by more than the back-test promised"),
    )


def drift_lines(states: dict[str, Any]) -> Any:
    """Admin › Models: one line per flagged level (since when, live vs back-test), or None when none is."""
    flagged = [(level, s) for level, s in sorted(states.items()) if s.flagged]
    if not flagged:
        return None
    items = []
    for level, state in flagged:
        detail = state.detail or {}
        items.append(
            html.Li(
                _(
                    "%(level)s (%(version)s): drifted since %(since)s — live WAPE %(live)s vs %(expected)s "
                    "in back-tests; the 80%% range held %(held)s. The nightly run retrains it.",
                    level=_(level),
                    version=state.version,
                    since=_date(state.since) if state.since else "–",
                    live=format_percent(detail.get("live_wape"), 1),
                    expected=format_percent(detail.get("expected_wape"), 1),
                    held=format_percent(detail.get("coverage_80")),
                )
            )
        )
    return dbc.Alert(
        [html.Strong(_("Live accuracy drift")), html.Ul(items, className="mb-0")],
        color="warning",
        className="py-2",
        id=ids.ADMIN_DRIFT + "-alert",
    )
