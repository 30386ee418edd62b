"""The state of a forecast view and its URL query string (``?store=…&freq=W&horizon=13``).

A view is fully described by its query string, so it can be bookmarked and shared. Parsing never
raises on a bad link: unknown or malformed values fall back to defaults and are reported as
problems the page shows to the user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from components.formatting import FREQ_TEXT
from components.i18n import N_, _
from data.carried import CarriedIndex
from data.frequency import FREQUENCIES, coarser_or_equal
from data.reporting import Reporting

TABS = ("store", "category", "product")
ALL = "__all__"
HISTORY_CHOICES = {
    91: N_("3 months"),
    182: N_("6 months"),
    365: N_("1 year"),
    730: N_("2 years"),
    0: N_("All"),
}
DEFAULT_HISTORY = 365
TRUE_WORDS = {"1", "true", "on", "yes"}


@dataclass(frozen=True)
class Catalogue:
    """What exists in the sales data: stores, categories, each product's category, what each store carries."""

    stores: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    product_category: Mapping[str, str] = field(default_factory=dict)
    carried: Mapping[str, frozenset[str]] = field(default_factory=dict)
    freq: str | None = None
    last_date: dt.date | None = None  # the newest stored sales date
    reporting: Reporting | None = None  # up to when each store has reported (None: not read)
    scoped: bool = False  # True when limited to one user's stores ("All stores" means "my stores")

    def __post_init__(self) -> None:
        if not isinstance(self.carried, CarriedIndex):  # kept compact whatever the caller passed
            object.__setattr__(self, "carried", CarriedIndex.from_mapping(self.carried))

    @property
    def all_stores_label(self) -> str:
        """What the stores together are called: ``All stores``, or ``My stores`` for a scoped user."""
        return _("My stores") if self.scoped else _("All stores")

    def within(self, stores: frozenset[str] | None) -> Catalogue:
        """The catalogue as a user limited to ``stores`` sees it (itself for None: every store)."""
        if stores is None:
            return self
        carried = {s: self.carried[s] for s in sorted(stores) if s in self.carried}
        products = set().union(*carried.values()) if carried else set()
        product_category = {p: c for p, c in self.product_category.items() if p in products}
        return replace(
            self,
            stores=tuple(s for s in self.stores if s in stores),
            categories=tuple(c for c in self.categories if c in set(product_category.values())),
            product_category=product_category,
            carried=carried,
            reporting=self.reporting.within(stores) if self.reporting is not None else None,
            scoped=True,
        )

    @property
    def empty(self) -> bool:
        """True when there are no sales at all."""
        return not self.stores

    def products(self, category: str | None = None, store: str | None = None) -> list[str]:
        """Products, sorted; only those of ``category`` and/or carried by ``store`` when given."""
        names = self.carried.get(store, frozenset()) if store else self.product_category.keys()
        return sorted(p for p in names if category is None or self.product_category.get(p) == category)

    def store_categories(self, store: str | None) -> list[str]:
        """Categories sold in ``store`` (all categories for all stores)."""
        if not store:
            return list(self.categories)
        return sorted(
            {self.product_category[p] for p in self.carried.get(store, ()) if p in self.product_category}
        )

    def stores_carrying(self, product: str) -> list[str]:
        """Stores that sell ``product`` (in the catalogue's order)."""
        carrying = set(self.carried.stores_with(product))
        return [s for s in self.stores if s in carrying]

    def carries(self, store: str, product: str | None) -> bool:
        """True when ``store`` sells ``product`` (no set of the store's products built)."""
        return product is not None and self.carried.carries(store, product)


@dataclass(frozen=True)
class ViewState:
    """Everything that defines one forecast view; ``None`` store means all stores together."""

    tab: str
    store: str | None = None
    category: str | None = None
    product: str | None = None
    freq: str = "W"
    horizon: int = 13
    history: int = DEFAULT_HISTORY
    backtest: bool = False


def freq_choices(data_freq: str | None) -> list[str]:
    """Display granularities for data of ``data_freq``: its own and coarser (quarterly only for M/Q data)."""
    coarser = list(coarser_or_equal(data_freq if data_freq in FREQUENCIES else "D"))
    return coarser if data_freq in ("M", "Q") else [f for f in coarser if f != "Q"]


def default_freq(data_freq: str | None) -> str:
    """Weekly for daily data (readable, still detailed), otherwise the data's own frequency."""
    return "W" if data_freq in (None, "D") else data_freq


def max_preset(freq: str) -> int:
    """The longest preset horizon of ``freq`` (the limit of a view when no model says otherwise)."""
    return max(FREQ_TEXT[freq].horizon_presets)


def page_of(pathname: str | None) -> str:
    """The page a URL path names, without slashes: ``/category`` is ``category``; ``/`` is the store tab."""
    return (pathname or "/").strip("/") or "store"


def tab_of(pathname: str | None) -> str:
    """The forecast tab a URL path names; the store tab for any other page (``/admin``)."""
    tab = page_of(pathname).split("/")[0]
    return tab if tab in TABS else "store"


def horizon_options(freq: str, max_horizon: int, current: int | None = None) -> list[int]:
    """Preset horizons of ``freq`` up to ``max_horizon``, plus ``current`` when it is a valid other value."""
    values = [h for h in FREQ_TEXT[freq].horizon_presets if h <= max_horizon] or [max_horizon]
    if current is not None and 1 <= current <= max_horizon and current not in values:
        values = sorted([*values, current])
    return values


def _first(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key)
    return values[0].strip() if values and values[0].strip() else None


def _int(raw: str | None, name: str, problems: list[str]) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(
            _(
                "Ignored %(name)s=%(value)s in the link: it must be a whole number.",
                name=name,
                value=repr(raw),
            )
        )
        return None


def parse_query(
    search: str | None,
    tab: str,
    catalogue: Catalogue,
    max_horizons: Mapping[str, int] | None = None,
) -> tuple[ViewState, list[str]]:
    """The view named by ``search`` on ``tab``, checked against the catalogue, and the problems found.

    ``max_horizons`` maps each display frequency to the longest horizon served (from the model);
    without it the presets bound the horizon.
    """
    if tab not in TABS:
        raise ValueError(f"unknown tab {tab!r}; expected one of {', '.join(TABS)}")
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    problems: list[str] = []

    store = _first(params, "store")
    if store in (None, "all", ALL):
        store = None
    elif store not in catalogue.stores and catalogue.scoped:
        problems.append(
            _("The store %(store)s is not available to you; showing your stores.", store=repr(store))
        )
        store = None
    elif store not in catalogue.stores:
        problems.append(_("Unknown store %(store)s in the link; showing all stores.", store=repr(store)))
        store = None

    category = _first(params, "category") if tab != "store" else None
    if category in ("all", ALL):
        category = None
    if category is not None and category not in catalogue.categories:
        problems.append(_("Unknown category %(category)s in the link.", category=repr(category)))
        category = None
    if tab == "category" and category is None:
        available = catalogue.store_categories(store) or list(catalogue.categories)
        category = available[0] if available else None

    product = _first(params, "product") if tab == "product" else None
    if product is not None and product not in catalogue.product_category:
        problems.append(_("Unknown product %(product)s in the link.", product=repr(product)))
        product = None
    if tab == "product" and product is None:
        available = catalogue.products(category, store) or catalogue.products(category)
        product = available[0] if available else None
    if tab == "product" and product and category and catalogue.product_category.get(product) != category:
        actual = catalogue.product_category.get(product)
        problems.append(
            _(
                "%(product)s is a %(actual)s product, not %(category)s: showing it under %(actual)s.",
                product=repr(product),
                actual=actual,
                category=category,
            )
        )
        category = actual

    choices = freq_choices(catalogue.freq)
    freq = _first(params, "freq")
    if freq is not None and freq.upper() not in choices:
        problems.append(
            _(
                "Ignored freq=%(freq)s in the link; choose one of %(choices)s.",
                freq=repr(freq),
                choices=", ".join(choices),
            )
        )
        freq = None
    freq = freq.upper() if freq else default_freq(catalogue.freq)

    limit = (max_horizons or {}).get(freq) or max_preset(freq)
    horizon = _int(_first(params, "horizon"), "horizon", problems)
    if horizon is not None and not 1 <= horizon <= limit:
        problems.append(
            _(
                "Ignored horizon=%(horizon)s in the link: it must be between 1 and %(limit)s.",
                horizon=horizon,
                limit=limit,
            )
        )
        horizon = None
    if horizon is None:
        horizon = min(FREQ_TEXT[freq].default_horizon, limit)

    history = _int(_first(params, "history"), "history", problems)
    if history is not None and history not in HISTORY_CHOICES:
        problems.append(
            _(
                "Ignored history=%(history)s in the link; choose one of %(choices)s days (0 = all).",
                history=history,
                choices=", ".join(str(d) for d in HISTORY_CHOICES),
            )
        )
        history = None
    backtest = (_first(params, "backtest") or "").lower() in TRUE_WORDS
    state = ViewState(
        tab=tab,
        store=store,
        category=category,
        product=product,
        freq=freq,
        horizon=horizon,
        history=DEFAULT_HISTORY if history is None else history,
        backtest=backtest,
    )
    return state, problems


def to_query(state: ViewState) -> str:
    """The query string of ``state`` (``?store=…&freq=W&horizon=13&history=365``); stable key order."""
    pairs: list[tuple[str, str]] = []
    if state.store:
        pairs.append(("store", state.store))
    if state.tab != "store" and state.category:
        pairs.append(("category", state.category))
    if state.tab == "product" and state.product:
        pairs.append(("product", state.product))
    pairs += [("freq", state.freq), ("horizon", str(state.horizon)), ("history", str(state.history))]
    if state.backtest:
        pairs.append(("backtest", "1"))
    return "?" + urlencode(pairs)


# Filters that mean the same on every forecast tab; the category also carries over to the product tab.
SHARED_KEYS = ("store", "freq", "horizon", "history")


def tab_links(pathname: str | None, search: str | None) -> dict[str, str]:
    """Href of each forecast tab that keeps the current view's shared filters when switching tabs.

    Why: a manager who picked a store and a granularity expects the next tab to show the same store.
    The target tab validates the values again (an unknown value falls back with a notice).
    """
    current = page_of(pathname)
    query = parse_qs((search or "").lstrip("?"))
    carries_category = current in ("category", "product")
    links = {}
    for tab in TABS:
        keys = [*SHARED_KEYS, *(["category"] if carries_category and tab != "store" else [])]
        pairs = [(key, query[key][0]) for key in keys if key in query]
        links[tab] = f"/{tab}" + (f"?{urlencode(pairs)}" if pairs else "")
    return links


def state_from_controls(values: Mapping[str, object]) -> ViewState:
    """The view described by the filter controls on a page (``name -> value``; the tab is implied).

    The product control exists only on the product tab and the category control only on the
    category and product tabs, so the present controls name the tab.
    """
    tab = "product" if "product" in values else "category" if "category" in values else "store"

    def text(name: str) -> str | None:
        value = values.get(name)
        return None if value in (None, "", ALL) else str(value)

    freq = text("freq") or "W"
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown granularity {freq!r}; expected one of {', '.join(FREQUENCIES)}")
    horizon = values.get("horizon")
    history = values.get("history")
    return ViewState(
        tab=tab,
        store=text("store"),
        category=text("category"),
        product=text("product"),
        freq=freq,
        horizon=int(horizon) if horizon not in (None, "") else FREQ_TEXT[freq].default_horizon,
        history=int(history) if history not in (None, "") else DEFAULT_HISTORY,
        backtest=bool(values.get("backtest")),
    )


def drill_state(state: ViewState, target_tab: str, **filters: str | None) -> ViewState:
    """The view after a drill-down: same store, granularity, horizon and history on ``target_tab``."""
    return replace(state, tab=target_tab, **filters)


DRILL_PATHS = {"store": "/category", "category": "/product", "product": "/product"}


def drill_target(state: ViewState, label: str) -> tuple[str, ViewState]:
    """Where the breakdown item ``label`` leads (a bar clicked, or its link in the list beside the chart):
    (path, view) with the filters set."""
    if state.tab == "store":
        return DRILL_PATHS["store"], drill_state(state, "category", category=label, product=None)
    if state.tab == "category":
        return DRILL_PATHS["category"], drill_state(state, "product", product=label)
    return DRILL_PATHS["product"], drill_state(state, "product", store=label)
