"""Layout of the store, category and product forecast tabs: filters, KPIs, chart, breakdown, model card.

The controls are built with the values of the view (parsed from the URL), so a shared link opens
the same view in one round trip; the callbacks then fill the chart, cards and breakdown.
"""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.export_buttons import export_buttons
from components.forecast_figures import GRAPH_CONFIG
from components.formatting import freq_text, periods_text, plotly_locale
from components.i18n import N_, _
from components.monitoring import accuracy_card
from components.state import ALL, HISTORY_CHOICES, Catalogue, ViewState, freq_choices
from data.queries import SEARCH_LIMIT

TITLES = {
    "store": (
        N_("Store forecast"),
        N_("How much will a store — or the whole chain — sell, and how sure are we?"),
    ),
    "category": (
        N_("Category forecast"),
        N_("How much will a category sell, in one store or across all of them?"),
    ),
    "product": (
        N_("Product forecast"),
        N_("How much will one product sell, in one store or across all of them?"),
    ),
}
# The store and product pickers search on the server as the user types (callbacks.filters).
PICKER_PLACEHOLDERS = {"store": N_("Type to search stores…"), "product": N_("Type to search products…")}
LINK_COPIED = N_("Link copied: paste it to share this view.")
BREAKDOWN_TITLES = {
    "store": N_("Forecast by category"),
    "category": N_("Top products in this category"),
    "product": N_("This product by store"),
}


def store_options(
    stores: list[str] | tuple[str, ...], all_label: str = N_("All stores"), current: str | None = None
) -> list[dict[str, str]]:
    """Store dropdown options: the stores together (``My stores`` when scoped) first, then the first
    ``SEARCH_LIMIT`` of ``stores`` (the picker searches the rest on the server as the user types)
    and ``current`` when it is not among them (a dropdown drops a value missing from its options)."""
    names = list(stores[:SEARCH_LIMIT])
    if current not in (None, "", ALL) and current not in names:
        names.append(current)
    return [{"label": _(all_label), "value": ALL}] + [{"label": s, "value": s} for s in names]


def category_options(categories: list[str], *, with_all: bool) -> list[dict[str, str]]:
    """Category dropdown options (``All categories`` first on the product tab)."""
    head = [{"label": _("All categories"), "value": ALL}] if with_all else []
    return head + [{"label": c, "value": c} for c in categories]


def product_search_options(names: list[str], current: str | None) -> list[dict[str, object]]:
    """Product options for the names a search found, with ``current`` kept (so the choice survives)."""
    shown = list(names) + ([current] if current and current not in names else [])
    return [{"label": p, "value": p} for p in shown]


def product_options(catalogue: Catalogue, state: ViewState) -> list[dict[str, object]]:
    """The first ``SEARCH_LIMIT`` products of the chosen category carried by the chosen store (the
    picker searches the rest on the server); the current product is kept (marked as not sold there
    when so) so the page can say so instead of silently switching."""
    names = catalogue.products(state.category, state.store)
    options: list[dict[str, object]] = [{"label": p, "value": p} for p in names[:SEARCH_LIMIT]]
    if state.product and state.product not in names:
        label = (
            _("%(product)s (not sold in %(store)s)", product=state.product, store=state.store)
            if state.store
            else _("%(product)s (not sold anywhere)", product=state.product)
        )
        options.insert(0, {"label": label, "value": state.product})
    elif state.product and state.product not in names[:SEARCH_LIMIT]:
        options.append({"label": state.product, "value": state.product})
    return options


def horizon_dropdown_options(values: list[int], freq: str) -> list[dict[str, object]]:
    """Horizon options labelled in the display unit (``13 weeks``)."""
    return [{"label": periods_text(v, freq), "value": v} for v in values]


def control_dom_id(name: str) -> str:
    """The DOM id Dash gives the filter control ``name`` (its pattern id as sorted, compact JSON)."""
    return json.dumps(ids.filter_id(name), sort_keys=True, separators=(",", ":"))


def _field(label: str, control: Any, width: dict[str, Any]) -> dbc.Col:
    """A filter under its visible label, tied to the control: ``for`` names the control's element and
    the group is labelled by it; ``view-tools.js`` also puts the label first in the dropdown's own
    ``aria-labelledby`` (Dash's dropdown names itself by its value only), so "Store, Loja Centro" is read."""
    name = control.id["name"]
    label_id = f"filter-label-{name}"
    return dbc.Col(
        html.Div(
            [
                html.Label(
                    label,
                    id=label_id,
                    htmlFor=control_dom_id(name),
                    className="form-label small fw-semibold mb-1",
                ),
                control,
            ],
            role="group",
            **{"aria-labelledby": label_id, "data-ts-label": label_id},
        ),
        className="mb-2",
        **width,
    )


def filter_bar(state: ViewState, catalogue: Catalogue, *, freqs: list[str], horizons: list[int]) -> dbc.Card:
    """The filters of ``state.tab`` with the values of ``state`` (one row on laptops, wrapped on tablets)."""
    narrow = {"xs": 6, "md": 4, "lg": True}
    fields = [
        _field(
            _("Store"),
            dcc.Dropdown(
                id=ids.filter_id("store"),
                options=store_options(catalogue.stores, catalogue.all_stores_label, state.store),
                placeholder=_(PICKER_PLACEHOLDERS["store"]),
                value=state.store or ALL,
                clearable=False,
            ),
            {"xs": 12, "md": 4, "lg": True},
        )
    ]
    if state.tab != "store":
        categories = list(catalogue.categories)
        fields.append(
            _field(
                _("Category"),
                dcc.Dropdown(
                    id=ids.filter_id("category"),
                    options=category_options(categories, with_all=state.tab == "product"),
                    value=state.category or ALL,
                    clearable=False,
                ),
                {"xs": 12, "md": 4, "lg": True},
            )
        )
    if state.tab == "product":
        fields.append(
            _field(
                _("Product"),
                dcc.Dropdown(
                    id=ids.filter_id("product"),
                    options=product_options(catalogue, state),
                    value=state.product,
                    clearable=False,
                    searchable=True,
                    placeholder=_(PICKER_PLACEHOLDERS["product"]),
                    optionHeight="auto",
                ),
                {"xs": 12, "md": 4, "lg": 3},
            )
        )
    fields += [
        _field(
            _("Granularity"),
            dcc.Dropdown(
                id=ids.filter_id("freq"),
                options=[{"label": freq_text(f).name, "value": f} for f in freqs],
                value=state.freq,
                clearable=False,
                searchable=False,
            ),
            narrow,
        ),
        _field(
            _("Horizon"),
            dcc.Dropdown(
                id=ids.filter_id("horizon"),
                options=horizon_dropdown_options(horizons, state.freq),
                value=state.horizon,
                clearable=False,
                searchable=False,
            ),
            narrow,
        ),
        _field(
            _("History shown"),
            dcc.Dropdown(
                id=ids.filter_id("history"),
                options=[{"label": _(label), "value": days} for days, label in HISTORY_CHOICES.items()],
                value=state.history,
                clearable=False,
                searchable=False,
            ),
            narrow,
        ),
    ]
    return dbc.Card(
        dbc.CardBody(dbc.Row(fields, className="g-2 align-items-end"), className="py-2"),
        className="mb-3 shadow-sm border-0",
    )


def chart_card(state: ViewState) -> dbc.Card:
    """The main chart with its title, the backtest switch and the export buttons."""
    header = html.Div(
        [
            html.Div(id=ids.FORECAST_TITLE, className="fw-semibold me-auto"),
            dbc.Switch(
                id=ids.filter_id("backtest"),
                label=_("Show backtest"),
                value=state.backtest,
                className="mb-0 me-3 small",
            ),
            export_buttons(ids.EXPORT_CSV, ids.EXPORT_XLSX, ids.EXPORT_PNG),
            dbc.Button(
                [html.I(className="bi bi-link-45deg me-1"), _("Copy link")],
                id=ids.COPY_LINK,
                outline=True,
                color="secondary",
                size="sm",
                title=_("Copy a link to this view (same filters)"),
            ),
            html.Span(id=ids.COPY_LINK_STATUS, className="small text-body-secondary", role="status"),
            dcc.Store(id=ids.COPY_LINK_DONE, data=_(LINK_COPIED)),
            dcc.Download(id=ids.DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2",
    )
    body = dcc.Loading(
        [
            dcc.Graph(
                id=ids.FORECAST_GRAPH,
                config={**GRAPH_CONFIG, "locale": plotly_locale()},
                style={"minHeight": "440px"},
            ),
            html.Div(id=ids.FORECAST_NOTE, className="small text-body-secondary mt-1"),
        ],
        type="default",
        delay_show=250,
    )
    return dbc.Card(
        [dbc.CardHeader(header), dbc.CardBody(body, className="p-2")], className="mb-3 shadow-sm border-0"
    )


def breakdown_card(tab: str) -> dbc.Card:
    """The breakdown bar chart of the tab (clicking a bar drills down)."""
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.I(className="bi bi-bar-chart-line me-2"),
                    html.Span(_(BREAKDOWN_TITLES[tab]), id=ids.BREAKDOWN_TITLE),
                ],
                className="fw-semibold",
            ),
            dbc.CardBody(
                [
                    dcc.Loading(
                        dcc.Graph(
                            id=ids.BREAKDOWN_GRAPH,
                            config={**GRAPH_CONFIG, "displayModeBar": False, "locale": plotly_locale()},
                        ),
                        type="default",
                        delay_show=250,
                    ),
                    html.Nav(
                        id=ids.BREAKDOWN_LIST, className="mt-1", **{"aria-label": _(BREAKDOWN_TITLES[tab])}
                    ),
                    # Why the bars need not add up to the headline (each level has its own model).
                    html.Div(id=ids.BREAKDOWN_NOTE, className="small text-body-secondary mt-1 px-1"),
                ],
                className="p-2",
            ),
        ],
        className="mb-3 shadow-sm border-0 h-100",
    )


def link_problems(problems: list[str]) -> dbc.Alert | None:
    """A dismissable warning listing what in the opened link was ignored."""
    if not problems:
        return None
    return dbc.Alert(
        [
            html.Strong(_("Some parts of this link were not understood:") + " "),
            html.Ul([html.Li(p) for p in problems], className="mb-0"),
        ],
        color="warning",
        dismissable=True,
        className="py-2",
    )


def no_data_page(tab: str, *, is_admin: bool) -> html.Div:
    """Empty state when there are no sales at all: what to do next."""
    lead = _("Load sales:") if is_admin else _("Ask an administrator to load sales:")
    return html.Div(
        [
            html.H2(_(TITLES[tab][0]), className="h4"),
            dbc.Alert(
                [
                    html.H3(_("No sales data yet"), className="h5"),
                    html.P(
                        [
                            lead + " " + _("the demo data with") + " ",
                            html.Code("flask --app wsgi data sample"),
                            _(", or your own files with") + " ",
                            html.Code("flask --app wsgi data import FILE.csv"),
                            _("; then train the first models with") + " ",
                            html.Code("flask --app wsgi train"),
                            ".",
                        ],
                        className="mb-0",
                    ),
                ],
                color="info",
                id="empty-state",
            ),
        ]
    )


def forecast_page(
    state: ViewState,
    catalogue: Catalogue,
    *,
    freqs: list[str],
    horizons: list[int],
    problems: list[str] | None = None,
) -> html.Div:
    """The whole tab for ``state``: title, filters, link problems, KPIs, chart, breakdown and model card."""
    title, question = (_(text) for text in TITLES[state.tab])
    return html.Div(
        [
            html.Div(
                [
                    html.H2(title, className="h4 mb-0"),
                    html.Div(question, className="text-body-secondary small"),
                ],
                className="mb-2",
            ),
            filter_bar(state, catalogue, freqs=freqs, horizons=horizons),
            html.Div(link_problems(problems or []), id=ids.LINK_PROBLEMS),
            html.Div(id=ids.VIEW_ALERT),
            dcc.Loading(dbc.Row(id=ids.KPI_ROW, className="g-3 mb-0"), type="dot", delay_show=250),
            chart_card(state),
            dbc.Row(
                [
                    dbc.Col(breakdown_card(state.tab), lg=7, className="mb-3"),
                    dbc.Col(
                        [html.Div(id=ids.MODEL_CARD), html.Div(id=ids.MODEL_LIVE_ERROR)],
                        lg=5,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            accuracy_card(),
        ],
        id=f"{state.tab}-forecast-page",
    )


def validation_pages() -> list[html.Div]:
    """One page of each forecast tab on a tiny catalogue, for Dash's ``validation_layout``."""
    catalogue = Catalogue(
        stores=("S",),
        categories=("C",),
        product_category={"P": "C"},
        carried={"S": frozenset({"P"})},
        freq="D",
    )
    states = [
        ViewState("store"),
        ViewState("category", category="C"),
        ViewState("product", category="C", product="P"),
    ]
    return [forecast_page(s, catalogue, freqs=freq_choices("D"), horizons=[4, 13]) for s in states]
