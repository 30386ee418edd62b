"""Probe groups on what callbacks answer: malformed bodies (400, never a 500), a scoped manager's
views, exports, searches and API answers, and names with HTML in figures (see ``tests.support.probes``)."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.support.probes import (
    FILTER,
    Callback,
    Probes,
    ProbeSetup,
    figure,
    find,
    post_callback,
    set_input,
    view_values,
)


def _malformed_bodies(cbs: list[Callback]) -> dict[str, tuple[Any, str]]:
    """Issue 16's 14 malformed bodies, and the same kinds of values sent to the later callbacks."""
    router = find(cbs, "page-content", "children")
    view = find(cbs, "forecast-graph", "figure")
    horizon = find(cbs, "horizon", "options")
    tabs = find(cbs, "tab-store", "href")
    sync = find(cbs, "url", "search")
    products = find(cbs, "product", "options")
    export = find(cbs, "forecast-download")
    drill = next(cb for cb in cbs if cb.inputs[0]["id"] == "breakdown-graph")
    bodies: dict[str, tuple[Any, str]] = {
        "empty body": ({}, "user"),
        "unknown output": ({**router.body({"url.pathname": "/store"}), "output": "no-such.children"}, "user"),
        "inputs not a list": ({**router.body(), "inputs": "x"}, "user"),
        "pathname a dict": (router.body({"url.pathname": {"a": 1}}), "user"),
        "horizon not a number": (view.body(view_values("store", horizon="abc")), "user"),
        "unknown granularity": (view.body(view_values("store", freq="X")), "user"),
        "granularity a list": (view.body(view_values("store", freq=["D"])), "user"),
        "history not a number": (view.body(view_values("store", history="forever")), "user"),
        "granularity a dict (horizon options)": (horizon.body({f"{FILTER}.value": None}), "skip"),
        "clickData a string (drill-down)": (drill.body({"breakdown-graph.clickData": "str"}), "user"),
        "pathname a list (tab links)": (
            tabs.body({"url.pathname": ["/store"], **view_values("store")}),
            "user",
        ),
        "horizon not a number (URL sync)": (sync.body(view_values("store", horizon="abc")), "user"),
        "granularity unknown (export)": (export.body(view_values("store", freq="X")), "user"),
    }
    freq_id = json.dumps({"name": "freq", "type": FILTER}, sort_keys=True, separators=(",", ":"))
    body = horizon.body()
    body["inputs"] = [{"id": {"name": "freq", "type": FILTER}, "property": "value", "value": {"code": "D"}}]
    body["changedPropIds"] = [f"{freq_id}.value"]
    bodies["granularity a dict (horizon options)"] = (body, "user")
    body = products.body()
    body["inputs"][0] = {"id": {"name": "store", "type": FILTER}, "property": "value", "value": {"s": 1}}
    bodies["store a dict (product options)"] = (body, "user")
    later = later_malformed_bodies(cbs)
    return {**bodies, **later}


def later_malformed_bodies(cbs: list[Callback]) -> dict[str, tuple[Any, str]]:
    """Malformed values for the callbacks added after the issue (monitoring, search, events, Back):
    ``name -> (body, who sends it: "user" or "admin")``."""
    out: dict[str, tuple[Any, str]] = {}
    try:
        accuracy = find(cbs, "accuracy-graph", "figure")
        out["[new] accuracy card: horizon not a number"] = (
            accuracy.body(view_values("store", horizon="abc")),
            "user",
        )
        out["[new] accuracy card: granularity a list"] = (
            accuracy.body(view_values("store", freq=["D"])),
            "user",
        )
        export = find(cbs, "accuracy-download")
        out["[new] accuracy export: unknown granularity"] = (
            export.body(view_values("store", freq="X")),
            "user",
        )
        out["[new] accuracy export: store a dict"] = (
            export.body(view_values("store", store={"a": 1})),
            "user",
        )
        badges = next(cb for cb in cbs if str(cb.outputs[0][0]).startswith("drift-badge"))
        out["[new] drift badges: pathname a dict"] = (badges.body({"url.pathname": {"a": 1}}), "user")
    except LookupError:
        pass  # monitoring off
    stores = next(cb for cb in cbs if cb.outputs[0][0] == {"name": "store", "type": FILTER})
    body = set_input(stores.body(), "store", "search_value", {"q": 1})
    out["[new] store search: search text a dict"] = (body, "user")
    body = set_input(set_input(stores.body(), "store", "search_value", "Loja"), "store", "value", ["x"])
    out["[new] store search: chosen store a list"] = (body, "user")
    products = next(
        cb
        for cb in cbs
        if cb.outputs[0][0] == {"name": "product", "type": FILTER}
        and any(d["property"] == "search_value" for d in cb.inputs)
    )
    out["[new] product search: search text a list"] = (
        set_input(products.body(), "product", "search_value", ["x"]),
        "user",
    )
    out["[new] product search: store a dict"] = (
        set_input(set_input(products.body(), "product", "search_value", "a"), "store", "value", {"a": 1}),
        "user",
    )
    back = next(
        cb
        for cb in cbs
        if cb.outputs[0] == ("page-content", "children") and cb.inputs[0]["property"] == "search"
    )
    out["[new] Back/Forward: search a dict"] = (
        back.body({"url.search": {"a": 1}, "url.pathname": "/store"}),
        "user",
    )
    out["[new] Back/Forward: horizon not a number"] = (
        back.body({"url.search": "?x=1", "url.pathname": "/store", **view_values("store", horizon="abc")}),
        "user",
    )
    try:
        events = find(cbs, "admin-events-result")
        out["[new] events upload (admin): contents a dict"] = (
            set_input(events.body(), "admin-events-upload", "contents", {"a": 1}),
            "admin",
        )
        out["[new] events upload (admin): file name a list"] = (
            set_input(
                set_input(events.body(), "admin-events-upload", "contents", "data:text/csv;base64,ZGF0ZQ=="),
                "admin-events-upload",
                "filename",
                ["a.csv"],
            ),
            "admin",
        )
    except LookupError:
        pass
    return out


def probe_malformed(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """Malformed callback bodies from logged-in users with valid CSRF tokens: 400, never a 500."""
    for name, (body, who) in _malformed_bodies(ctx["callbacks"]).items():
        if who == "skip":
            continue
        http = ctx["admin"] if who == "admin" else ctx["manager"]
        answer = post_callback(http, s.url, body)
        group = (
            "malformed callbacks (issue's 14)"
            if not name.startswith("[new]")
            else "malformed: later callbacks"
        )
        out.add(group, name, answer.status_code == 400, f"{answer.status_code} {answer.text[:120]}")


def probe_scope(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """A manager limited to one store: every view, export, search, card and API answer is hers only."""
    lucia, cbs = ctx["scoped"], ctx["callbacks"]
    group = "store scope (scoped manager)"
    view = find(cbs, "forecast-graph", "figure")
    answer = post_callback(lucia, s.url, view.body(view_values("store", store=s.other)))
    text = answer.text
    ok = (
        answer.status_code == 200
        and "not available to you" in text
        and not figure(answer, "forecast-graph")["data"]
    )
    out.add(group, "view callback: another store is not available", ok, text[:160])
    answer = post_callback(lucia, s.url, view.body(view_values("store")))
    title = answer.json()["response"]["forecast-title"]["children"]
    out.add(
        group, "view callback: all stores become 'My stores'", "My stores" in str(title), str(title)[:120]
    )
    answer = post_callback(lucia, s.url, view.body(view_values("product", product=s.product)))
    bars = figure(answer, "breakdown-graph")["data"]
    labels = bars[0].get("customdata", []) if bars else []
    out.add(group, "product tab: 'by store' bars are her store only", list(labels) == [s.mine], str(labels))
    events = json.dumps(
        figure(post_callback(lucia, s.url, view.body(view_values("store"))), "forecast-graph")
    )
    out.add(group, "events of another store are not marked on her chart", s.other_event not in events, "")
    for label, output in (
        ("forecast export", "forecast-download"),
        ("forecast-vs-actual export", "accuracy-download"),
    ):
        try:
            cb = find(cbs, output)
        except LookupError:
            continue
        answer = post_callback(lucia, s.url, cb.body(view_values("store", store=s.other)))
        # no file: 204, or Dash's answer without outputs (no_update of a single output)
        ok = answer.status_code == 204 or (answer.status_code == 200 and not answer.json()["response"])
        out.add(
            group, f"{label}: another store gives no file", ok, f"{answer.status_code} {answer.text[:300]}"
        )
        mine = post_callback(lucia, s.url, cb.body(view_values("store")))
        ok = mine.status_code in (200, 204) and s.other not in mine.text
        out.add(group, f"{label}: 'my stores' names no other store", ok, str(mine.status_code))
    try:
        card = find(cbs, "accuracy-graph", "figure")
        answer = post_callback(lucia, s.url, card.body(view_values("store", store=s.other)))
        style = answer.json()["response"]["accuracy-card"]["style"]
        out.add(
            group,
            "forecast-vs-actual card: another store is hidden",
            style == {"display": "none"},
            str(style),
        )
    except LookupError:
        pass
    stores = next(cb for cb in cbs if cb.outputs[0][0] == {"name": "store", "type": FILTER})
    body = set_input(stores.body(), "store", "search_value", "Loja")
    answer = post_callback(lucia, s.url, body)
    out.add(
        group,
        "store search lists her store only",
        s.other not in answer.text and s.mine in answer.text,
        answer.text[:160],
    )
    products = next(
        cb
        for cb in cbs
        if cb.outputs[0][0] == {"name": "product", "type": FILTER}
        and any(d["property"] == "search_value" for d in cb.inputs)
    )
    body = set_input(set_input(products.body(), "product", "search_value", "a"), "store", "value", s.other)
    answer = post_callback(lucia, s.url, body)
    response = answer.json()["response"] if answer.status_code == 200 else {}
    opts = next(iter(response.values()), {}).get("options") if response else None
    out.add(group, "product search in another store finds nothing", opts == [], str(opts)[:120])
    options = find(cbs, "product", "options")
    body = options.body({"store.value": s.other, "category.value": None, "product.value": None})
    answer = post_callback(lucia, s.url, body)
    listed = next(iter(answer.json()["response"].values()), {}).get("options") if answer.ok else None
    out.add(group, "product menu of another store lists nothing", listed == [], str(listed)[:120])
    router = find(cbs, "page-content", "children")
    answer = post_callback(
        lucia, s.url, router.body({"url.pathname": "/store", "url.search": f"?store={s.other}"})
    )
    out.add(
        group, "a link to another store says it is not available", "not available to you" in answer.text, ""
    )
    out.add(
        group,
        "...and its store menu does not list it",
        f'"value": "{s.other}"' not in answer.text.replace('":"', '": "'),
        "",
    )
    for who, http, headers in (
        ("session", lucia, {}),
        ("token", requests.Session(), {"Authorization": f"Bearer {s.token}"}),
    ):
        for series, expected in ((f"store={s.other}", 403), (f"store={s.mine}", 200), ("store=*", 200)):
            answer = http.get(
                s.url + "/api/forecast",
                params={"level": "store", "series": series, "horizon": 3},
                headers=headers,
                timeout=30,
            )
            out.add(
                group,
                f"API by {who}: {series} -> {expected}",
                answer.status_code == expected,
                str(answer.status_code),
            )
        mine = http.get(
            s.url + "/api/forecast",
            params={"level": "store", "series": f"store={s.mine}", "horizon": 3},
            headers=headers,
            timeout=30,
        ).json()
        together = http.get(
            s.url + "/api/forecast",
            params={"level": "store", "series": "store=*", "horizon": 3},
            headers=headers,
            timeout=30,
        ).json()
        same = [r["forecast"] for r in mine["rows"]] == [r["forecast"] for r in together["rows"]]
        out.add(group, f"API by {who}: all stores = the sum of hers", same, "")


def probe_markup(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """Names with HTML (a store, an event) are text in every figure: no ``<a`` reaches Plotly."""
    group = "names with HTML in figures"
    admin, cbs = ctx["admin"], ctx["callbacks"]
    view = find(cbs, "forecast-graph", "figure")
    for tab, values in (
        ("store", view_values("store", store=s.markup_store)),
        ("store (all)", view_values("store")),
        ("product", view_values("product", product=s.product)),
    ):
        answer = post_callback(admin, s.url, view.body(values))
        figures = json.dumps([figure(answer, "forecast-graph"), figure(answer, "breakdown-graph")])
        drawn = json.dumps(
            [
                {k: v for k, v in trace.items() if k != "customdata"}
                for fig in json.loads(figures)
                for trace in fig.get("data", [])
            ]
            + [fig.get("layout", {}) for fig in json.loads(figures)]
        )
        out.add(
            group, f"{tab} view: no <a in drawn text", answer.status_code == 200 and "<a" not in drawn, ""
        )
    try:
        card = find(cbs, "accuracy-graph", "figure")
        answer = post_callback(admin, s.url, card.body(view_values("store", store=s.markup_store)))
        out.add(
            group,
            "forecast-vs-actual figure: no <a",
            "<a" not in json.dumps(figure(answer, "accuracy-graph")),
            "",
        )
    except LookupError:
        pass
    answer = post_callback(admin, s.url, view.body(view_values("store")))
    drawn = json.dumps(figure(answer, "forecast-graph"))
    out.add(group, "event marker with HTML is escaped", "&lt;a" in drawn and "<a" not in drawn, "")
    overview = find(cbs, "admin-summary", "children")
    answer = post_callback(admin, s.url, overview.body())
    graphs = list(_figures_in(answer.json()["response"]["admin-data-status"]["children"]))
    drawn = json.dumps([{k: v for k, v in t.items() if k != "customdata"} for g in graphs for t in g["data"]])
    drawn += json.dumps([g.get("layout", {}) for g in graphs])
    ok = bool(graphs) and "&lt;a" in drawn and "<a" not in drawn
    out.add(group, "admin reporting chart: store names are text", ok, f"{len(graphs)} figures")


def _figures_in(tree: Any) -> Any:
    """Every Plotly figure inside a rendered Dash component tree."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if isinstance(props.get("figure"), dict):
            yield props["figure"]
        for value in (*props.values(), *(v for k, v in tree.items() if k != "props")):
            yield from _figures_in(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _figures_in(item)
