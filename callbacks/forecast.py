"""Forecast tabs: the view callback (chart, KPIs, model card, breakdown) and its pure helpers.

An adapter of the "forecast for a view" use case (``services.forecast_view``): the filters become a
``ViewQuery``, the use case computes the numbers, and this module renders them. One model snapshot
per callback, so every number of one response comes from the same MASTER versions. Reads memory
(the forecaster's history, cached forecasts, the cached catalogue with the stores' reporting); SQL
is used when no model serves the selection, to still show the recorded history, and for the days of
the selection recorded after the model's data (``reported_sales``, one indexed range read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Dash, Input, Output, ctx, dcc, html

from callbacks.catalogue import CatalogueCache
from callbacks.guards import current_scope
from callbacks.inputs import pattern_values, view_state
from components import ids
from components.figures import empty_figure
from components.forecast_figures import breakdown_figure, forecast_figure
from components.formatting import FREQ_TEXT, format_brl, format_brl_short, format_percent, periods_text
from components.kpis import Kpis, compute_kpis, kpi_cards
from components.model_card import ModelFacts, model_card
from components.state import Catalogue, ViewState, drill_target, to_query
from data.reporting import Reporting
from models.holder import ModelUnavailableError
from models.series import series_id
from services.forecast_view import (
    ForecastView,
    HolderSource,
    ModelSource,
    ViewQuery,
    backtest_wape,
    breakdown_totals,
    forecast_view,
    recorded_history,
    reported_sales,
)
from services.scoping import ALL_STORES, StoreScope, scoped

TOP_PRODUCTS = 10
GRAPH_STYLE = {"minHeight": "440px"}
EMPTY_GRAPH_STYLE = {"height": "160px"}  # an empty state is a message, not a large blank box
TRAIN_HINT = "An administrator trains models with `flask --app wsgi train` (or from the Admin tab)."
EMPTY_HINT = "Nothing to forecast or export here: choose another store or product above."
MODEL_BROKEN = "The served model could not be loaded; the administrator has been told."


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


def selection_label(state: ViewState, all_stores: str = "All stores") -> str:
    """What is shown, for titles: ``Loja Centro · Bebidas`` or ``All stores`` (``My stores`` when scoped)."""
    parts = [state.store or all_stores]
    if state.tab == "category" and state.category:
        parts.append(state.category)
    if state.tab == "product" and state.product:
        parts.append(state.product)
    return " · ".join(parts)


def combination_problem(state: ViewState, catalogue: Catalogue) -> str | None:
    """A sentence when the chosen filters do not go together (e.g. a product the store does not sell)."""
    if state.tab == "category" and not state.category:
        return "Choose a category."
    if state.tab == "product" and not state.product:
        return "Choose a product."
    if not state.store:
        return None
    if state.tab == "category" and state.category not in catalogue.store_categories(state.store):
        sold = ", ".join(catalogue.store_categories(state.store)) or "none"
        return f"{state.store} does not sell {state.category} products. Categories sold there: {sold}."
    if state.tab == "product" and state.product not in catalogue.carried.get(state.store, frozenset()):
        stores = ", ".join(catalogue.stores_carrying(state.product)) or "no store"
        return f"{state.product} is not sold in {state.store}. Stores that sell it: {stores}."
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
        return empty_figure("No sales recorded for this selection yet.")
    empty = pd.DataFrame({"date": [], "forecast": [], "lower": [], "upper": []})
    return forecast_figure(history, empty, empty, freq=freq)


def breakdown_series(state: ViewState, catalogue: Catalogue) -> tuple[str, dict[str, str], str | None]:
    """Level, ``label -> series id`` and drill target of the tab's breakdown."""
    if state.tab == "store":
        cats = catalogue.store_categories(state.store)
        return (
            "category",
            {c: series_id("category", store=state.store, category=c) for c in cats},
            "category tab",
        )
    if state.tab == "category":
        products = catalogue.products(state.category, state.store)
        return (
            "product",
            {p: series_id("product", store=state.store, product=p) for p in products},
            "product tab",
        )
    stores = catalogue.stores_carrying(state.product) if state.product else []
    return (
        "product",
        {s: series_id("product", store=s, product=state.product) for s in stores},
        "store's view",
    )


def breakdown_view(source: ModelSource, state: ViewState, catalogue: Catalogue) -> tuple[Any, pd.Series]:
    """The breakdown figure of the tab (forecast revenue over the horizon), or an empty-state figure,
    and the totals of every bar (also those left off the figure)."""
    level, series, drill = breakdown_series(state, catalogue)
    try:
        totals = breakdown_totals(source, level, series, freq=state.freq, horizon=state.horizon)
    except ModelUnavailableError:
        return empty_figure(f"No {level} model yet."), pd.Series(dtype=float)
    if totals.empty:
        return empty_figure("Nothing to break down for this selection."), totals
    shown = totals.head(TOP_PRODUCTS) if state.tab == "category" else totals
    title = f"Next {periods_text(state.horizon, state.freq)}"
    return breakdown_figure(shown, title=title, drill=drill), totals


def breakdown_links(totals: pd.Series, state: ViewState) -> html.Div | None:
    """The breakdown as a list of links, largest first, each opening the same view as clicking its bar:
    the drill-down for keyboards and screen readers (a bar of the chart cannot take the focus)."""
    if totals.empty:
        return None
    shown = totals.head(TOP_PRODUCTS) if state.tab == "category" else totals
    items = []
    for label, value in shown.items():
        path, target = drill_target(state, str(label))
        items.append(
            html.Li(
                [dcc.Link(str(label), href=path + to_query(target)), f" {format_brl_short(float(value))}"],
                className="list-inline-item me-3",
            )
        )
    return html.Div(
        [html.Span("Open: ", className="me-1"), html.Ul(items, className="list-inline d-inline mb-0")],
        className="small px-1",
    )


def breakdown_note(
    totals: pd.Series, headline: float | None, state: ViewState, all_stores: str = "all stores"
) -> str | None:
    """Why the bars need not add up to the headline, with both sums.

    Every series (the store, each of its categories, each product in it) is forecast on its own, so
    a category's forecast is not a share of the store's. We show each bar's own forecast and say how
    far their sum is from the headline, rather than rescaling the bars to it: rescaling would make a
    category's bar disagree with the same category's headline on its own tab. No sum is compared on
    the product tab of one store (the bars are the other stores too).
    """
    if totals.empty:
        return None
    if state.tab == "product" and state.store:
        return "Each bar is this product's own forecast in that store."
    item, items = {
        "store": ("category", "categories"),
        "category": ("product", "products"),
        "product": ("store", "stores"),
    }[state.tab]
    if headline is None:
        return f"Each {item} is forecast on its own."
    whole = {
        "store": state.store or all_stores,
        "category": f"{state.category} in {state.store}" if state.store else state.category,
        "product": all_stores,
    }[state.tab]
    count = len(totals)
    if state.tab == "category" and count > TOP_PRODUCTS:
        bars = f"all {count} products (the chart shows the {TOP_PRODUCTS} largest)"
    else:
        bars = f"the {count} {items}" if count > 1 else f"the one {item}"
    return (
        f"Each {item} is forecast on its own, so the bars need not add up to the total above: {bars} "
        f"come to {format_brl(float(totals.sum()))}; the forecast for {whole} is {format_brl(headline)}."
    )


def model_facts(model: Any, version: str, cache: CatalogueCache) -> ModelFacts:
    """The model card's facts: the forecaster's own metrics plus the registry's baseline and training time."""
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
    )


def forecast_note(view: ForecastView, state: ViewState, kpis: Kpis | None = None) -> str:
    """The line under the chart explaining what is drawn (and how the backtest did)."""
    text = "Shaded: the 80% (darker) and 95% likely ranges. Dotted grey: the same period last year."
    if kpis is not None and kpis.recorded_days > 0 and kpis.period_days > 1:
        one = FREQ_TEXT[state.freq].one
        text += (
            f" The first {one} already has {kpis.recorded_days} of its {kpis.period_days} days recorded: "
            f"its point is those sales plus the forecast of the rest."
        )
    if not view.partial.empty:
        text += " Grey band, open circles: partially reported (not every store yet)."
    if state.backtest:
        wape = backtest_wape(view.backtest)
        if wape is None:
            text += (
                f" No back-test period is a whole {periods_text(1, state.freq).split()[1]}: "
                "choose a finer granularity to see the back-test."
            )
        else:
            text += (
                " Dashed purple: recent out-of-sample forecasts (typical error per "
                f"{FREQ_TEXT[state.freq].one} in them: {format_percent(wape)})."
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
    title = (
        f"{selection_label(state, catalogue.all_stores_label)} — {FREQ_TEXT[state.freq].name.lower()} revenue"
    )
    if not scope.allows(state.store):
        message = f"The store {state.store} is not available to you. Choose one of your stores."
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
        message = "No sales data yet. " + TRAIN_HINT.replace(
            "trains models", "imports sales and trains models"
        )
        return ViewOutput(
            empty_figure("No sales data yet.", height=160),
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
    card = model_card(model_facts(model, source.version(state.tab), cache)) if model is not None else None
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
        message = f"{MODEL_BROKEN} Only recorded sales are shown until it is fixed."
        card = _alert(MODEL_BROKEN, "danger")
        figure = history_only_figure(history, state.freq)
        return ViewOutput(
            figure,
            title,
            "",
            [],
            card,
            empty_figure(MODEL_BROKEN),
            _alert(message, "danger"),
            chart=not history.empty,
        )
    if model is None:
        history = selection_history(engine, state, catalogue.reporting, scope)
        message = f"No {state.tab} forecasting model yet, so only recorded sales are shown. {TRAIN_HINT}"
        card = _alert("No model yet. " + TRAIN_HINT, "secondary", "bi-info-circle")
        figure = history_only_figure(history, state.freq)
        return ViewOutput(
            figure,
            title,
            "",
            [],
            card,
            empty_figure("No model yet."),
            _alert(message, "info"),
            chart=not history.empty,
        )
    sid = view_series_id(state)
    if sid not in model.series_ids:
        history = selection_history(engine, state, catalogue.reporting, scope)
        message = (
            "No forecast for this selection yet: the serving model was trained before these sales "
            f"arrived. It appears after the next training. {TRAIN_HINT}"
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
    title = f"{title}, next {periods_text(state.horizon, state.freq)}"
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
                        html.Div(EMPTY_HINT, className="small text-body-secondary mt-1"),
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


def reporting_note(reporting: Reporting | None) -> dbc.Alert | None:
    """ "Sales complete through D; N stores have reported later days" when some stores are ahead of the
    others (their later days are drawn as partially reported and count nowhere else yet), naming the
    silent stores counted as closed."""
    if reporting is None or not reporting.ahead:
        return None
    ahead = reporting.ahead
    newest = max(r.last_date for r in ahead)
    n = len(ahead)
    text = (
        f"Sales complete through {reporting.complete_through:%d %b %Y}; {n} store{'s' if n != 1 else ''} "
        f"{'have' if n != 1 else 'has'} reported later days (to {newest:%d %b %Y}). Until every store has "
        "reported them, those days are drawn as partially reported and count in no total, KPI or training."
    )
    if reporting.silent:
        closed = ", ".join(f"{r.store} (since {r.last_date:%d %b %Y})" for r in reporting.silent)
        text += f" Counted as closed, silent for over {reporting.silent_after} days: {closed}."
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
        f"Sales up to {recorded_to:%d %b %Y} are recorded, but the {tab} model was trained on sales to "
        f"{trained_to:%d %b %Y}, so this forecast starts after that date. The newer sales count from the "
        "next training (the nightly run, or Retrain in Admin).",
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
