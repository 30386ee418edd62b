"""Hostile-user probes against a running Trend Sales server (issue 16's closing table).

Each probe sends what an anonymous visitor, a manager, a scoped manager or a stolen/expired API token
could send — over real HTTP — and checks that the server answers as it should (refused, 400 without
a traceback, only the caller's stores). ``run_probes`` returns one ``Probe`` per request so a caller
can count them per group: ``bench/probe_security.py`` prints the table; ``tests/app/test_probes_live.py``
asserts that none went wrong. This module holds the plumbing; the groups are in ``probe_access``
(routes, roles, CSRF, sessions, tokens, throttle) and ``probe_views`` (malformed bodies, store scope,
markup), run in order by ``probe_suite.run_probes``.

The probes need the accounts, tokens and events of ``ProbeSetup`` (``bench/probe_security.py`` makes
them on a trained demo instance). Callback bodies are built from the server's own
``/_dash-dependencies``, so every registered callback is covered without listing them by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

CALLBACK = "/_dash-update-component"
FILTER = "ts-filter"
LOGIN_FAILED = "Wrong user name or password"
THROTTLED = "Too many failed attempts"


@dataclass(frozen=True)
class ProbeSetup:
    """What the probes know about the instance: accounts, the stores, tokens, events, admin ids."""

    url: str
    admin: tuple[str, str]
    manager: tuple[str, str]  # every store
    scoped: tuple[str, str]  # limited to ``mine``
    mine: str
    other: str
    markup_store: str  # a store named with HTML
    token: str  # the scoped manager's valid token
    expired_token: str
    revoked_token: str
    other_event: str  # an event of ``other`` only: never on the scoped manager's charts
    markup_event: str  # a chain-wide event named with HTML
    admin_ids: frozenset[str]  # component ids of the admin page
    product: str  # a product sold in every store (the product tab's "by store" breakdown)
    rate_limit: int  # the server's API_RATE_PER_MINUTE
    login_limit: int  # the server's LOGIN_MAX_FAILURES


@dataclass(frozen=True)
class Probe:
    """One request tried and whether the server answered as it should."""

    group: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Probes:
    """The probes run so far."""

    items: list[Probe] = field(default_factory=list)

    def add(self, group: str, name: str, ok: bool, detail: str = "") -> None:
        """Record one probe."""
        self.items.append(Probe(group, name, bool(ok), detail[:300]))

    def table(self) -> list[tuple[str, int, int]]:
        """``(group, tried, refused or answered correctly)`` per group, in the order first seen."""
        groups = dict.fromkeys(p.group for p in self.items)
        return [
            (g, sum(p.group == g for p in self.items), sum(p.group == g and p.ok for p in self.items))
            for g in groups
        ]

    def wrong(self) -> list[Probe]:
        """The probes the server answered wrongly."""
        return [p for p in self.items if not p.ok]


# --- sessions --------------------------------------------------------------------------------------


def login(url: str, user: tuple[str, str]) -> requests.Session:
    """A session logged in through the real form (its CSRF token), with the page's CSRF cookie."""
    http = requests.Session()
    page = http.get(url + "/login", timeout=20).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = http.post(
        url + "/login",
        data={"username": user[0], "password": user[1], "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {user[0]} failed: {answer.status_code}")
    http.get(url + "/store", timeout=20)  # sets the _csrf_token cookie Dash echoes
    return http


def post_callback(http: requests.Session, url: str, body: Any, *, csrf: str | None = "cookie") -> Any:
    """POST a callback body as the renderer does (``X-CSRFToken`` from the cookie unless overridden)."""
    headers = {}
    if csrf == "cookie":
        headers["X-CSRFToken"] = http.cookies.get("_csrf_token", "")
    elif csrf is not None:
        headers["X-CSRFToken"] = csrf
    return http.post(url + CALLBACK, json=body, headers=headers, timeout=60)


def form_token(http: requests.Session, url: str, path: str) -> str:
    """The CSRF token of a server-rendered form page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url + path, timeout=20).text).group(1)


# --- callback bodies from /_dash-dependencies -------------------------------------------------------


def _split_output(output: str) -> list[tuple[Any, str]]:
    """``(id, property)`` pairs of a dependencies ``output`` key (single or ``..a.p...b.q..``)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    pairs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        prop = prop.split("@", 1)[0]
        pairs.append((json.loads(ident) if ident.startswith("{") else ident, prop))
    return pairs


def _entry(dep: dict[str, Any], values: dict[str, Any]) -> Any:
    """The renderer's ``{id, property, value}`` for one input or state (a list for an ALL pattern).

    ``values``: filter-control name -> value for the ALL pattern of the forecast tabs' filters, and
    ``id.property`` -> value for the rest (a dict id is named by its ``name``)."""
    ident = dep["id"]
    if isinstance(ident, str) and ident.startswith("{"):
        pattern = json.loads(ident)
        if ["ALL"] in pattern.values():
            if pattern.get("type") != FILTER:
                return []
            return [
                {"id": {"name": name, "type": FILTER}, "property": dep["property"], "value": value}
                for name, value in values.items()
                if "." not in name
            ]
        key = f"{pattern.get('name')}.{dep['property']}"
        return {"id": pattern, "property": dep["property"], "value": values.get(key)}
    return {"id": ident, "property": dep["property"], "value": values.get(f"{ident}.{dep['property']}")}


@dataclass(frozen=True)
class Callback:
    """One server callback as the dependencies list describes it."""

    output: str
    outputs: list[tuple[Any, str]]
    inputs: list[dict[str, Any]]
    state: list[dict[str, Any]]

    def ids(self) -> set[str]:
        """The plain component ids of its outputs."""
        return {str(i) if not isinstance(i, dict) else json.dumps(i) for i, _ in self.outputs}

    def body(self, values: dict[str, Any] | None = None, changed: str | None = None) -> dict[str, Any]:
        """A request body the renderer could send; ``values``: ``id.prop`` or filter name -> value."""
        values = values or {}
        filters = {k: v for k, v in values.items() if "." not in k}
        plain = {k: v for k, v in values.items() if "." in k}
        outs = [{"id": i, "property": p} for i, p in self.outputs]
        first = self.inputs[0]
        return {
            "output": self.output,
            "outputs": outs[0] if len(outs) == 1 else outs,
            "inputs": [
                _entry(d, {**plain, **filters} if "{" in str(d["id"]) else plain) for d in self.inputs
            ],
            "state": [_entry(d, {**plain, **filters} if "{" in str(d["id"]) else plain) for d in self.state],
            "changedPropIds": [changed or f"{first['id']}.{first['property']}"],
        }


def callbacks_from(dependencies: list[dict[str, Any]]) -> list[Callback]:
    """The server callbacks of a ``/_dash-dependencies`` answer (clientside ones are left out)."""
    return [
        Callback(d["output"], _split_output(d["output"]), d["inputs"], d.get("state", []))
        for d in dependencies
        if not d.get("clientside_function")
    ]


def server_callbacks(http: requests.Session, url: str) -> list[Callback]:
    """Every callback that runs on the server, as the page's dependencies list describes them."""
    return callbacks_from(http.get(url + "/_dash-dependencies", timeout=20).json())


def find(callbacks: Iterable[Callback], output_id: str, prop: str | None = None) -> Callback:
    """The callback whose first output is ``output_id`` (and ``prop``)."""
    for cb in callbacks:
        ident, p = cb.outputs[0]
        if ident == output_id and (prop is None or p == prop):
            return cb
        if isinstance(ident, dict) and ident.get("name") == output_id and (prop is None or p == prop):
            return cb
    raise LookupError(f"no callback writes {output_id}.{prop}")


VIEW = {"store": None, "freq": "W", "horizon": 13, "history": 104, "backtest": False}


def view_values(tab: str, **changes: Any) -> dict[str, Any]:
    """Filter-control values of a forecast tab (the view callbacks' ALL-pattern input)."""
    values = dict(VIEW)
    if tab == "product":
        values.update(category=None, product=None)
    values.update(changes)
    return values


# --- small helpers of the probe groups --------------------------------------------------------------


def refused(status: int) -> bool:
    """An anonymous request refused: 401, or a redirect to the login page."""
    return status in (401, 302)


def set_input(body: dict[str, Any], name: str, prop: str, value: Any) -> dict[str, Any]:
    """Set ``value`` on every input/state entry of ``body`` for component ``name`` (a plain id, or a
    pattern id's ``name``) and ``prop``; returns the body."""
    for entry in body["inputs"] + body["state"]:
        items = entry if isinstance(entry, list) else [entry]
        for item in items:
            ident = item["id"]
            if (ident == name or (isinstance(ident, dict) and ident.get("name") == name)) and item[
                "property"
            ] == prop:
                item["value"] = value
    return body


def figure(answer: Any, output: str, prop: str = "figure") -> dict[str, Any]:
    """The figure a callback answer wrote to ``output``."""
    return answer.json()["response"][output][prop]
