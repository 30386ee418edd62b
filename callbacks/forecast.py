"""Forecast tabs: the view callback (chart, KPIs, model card, breakdown) and its pure helpers.

An adapter of the "forecast for a view" use case (``services.forecast_view``): the filters become a
``ViewQuery``, the use case computes the numbers, and this module renders them. One model snapshot
per callback, so every number of one response comes from the same MASTER versions. Reads memory
(the forecaster's history, cached forecasts, the cached catalogue with the stores' reporting); SQL
is used when no model serves the selection, to still show the recorded history, and for the days of
the selection recorded after the model's data (``reported_sales``, one indexed range read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Dash, Input, Output, ctx, html
from sqlalchemy.exc import SQLAlchemyError

from callbacks.breakdown import breakdown_links, breakdown_note, breakdown_view
from callbacks.catalogue import CatalogueCache
from callbacks.guards import current_scope
from callbacks.inputs import pattern_values, view_state
from components import ids
from components.figures import empty_figure
from components.forecast_figures import forecast_figure
from components.formatting import format_percent, freq_text, periods_text
from components.i18n import N_, _, ngettext
from components.i18n import date as format_day
from components.kpis import Kpis, compute_kpis, kpi_cards
from components.model_card import ModelFacts, model_card
from components.state import Catalogue, ViewState
from data.reporting import Reporting
from models.holder import ModelUnavailableError
from models.series import display_alias, series_id
from services.events import chart_events
from services.forecast_view import (
    ForecastView,
    HolderSource,
    ViewQuery,
    backtest_wape,
    forecast_view,
    recorded_history,
    reported_sales,
)
from services.scoping import ALL_STORES, StoreScope, scoped

logger = logging.getLogger(__name__)

TRAIN_HINT = N_("An administrator trains models with `flask --app wsgi train` (or from the Admin tab).")
MODEL_BROKEN = N_("The served model could not be loaded; the administrator has been told.")
LEVEL_WORDS = (N_("store"), N_("category"), N_("product"))  # ``_(level)`` in sentences
DAY = "dd MMM y"  # the Babel pattern of a day in sentences: 05 Oct 2025 / 05 out. 2025
GRAPH_STYLE = {"minHeight": "440px"}
EMPTY_GRAPH_STYLE = {"height": "160px"}  # an empty state is a message, not a large blank box
EMPTY_HINT = N_("Nothing to forecast or export here: choose another store or product above.")


@dataclass(frozen=True)
class ViewOutput:
    """Everything the view callback writes, in the callback's output order."""

    figure: Any
    title: Any
    note: Any
    kpis: Any
    card: Any
    breakdown: Any
    alert: Any
    breakdown_note: Any = None
    exportable: bool = False  # a forecast is drawn: the CSV/Excel/PNG buttons work
    chart: bool = False  # the figure is a chart (else a short message: the graph shrinks to it)
    breakdown_list: Any = None

    def as_tuple(self) -> tuple[Any, ...]:
        """The outputs in the order the callback declares them (the three export buttons get
        ``disabled`` = not exportable; the chart shrinks to its message when nothing is drawn)."""
        blocked = not self.exportable
        return (
            self.figure,
            self.title,
            self.note,
            self.kpis,
            self.card,
            self.breakdown,
            self.alert,
            self.breakdown_note,
            blocked,
            blocked,
            blocked,
            GRAPH_STYLE if self.exportable or self.chart else EMPTY_GRAPH_STYLE,
            self.breakdown_list,
        )


def filter_values(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """``name -> value`` of the filter controls from Dash's ``inputs_list`` entry of the ALL pattern
    (a 400 when the entry is not a list of named controls)."""
    return pattern_values(inputs)


def selection_label(state: ViewState, all_stores: str | None = None) -> str:
    """What is shown, for titles: ``Loja Centro · Bebidas`` or ``All stores`` (``My stores`` when scoped)."""
    parts = [state.store or all_stores or _("All stores")]
    if state.tab == "category" and state.category:
        parts.append(state.category)
    if state.tab == "product" and state.product:
        parts.append(state.product)
    return " · ".join(parts)


def combination_problem(state: ViewState, catalogue: Catalogue) -> str | None:
    """A sentence when the chosen filters do not go together (e.g. a product the store does not sell)."""
    if state.tab == "category" and not state.category:
        return _("Choose a category.")
    if state.tab == "product" and not state.product:
        return _("Choose a product.")
    if not state.store:
        return None
    if state.tab == "category" and state.category not in catalogue.store_categories(state.store):
        sold = ", ".join(catalogue.store_categories(state.store)) or _("none")
        return _(
            "%(store)s does not sell %(category)s products. Categories sold there: %(sold)s.",
            store=state.store,
            category=state.category,
            sold=sold,
        )
    if state.tab == "product" and not catalogue.carries(state.store, state.product):
        stores = ", ".join(catalogue.stores_carrying(state.product)) or _("no store")
        return _(
            "%(product)s is not sold in %(store)s. Stores that sell it: %(stores)s.",
            product=state.product,
            store=state.store,
            stores=stores,
        )
    return None


def view_series_id(state: ViewState) -> str:
    """The model series id that the view ``state`` shows (store omitted = all stores together)."""
    if state.tab == "store":
        return series_id("store", store=state.store)
    if state.tab == "category":
        return series_id("category", store=state.store, category=state.category)
    return series_id("product", store=state.store, product=state.product)


def view_query(state: ViewState) -> ViewQuery:
    """The use case's question for the view ``state`` (the tab is the model level)."""
    return ViewQuery(
        level=state.tab,
        series_id=view_series_id(state),
        freq=state.freq,
        horizon=state.horizon,
        history_days=state.history,
        backtest=state.backtest,
    )


def selection(state: ViewState) -> dict[str, str | None]:
    """The view's selection as filters of the sales (``store``, ``category``, ``product``; None = all)."""
    return {
        "store": state.store,
        "category": state.category if state.tab == "category" else None,
        "product": state.product if state.tab == "product" else None,
    }


def selection_history(
    engine: Any, state: ViewState, reporting: Reporting | None = None, scope: StoreScope = ALL_STORES
) -> pd.Series:
    """Recorded revenue of the view's selection per display period, for when no model serves it;
    up to the date every store of the view has reported when ``reporting`` is known (``reporting``
    of the user's stores only: ``Catalogue.within``)."""
    through = reporting.reported_through(state.store) if reporting is not None else None
    return recorded_history(engine, state.freq, through=through, scope=scope, **selection(state))


def view_reported(
    holder: Any, engine: Any, cache: CatalogueCache, state: ViewState, scope: StoreScope = ALL_STORES
) -> Any:
    """The recorded sales the chart of ``state`` continues its model's history with (None when the
    view has no model or no reporting facts), so an export holds the history as drawn."""
    catalogue = cache.get().within(scope.stores)
    if holder is None or catalogue.reporting is None or not scope.allows(state.store):
        return None
    try:
        model = scoped(HolderSource.of(holder), scope).model(state.tab)
    except ModelUnavailableError:
        return None
    return reported_sales(engine, catalogue.reporting, model.data_range[1], scope=scope, **selection(state))


def history_only_figure(history: pd.Series, freq: str) -> Any:
    """The recorded history alone (when no model serves the selection)."""
    if history.empty:
        return empty_figure(_("No sales recorded for this selection yet."))
    empty = pd.DataFrame({"date": [], "forecast": [], "lower": [], "upper": []})
    return forecast_figure(history, empty, empty, freq=freq)


def model_facts(model: Any, version: str, cache: CatalogueCache, coherence: Any = None) -> ModelFacts:
    """The model card's facts: the forecaster's own metrics plus the registry's baseline and training time,
    and how the served levels were reconciled (``coherence``: the holder snapshot's ``Coherence``)."""
    info = cache.version(version)
    metrics = dict(model.metrics or {})
    baseline = dict((info.metrics or {}).get("baseline") or {}) if info else {}
    return ModelFacts(
        level=model.level,
        version=version,
        data_freq=model.freq,
        data_range=tuple(model.data_range),
        metrics=metrics,
        baseline=baseline,
        params=dict(model.params or {}),
        trained_at=info.created_at if info else None,
        coherence=coherence.to_dict() if coherence is not None else None,
    )


def forecast_note(view: ForecastView, state: ViewState, kpis: Kpis | None = None) -> str:
    """The line under the chart explaining what is drawn (and how the backtest did)."""
    text = _("Shaded: likely ranges, 80% (darker) and 95%. Dotted grey: the same period last year.")
    if kpis is not None and kpis.recorded_days > 0 and kpis.period_days > 1:
        text += " " + _(
            "The first %(period)s already has %(recorded)s of its %(days)s days recorded: "
            "its point is those sales plus the forecast of the rest.",
            period=freq_text(state.freq).one,
            recorded=kpis.recorded_days,
            days=kpis.period_days,
        )
    if not view.partial.empty:
        text += " " + _("Grey band, open circles: partially reported (not every store yet).")
    if state.backtest:
        wape = backtest_wape(view.backtest)
        if wape is None:
            text += " " + _(
                "No back-test period is a whole %(period)s: choose a finer granularity to see the back-test.",
                period=freq_text(state.freq).one,
            )
        else:
            text += " " + _(
                "Dashed purple: recent out-of-sample forecasts (typical error per %(period)s in them: "
                "%(wape)s).",
                period=freq_text(state.freq).one,
                wape=format_percent(wape),
            )
    return text


def _alert(text: str, color: str = "warning", icon: str = "bi-exclamation-triangle") -> dbc.Alert:
    return dbc.Alert(
        [html.I(className=f"bi {icon} me-2"), text], color=color, className="py-2", id="view-message"
    )


def render_view(
    holder: Any, engine: Any, cache: CatalogueCache, state: ViewState, scope: StoreScope = ALL_STORES
) -> ViewOutput:
    """Compute every output of the view callback for ``state`` (one snapshot, memory reads only).

    A scoped user sees only their stores: another store gets a "not available to you" state, and the
    stores together are the sum of theirs.
    """
    catalogue = cache.get().within(scope.stores)
    title = _(
        "%(selection)s — %(freq)s revenue",
        selection=selection_label(state, catalogue.all_stores_label),
        freq=freq_text(state.freq).name.lower(),
    )
    if not scope.allows(state.store):
        message = _(
            "The store %(store)s is not available to you. Choose one of your stores.", store=state.store
        )
        return ViewOutput(
            empty_figure(message, height=160),
            title,
            "",
            [],
            None,
            empty_figure(""),
            _alert(message, icon="bi-lock"),
        )
    if catalogue.empty:
        message = _(
            "No sales data yet. An administrator imports sales and trains models with "
            "`flask --app wsgi train` (or from the Admin tab)."
        )
        return ViewOutput(
            empty_figure(_("No sales data yet."), height=160),
            title,
            "",
            [],
            None,
            empty_figure(""),
            _alert(message),
        )
    source = scoped(HolderSource.of(holder), scope) if holder is not None else None
    try:
        if source is None:
            raise ModelUnavailableError("no model holder is attached to this app")
        model = source.model(state.tab)
    except ModelUnavailableError:
        model = None
    coherence = getattr(holder.snapshot(), "coherence", None) if holder is not None else None
    card = (
        model_card(model_facts(model, source.version(state.tab), cache, coherence))
        if model is not None
        else None
    )
    problem = combination_problem(state, catalogue)
    if problem:  # say so; on the product tab the breakdown lists the stores that do sell it
        breakdown, totals = empty_figure(""), pd.Series(dtype=float)
        if state.tab == "product" and state.product and source is not None:
            breakdown, totals = breakdown_view(source, state, catalogue)
        return ViewOutput(
            empty_figure(problem, height=160),
            title,
            "",
            empty_kpis(problem),
            card,
            breakdown,
            _alert(problem),
            breakdown_note(totals, None, state),
            breakdown_list=breakdown_links(totals, state),
        )
    if model is None and source is not None and source.refused_version(state.tab):
        history = selection_history(engine, state, catalogue.reporting, scope)
        message = _(MODEL_BROKEN) + " " + _("Only recorded sales are shown until it is fixed.")
        card = _alert(_(MODEL_BROKEN), "danger")
        figure = history_only_figure(history, state.freq)
        return ViewOutput(
            figure,
            title,
            "",
            [],
            card,
            empty_figure(_(MODEL_BROKEN)),
            _alert(message, "danger"),
            chart=not history.empty,
        )
    if model is None:
        history = selection_history(engine, state, catalogue.reporting, scope)
        message = (
            _("No %(level)s forecasting model yet, so only recorded sales are shown.", level=_(state.tab))
            + " "
            + _(TRAIN_HINT)
        )
        card = _alert(_("No model yet.") + " " + _(TRAIN_HINT), "secondary", "bi-info-circle")
        figure = history_only_figure(history, state.freq)
        return ViewOutput(
            figure,
            title,
            "",
            [],
            card,
            empty_figure(_("No model yet.")),
            _alert(message, "info"),
            chart=not history.empty,
        )
    sid = view_series_id(state)
    if sid not in model.series_ids:
        history = selection_history(engine, state, catalogue.reporting, scope)
        message = (
            _(
                "No forecast for this selection yet: the serving model was trained before these sales "
                "arrived. It appears after the next training."
            )
            + " "
            + _(TRAIN_HINT)
        )
        figure = history_only_figure(history, state.freq)
        return ViewOutput(
            figure, title, "", [], card, empty_figure(""), _alert(message, "info"), chart=not history.empty
        )
    reported = None
    if catalogue.reporting is not None:
        reported = reported_sales(
            engine, catalogue.reporting, model.data_range[1], scope=scope, **selection(state)
        )
    try:
        view = forecast_view(source, view_query(state), reported)
    except ValueError as exc:  # e.g. a horizon longer than the model serves
        return ViewOutput(
            empty_figure(str(exc), height=160), title, "", [], None, empty_figure(""), _alert(str(exc))
        )
    figure = forecast_figure(
        view.history,
        view.forecast80,
        view.forecast95,
        freq=state.freq,
        last_year=view.last_year,
        backtest=view.backtest,
        partial=view.partial,
        events=view_events(engine, state, view, scope),
    )
    facts = compute_kpis(
        view.full_history,
        view.forecast80,
        view.forecast95,
        view.last_year,
        state.freq,
        data_end=pd.Timestamp(model.data_range[1]),
    )
    kpis = kpi_cards(facts)
    title = _("%(title)s, next %(periods)s", title=title, periods=periods_text(state.horizon, state.freq))
    breakdown, totals = breakdown_view(source, state, catalogue)
    headline = float(view.forecast80["forecast"].sum())
    note = breakdown_note(totals, headline, state, catalogue.all_stores_label.lower())
    alerts = [newer_sales_notice(model, catalogue, state.tab), reporting_note(catalogue.reporting)]
    alerts = [a for a in alerts if a is not None] or None
    return ViewOutput(
        figure,
        title,
        forecast_note(view, state, facts),
        kpis,
        card,
        breakdown,
        alerts,
        note,
        exportable=True,
        breakdown_list=breakdown_links(totals, state),
    )


def empty_kpis(message: str) -> list[dbc.Col]:
    """The KPI row of a selection with nothing to forecast: one card saying why and what to do."""
    return [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.I(className="bi bi-info-circle me-2", **{"aria-hidden": "true"}),
                        html.Span(message),
                        html.Div(_(EMPTY_HINT), className="small text-body-secondary mt-1"),
                    ],
                    className="py-2 px-3",
                ),
                className="shadow-sm border-0",
                id="kpi-empty",
            ),
            xs=12,
            className="mb-3",
        )
    ]


def view_events(engine: Any, state: ViewState, view: Any, scope: StoreScope) -> pd.DataFrame | None:
    """The events calendar over the chart's dates (None when it cannot be read: the chart still draws)."""
    if engine is None or view.forecast80.empty:
        return None
    start = view.history.index[0] if len(view.history) else view.forecast80["date"].iloc[0]
    end = view.forecast80["date"].iloc[-1]
    try:
        return chart_events(engine, state.store, start, end, display_alias(state.freq), scope.stores)
    except SQLAlchemyError:
        logger.warning("could not read the events calendar", exc_info=True)
        return None


def reporting_note(reporting: Reporting | None) -> dbc.Alert | None:
    """ "Sales complete through D; N stores have reported later days" when some stores are ahead of the
    others (their later days are drawn as partially reported and count nowhere else yet), naming the
    silent stores counted as closed."""
    if reporting is None or not reporting.ahead:
        return None
    ahead = reporting.ahead
    newest = max(r.last_date for r in ahead)
    n = len(ahead)
    text = ngettext(
        "Sales complete through %(complete)s; %(num)s store has reported later days (to %(newest)s). "
        "Until every store has reported them, those days are drawn as partially reported and count in "
        "no total, KPI or training.",
        "Sales complete through %(complete)s; %(num)s stores have reported later days (to %(newest)s). "
        "Until every store has reported them, those days are drawn as partially reported and count in "
        "no total, KPI or training.",
        n,
        complete=format_day(reporting.complete_through, DAY),
        newest=format_day(newest, DAY),
    )
    if reporting.silent:
        closed = ", ".join(
            _("%(store)s (since %(date)s)", store=r.store, date=format_day(r.last_date, DAY))
            for r in reporting.silent
        )
        text += " " + _(
            "Counted as closed, silent for over %(days)s days: %(closed)s.",
            days=reporting.silent_after,
            closed=closed,
        )
    return dbc.Alert(
        [html.I(className="bi bi-hourglass-split me-2"), text],
        color="secondary",
        className="py-2",
        id=ids.REPORTING_NOTE,
    )


def newer_sales_notice(model: Any, catalogue: Catalogue, tab: str) -> dbc.Alert | None:
    """Say so when sales newer than the serving model's data are recorded (imported since its training)
    for every store: the forecast still starts after the model's last date until the next training
    includes them (days only some stores have reported wait for the others, see ``reporting_note``)."""
    reporting = catalogue.reporting
    recorded_to = reporting.complete_through if reporting is not None else catalogue.last_date
    if recorded_to is None:
        return None
    trained_to = pd.Timestamp(model.data_range[1]).normalize()
    recorded_to = pd.Timestamp(recorded_to).normalize()
    if recorded_to <= trained_to:
        return None
    return _alert(
        _(
            "Sales up to %(recorded)s are recorded, but the %(level)s model was trained on sales to "
            "%(trained)s, so this forecast starts after that date. The newer sales count from the "
            "next training (the nightly run, or Retrain in Admin).",
            recorded=format_day(recorded_to, DAY),
            level=_(tab),
            trained=format_day(trained_to, DAY),
        ),
        "info",
        "bi-info-circle",
    )


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the view callback of the forecast tabs."""

    @app.callback(
        Output(ids.FORECAST_GRAPH, "figure"),
        Output(ids.FORECAST_TITLE, "children"),
        Output(ids.FORECAST_NOTE, "children"),
        Output(ids.KPI_ROW, "children"),
        Output(ids.MODEL_CARD, "children"),
        Output(ids.BREAKDOWN_GRAPH, "figure"),
        Output(ids.VIEW_ALERT, "children"),
        Output(ids.BREAKDOWN_NOTE, "children"),
        Output(ids.EXPORT_CSV, "disabled"),
        Output(ids.EXPORT_XLSX, "disabled"),
        Output(ids.EXPORT_PNG, "disabled"),
        Output(ids.FORECAST_GRAPH, "style"),
        Output(ids.BREAKDOWN_LIST, "children"),
        Input({"type": ids.FILTER, "name": ALL}, "value"),
    )
    def update_view(_values: list[Any]) -> tuple[Any, ...]:
        state = view_state(filter_values(ctx.inputs_list[0]))
        scope = current_scope(services)
        return render_view(services.holder, services.engine, cache, state, scope).as_tuple()
