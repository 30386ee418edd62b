"""Malformed callback bodies from a logged-in user with a valid CSRF token: 400, one log line, no trace."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.app.conftest import dash_post

FILTER = "ts-filter"
CONTROLS = {"store": None, "freq": "W", "horizon": 13, "history": 104, "backtest": False}
VIEW_OUTPUTS = [
    ("forecast-graph", "figure"),
    ("forecast-title", "children"),
    ("forecast-note", "children"),
    ("kpi-row", "children"),
    ("model-card", "children"),
    ("breakdown-graph", "figure"),
    ("view-alert", "children"),
    ("breakdown-note", "children"),
    ("export-csv", "disabled"),
    ("export-xlsx", "disabled"),
    ("export-png", "disabled"),
    ("forecast-graph", "style"),
    ("breakdown-list", "children"),
]


def _key(component: Any, prop: str) -> str:
    name = (
        json.dumps(component, sort_keys=True, separators=(",", ":"))
        if isinstance(component, dict)
        else component
    )
    return f"{name}.{prop}"


def _outputs(pairs: list[tuple[Any, str]]) -> dict[str, Any]:
    output = _key(*pairs[0]) if len(pairs) == 1 else ".." + "...".join(_key(c, p) for c, p in pairs) + ".."
    outputs = [{"id": c, "property": p} for c, p in pairs]
    return {"output": output, "outputs": outputs[0] if len(pairs) == 1 else outputs}


def _controls(**changes: Any) -> list[dict[str, Any]]:
    values = {**CONTROLS, **changes}
    return [{"id": {"name": n, "type": FILTER}, "property": "value", "value": v} for n, v in values.items()]


def _view(**changes: Any) -> dict[str, Any]:
    """A body of the forecast view callback with the controls changed."""
    return {
        **_outputs(VIEW_OUTPUTS),
        "inputs": [_controls(**changes)],
        "changedPropIds": [_key({"name": "freq", "type": FILTER}, "value")],
        "state": [],
    }


def _router(pathname: Any = "/store", search: Any = "", inputs: Any = None) -> dict[str, Any]:
    body = {
        **_outputs([("page-content", "children")]),
        "inputs": [{"id": "url", "property": "pathname", "value": pathname}],
        "changedPropIds": ["url.pathname"],
        "state": [{"id": "url", "property": "search", "value": search}],
    }
    if inputs is not None:
        body["inputs"] = inputs
    return body


def _horizon(freq: Any) -> dict[str, Any]:
    horizon = {"name": "horizon", "type": FILTER}
    return {
        **_outputs([(horizon, "options"), (horizon, "value")]),
        "inputs": [{"id": {"name": "freq", "type": FILTER}, "property": "value", "value": freq}],
        "changedPropIds": [_key({"name": "freq", "type": FILTER}, "value")],
        "state": [{"id": "url", "property": "pathname", "value": "/store"}],
    }


def _drill(click: Any) -> dict[str, Any]:
    return {
        **_outputs([("url", "pathname"), ("url", "search"), ({"name": "store", "type": FILTER}, "value")]),
        "inputs": [{"id": "breakdown-graph", "property": "clickData", "value": click}],
        "changedPropIds": ["breakdown-graph.clickData"],
        "state": [_controls()],
    }


def _drill_key(body: dict[str, Any], dash_app) -> dict[str, Any]:
    """Dash keys callbacks with duplicate outputs by a hash suffix: use the registered key."""
    wanted = body["output"].replace("..", "").split(".")[0]
    for key in dash_app.callback_map:
        if key.startswith(f"..{wanted}.pathname@"):
            return {**body, "output": key}
    raise AssertionError("drill-down callback not found")


def _tabs(pathname: Any) -> dict[str, Any]:
    tabs = ("store", "category", "product")
    pairs = [(f"tab-{t}", "href") for t in tabs] + [(f"tab-{t}", "active") for t in tabs]
    return {
        **_outputs(pairs),
        "inputs": [{"id": "url", "property": "pathname", "value": pathname}, _controls()],
        "changedPropIds": ["url.pathname"],
        "state": [{"id": "url", "property": "search", "value": ""}],
    }


def _sync_url(**changes: Any) -> dict[str, Any]:
    return {
        **_outputs([("url", "search")]),
        "inputs": [_controls(**changes)],
        "changedPropIds": [_key({"name": "horizon", "type": FILTER}, "value")],
        "state": [{"id": "url", "property": "search", "value": ""}],
    }


def _products(store: Any) -> dict[str, Any]:
    product = {"name": "product", "type": FILTER}
    return {
        **_outputs([(product, "options"), (product, "value")]),
        "inputs": [
            {"id": {"name": "store", "type": FILTER}, "property": "value", "value": store},
            {"id": {"name": "category", "type": FILTER}, "property": "value", "value": None},
        ],
        "changedPropIds": [_key({"name": "store", "type": FILTER}, "value")],
        "state": [{"id": product, "property": "value", "value": None}],
    }


def _export(**changes: Any) -> dict[str, Any]:
    return {
        **_outputs([("forecast-download", "data")]),
        "inputs": [
            {"id": "export-csv", "property": "n_clicks", "value": 1},
            {"id": "export-xlsx", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["export-csv.n_clicks"],
        "state": [_controls(**changes)],
    }


MALFORMED: dict[str, Any] = {
    "empty body": {},
    "unknown output": {**_router(), "output": "no-such-component.children"},
    "inputs not a list": _router(inputs="x"),
    "pathname a dict": _router(pathname={"a": 1}),
    "horizon not a number": _view(horizon="abc"),
    "unknown granularity": _view(freq="X"),
    "granularity a list": _view(freq=["D"]),
    "history not a number": _view(history="forever"),
    "granularity a dict (horizon options)": _horizon({"code": "D"}),
    "clickData a string (drill-down)": "drill",
    "pathname a list (tab links)": _tabs(["/store"]),
    "horizon not a number (URL sync)": _sync_url(horizon="abc"),
    "store a dict (product options)": _products({"s": 1}),
    "granularity unknown (export)": _export(freq="X"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_callback_input_gets_400_without_traceback(manager_client, dash_app, caplog, case):
    body = MALFORMED[case]
    if body == "drill":
        body = _drill_key(_drill("str"), dash_app)
    manager_client.get("/store")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = dash_post(manager_client, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    refused = [r for r in caplog.records if "malformed callback" in r.getMessage()]
    assert len(refused) == 1 and "\n" not in refused[0].getMessage()


def test_well_formed_bodies_still_answer(manager_client, dash_app):
    """The same builders with valid values: the callbacks answer (the 400s above come from the values)."""
    manager_client.get("/store")
    for body in (_router(), _view(), _horizon("D"), _tabs("/store"), _products(None)):
        response = dash_post(manager_client, body)
        assert response.status_code in (200, 204), (body["output"], response.get_data(as_text=True)[:300])
