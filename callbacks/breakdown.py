"""The breakdown under the chart: the tab's bars (forecast revenue per category, product or store over
the horizon), the same items as keyboard links, and the note on whether the bars add up to the
headline (they do once the levels are reconciled)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from components.figures import empty_figure
from components.forecast_figures import TOP_BARS, breakdown_figure, top_with_others
from components.formatting import format_brl, format_brl_short, periods_text
from components.i18n import N_, _, ngettext
from components.state import Catalogue, ViewState, drill_target, to_query
from models.holder import ModelUnavailableError
from models.series import series_id
from services.forecast_view import ModelSource, breakdown_totals


def breakdown_series(state: ViewState, catalogue: Catalogue) -> tuple[str, dict[str, str], str | None]:
    """Level, ``label -> series id`` and drill target of the tab's breakdown."""
    if state.tab == "store":
        cats = catalogue.store_categories(state.store)
        return (
            "category",
            {c: series_id("category", store=state.store, category=c) for c in cats},
            _("category tab"),
        )
    if state.tab == "category":
        products = catalogue.products(state.category, state.store)
        return (
            "product",
            {p: series_id("product", store=state.store, product=p) for p in products},
            _("product tab"),
        )
    stores = catalogue.stores_carrying(state.product) if state.product else []
    return (
        "product",
        {s: series_id("product", store=s, product=state.product) for s in stores},
        _("store's view"),
    )


def breakdown_view(source: ModelSource, state: ViewState, catalogue: Catalogue) -> tuple[Any, pd.Series]:
    """The breakdown figure of the tab (forecast revenue over the horizon), or an empty-state figure,
    and the totals of every bar (also those left off the figure)."""
    level, series, drill = breakdown_series(state, catalogue)
    try:
        totals = breakdown_totals(source, level, series, freq=state.freq, horizon=state.horizon)
    except ModelUnavailableError:
        return empty_figure(_("No %(level)s model yet.", level=_(level))), pd.Series(dtype=float)
    if totals.empty:
        return empty_figure(_("Nothing to break down for this selection.")), totals
    title = _("Next %(periods)s", periods=periods_text(state.horizon, state.freq))
    return breakdown_figure(totals, title=title, drill=drill), totals


def breakdown_links(totals: pd.Series, state: ViewState) -> html.Div | None:
    """The breakdown as a list of links, largest first, each opening the same view as clicking its bar:
    the drill-down for keyboards and screen readers (a bar of the chart cannot take the focus)."""
    if totals.empty:
        return None
    shown, others = top_with_others(totals)  # the bars of the chart, in its order
    if others:
        shown = shown.iloc[:-1]  # the "Others" bar opens nothing
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
        [
            html.Span(_("Open:") + " ", className="me-1"),
            html.Ul(items, className="list-inline d-inline mb-0"),
        ],
        className="small px-1",
    )


def breakdown_note(
    totals: pd.Series, headline: float | None, state: ViewState, all_stores: str | None = None
) -> str | None:
    """Whether the bars add up to the headline, with both sums.

    Published forecasts are reconciled (``models.reconciliation``): the bars then add up to the headline
    and the note says so. When the levels are served unreconciled (their models have different
    origins, or a snapshot could not be read) each series' forecast is its own, and the note says how
    far the bars' sum is from the headline rather than rescaling the bars: rescaling would make a
    category's bar disagree with the same category's headline on its own tab. No sum is compared on
    the product tab of one store (the bars are the other stores too).
    """
    if totals.empty:
        return None
    if state.tab == "product" and state.store:
        return _("Each bar is this product's own forecast in that store.")
    all_stores = all_stores or _("all stores")
    if headline is None:
        return _(BAR_ALONE[state.tab])
    whole = {
        "store": state.store or all_stores,
        "category": _("%(category)s in %(store)s", category=state.category, store=state.store)
        if state.store
        else state.category,
        "product": all_stores,
    }[state.tab]
    count = len(totals)
    if count > TOP_BARS + 1:
        bars = _(ALL_BARS[state.tab], count=count, top=TOP_BARS)
    else:
        bars = bars_text(state.tab, count)
    total = float(totals.sum())
    if abs(total - headline) < ADD_UP_REAIS:
        return _(BARS_ADD_UP, bars=bars, total=format_brl(total), whole=whole)
    return _(
        BARS_SUM[state.tab],
        bars=bars,
        total=format_brl(float(totals.sum())),
        whole=whole,
        headline=format_brl(headline),
    )


# The breakdown note's words per tab (whole sentences, so each language can order them).
BAR_ALONE = {
    "store": N_("Each category is forecast on its own."),
    "category": N_("Each product is forecast on its own."),
    "product": N_("Each store is forecast on its own."),
}
ALL_BARS = {  # more items than bars: the chart draws the largest and the others together
    "store": N_("all %(count)s categories (the chart shows the %(top)s largest and the others together)"),
    "category": N_("all %(count)s products (the chart shows the %(top)s largest and the others together)"),
    "product": N_("all %(count)s stores (the chart shows the %(top)s largest and the others together)"),
}


def bars_text(tab: str, count: int) -> str:
    """``the one category`` / ``the 6 categories`` in the reader's language: literal ``ngettext`` calls,
    so the catalogue holds them as plural entries (an ``N_`` pair is extracted as two singular
    messages, which ``ngettext`` never finds: the note stayed English in Portuguese)."""
    if tab == "store":
        return ngettext("the one category", "the %(num)s categories", count)
    if tab == "category":
        return ngettext("the one product", "the %(num)s products", count)
    return ngettext("the one store", "the %(num)s stores", count)


ADD_UP_REAIS = 0.5  # sums equal once shown in whole reais (reconciled paths differ by float rounding)
BARS_ADD_UP = N_(
    "The bars add up to the total above: %(bars)s come to %(total)s, the forecast for %(whole)s."
)
BARS_SUM = {
    "store": N_(
        "Each category is forecast on its own, so the bars need not add up to the total above: "
        "%(bars)s come to %(total)s; the forecast for %(whole)s is %(headline)s."
    ),
    "category": N_(
        "Each product is forecast on its own, so the bars need not add up to the total above: "
        "%(bars)s come to %(total)s; the forecast for %(whole)s is %(headline)s."
    ),
    "product": N_(
        "Each store is forecast on its own, so the bars need not add up to the total above: "
        "%(bars)s come to %(total)s; the forecast for %(whole)s is %(headline)s."
    ),
}
