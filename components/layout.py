"""The page frame: navbar with the user, tab navigation by URL, and the page container."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.i18n import N_, _, language
from components.monitoring import drift_badge
from data.i18n import LANGUAGE_NAMES, LANGUAGES, html_lang

TABS = (
    ("store", N_("Store"), "bi-shop"),
    ("category", N_("Category"), "bi-tags"),
    ("product", N_("Product"), "bi-box-seam"),
)
ADMIN_TAB = ("admin", N_("Admin"), "bi-gear")
LANGUAGE_CODES = {"pt_BR": "PT", "en": "EN"}
ROLE_NAMES = {"admin": N_("admin"), "manager": N_("manager")}
BRAND_COLOR = "primary"


def logout_form(csrf_token: str) -> html.Form:
    """The navbar's "Log out": a POST with the CSRF token (a plain link could be followed from anywhere)."""
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token, id="nav-logout-token"),
            html.Button(
                [html.I(className="bi bi-box-arrow-right me-1"), _("Log out")],
                type="submit",
                className="btn btn-link btn-sm link-light p-0 ms-3 align-baseline",
                id="nav-logout",
            ),
        ],
        method="POST",
        action="/logout",
        className="d-inline m-0",
    )


def language_form(csrf_token: str) -> html.Form:
    """The navbar's language switch: a POST (with the CSRF token) that saves the user's choice. It
    offers the other language by its short code (``EN`` / ``PT``, narrow enough for a phone's bar),
    named in full (with the code shown) for screen readers and as a tooltip."""
    current = language()
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token, id="nav-language-token"),
            *[
                html.Button(
                    [html.I(className="bi bi-translate me-1"), LANGUAGE_CODES[code]],
                    type="submit",
                    name="language",
                    value=code,
                    lang=html_lang(code),
                    title=LANGUAGE_NAMES[code],
                    # the name starts with the visible code (WCAG 2.5.3; axe label-content-name-mismatch)
                    **{"aria-label": f"{LANGUAGE_CODES[code]}, {LANGUAGE_NAMES[code]}"},
                    className="btn btn-link btn-sm link-light p-0 align-baseline",
                    id=f"nav-language-{code}",
                )
                for code in LANGUAGES
                if code != current
            ],
        ],
        method="POST",
        action="/account/language",
        className="d-inline m-0 ms-3",
        id="nav-language-form",
    )


def navbar(username: str, role: str, csrf_token: str) -> dbc.Navbar:
    """Top bar: product name, who is logged in with which role, password link and logout button."""
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([html.I(className="bi bi-graph-up-arrow me-2"), "Trend Sales"], href="/"),
                html.Div(
                    [
                        html.Span([html.I(className="bi bi-person-circle me-1"), username], id="nav-user"),
                        dbc.Badge(
                            _(ROLE_NAMES.get(role, role)),
                            color="light",
                            text_color="dark",
                            className="ms-2",
                            id="nav-role",
                        ),
                        html.A(_("Password"), href="/account/password", className="ms-3 link-light small"),
                        html.A(
                            _("API tokens"),
                            href="/account/tokens",
                            className="ms-3 link-light small",
                            id="nav-tokens",
                        ),
                        language_form(csrf_token),
                        logout_form(csrf_token),
                    ],
                    className="d-flex align-items-center text-white",
                ),
            ],
            fluid=True,
        ),
        color=BRAND_COLOR,
        dark=True,
        className="mb-3",
    )


def tab_nav(is_admin: bool) -> dbc.Nav:
    """Tabs as links, so each tab has its own URL (/store, /category, /product, /admin)."""
    tabs = [*TABS, ADMIN_TAB] if is_admin else list(TABS)
    return dbc.Nav(
        [
            dbc.NavItem(
                dbc.NavLink(
                    [
                        html.I(className=f"bi {icon} me-1"),
                        _(label),
                        drift_badge(key) if key != "admin" else None,
                    ],
                    href=f"/{key}",
                    active="exact",  # the forecast tabs' links are kept up to date by a callback
                    id=ids.tab_link(key),
                )
            )
            for key, label, icon in tabs
        ],
        pills=False,
        className="nav-tabs mb-3",
        id=ids.NAV,
    )


def page_frame(username: str, role: str, is_admin: bool, csrf_token: str = "") -> html.Div:
    """The whole page for a logged-in user; the tab content is filled in by the navigation callback."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            navbar(username, role, csrf_token),
            dbc.Container([tab_nav(is_admin), html.Div(id=ids.PAGE)], fluid=True),
        ]
    )


def placeholder_page(title: str, text: str) -> html.Div:
    """A tab whose content arrives in a later release: says so plainly."""
    return html.Div([html.H2(title, className="h4"), dbc.Alert(text, color="secondary")])


def not_found_page(path: str) -> html.Div:
    """Content for an unknown path."""
    return dbc.Alert(
        [
            _("There is no page at %(path)s.", path=path) + " ",
            html.A(_("Go to the store tab."), href="/store"),
        ],
        color="warning",
    )
