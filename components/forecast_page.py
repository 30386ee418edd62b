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
from components.forecast_figures import GRAPH_CONFIG
from components.formatting import FREQ_TEXT, periods_text
from components.state import ALL, HISTORY_CHOICES, Catalogue, ViewState, freq_choices

TITLES = {
    "store": ("Store forecast", "How much will a store — or the whole chain — sell, and how sure are we?"),
    "category": ("Category forecast", "How much will a category sell, in one store or across all of them?"),
    "product": ("Product forecast", "How much will one product sell, in one store or across all of them?"),
}
LINK_COPIED = "Link copied: paste it to share this view."
BREAKDOWN_TITLES = {
    "store": "Forecast by category",
    "category": "Top products in this category",
    "product": "This product by store",
}


def store_options(stores: list[str] | tuple[str, ...], all_label: str = "All stores") -> list[dict[str, str]]:
    """Store dropdown options: the stores together (``My stores`` when scoped) first, then each store."""
    return [{"label": all_label, "value": ALL}] + [{"label": s, "value": s} for s in stores]


def category_options(categories: list[str], *, with_all: bool) -> list[dict[str, str]]:
    """Category dropdown options (``All categories`` first on the product tab)."""
    head = [{"label": "All categories", "value": ALL}] if with_all else []
    return head + [{"label": c, "value": c} for c in categories]


def product_options(catalogue: Catalogue, state: ViewState) -> list[dict[str, object]]:
    """Products of the chosen category carried by the chosen store; the current product is kept
    (marked as not sold there) so the page can say so instead of silently switching."""
    names = catalogue.products(state.category, state.store)
    options: list[dict[str, object]] = [{"label": p, "value": p} for p in names]
    if state.product and state.product not in names:
        where = f"in {state.store}" if state.store else "anywhere"
        options.insert(0, {"label": f"{state.product} (not sold {where})", "value": state.product})
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
            "Store",
            dcc.Dropdown(
                id=ids.filter_id("store"),
                options=store_options(catalogue.stores, catalogue.all_stores_label),
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
                "Category",
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
                "Product",
                dcc.Dropdown(
                    id=ids.filter_id("product"),
                    options=product_options(catalogue, state),
                    value=state.product,
                    clearable=False,
                    searchable=True,
                    placeholder="Type to search products…",
                    optionHeight="auto",
                ),
                {"xs": 12, "md": 4, "lg": 3},
            )
        )
    fields += [
        _field(
            "Granularity",
            dcc.Dropdown(
                id=ids.filter_id("freq"),
                options=[{"label": FREQ_TEXT[f].name, "value": f} for f in freqs],
                value=state.freq,
                clearable=False,
                searchable=False,
            ),
            narrow,
        ),
        _field(
            "Horizon",
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
            "History shown",
            dcc.Dropdown(
                id=ids.filter_id("history"),
                options=[{"label": label, "value": days} for days, label in HISTORY_CHOICES.items()],
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
                label="Show backtest",
                value=state.backtest,
                className="mb-0 me-3 small",
            ),
            dbc.ButtonGroup(
                [
                    dbc.Button(
                        [html.I(className="bi bi-filetype-csv me-1"), "CSV"],
                        id=ids.EXPORT_CSV,
                        outline=True,
                        color="secondary",
                        size="sm",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-file-earmark-excel me-1"), "Excel"],
                        id=ids.EXPORT_XLSX,
                        outline=True,
                        color="secondary",
                        size="sm",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-image me-1"), "PNG"],
                        id=ids.EXPORT_PNG,
                        outline=True,
                        color="secondary",
                        size="sm",
                        title="Download the chart as a picture",
                    ),
                ],
                size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-link-45deg me-1"), "Copy link"],
                id=ids.COPY_LINK,
                outline=True,
                color="secondary",
                size="sm",
                title="Copy a link to this view (same filters)",
            ),
            html.Span(id=ids.COPY_LINK_STATUS, className="small text-body-secondary", role="status"),
            dcc.Store(id=ids.COPY_LINK_DONE, data=LINK_COPIED),
            dcc.Download(id=ids.DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2",
    )
    body = dcc.Loading(
        [
            dcc.Graph(id=ids.FORECAST_GRAPH, config=GRAPH_CONFIG, style={"minHeight": "440px"}),
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
                    html.Span(BREAKDOWN_TITLES[tab], id=ids.BREAKDOWN_TITLE),
                ],
                className="fw-semibold",
            ),
            dbc.CardBody(
                [
                    dcc.Loading(
                        dcc.Graph(id=ids.BREAKDOWN_GRAPH, config={**GRAPH_CONFIG, "displayModeBar": False}),
                        type="default",
                        delay_show=250,
                    ),
                    html.Nav(
                        id=ids.BREAKDOWN_LIST, className="mt-1", **{"aria-label": BREAKDOWN_TITLES[tab]}
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
            html.Strong("Some parts of this link were not understood: "),
            html.Ul([html.Li(p) for p in problems], className="mb-0"),
        ],
        color="warning",
        dismissable=True,
        className="py-2",
    )


def no_data_page(tab: str, *, is_admin: bool) -> html.Div:
    """Empty state when there are no sales at all: what to do next."""
    who = "Load" if is_admin else "Ask an administrator to load"
    return html.Div(
        [
            html.H2(TITLES[tab][0], className="h4"),
            dbc.Alert(
                [
                    html.H3("No sales data yet", className="h5"),
                    html.P(
                        [
                            f"{who} sales: the demo data with ",
                            html.Code("flask --app wsgi data sample"),
                            ", or your own files with ",
                            html.Code("flask --app wsgi data import FILE.csv"),
                            "; then train the first models with ",
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
    title, question = TITLES[state.tab]
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
                    dbc.Col(html.Div(id=ids.MODEL_CARD, className="h-100"), lg=5, className="mb-3"),
                ],
                className="g-3",
            ),
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
