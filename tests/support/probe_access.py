"""Probe groups on access: routes and callbacks without a session, a manager on admin actions, CSRF,
session cookies, API tokens and the login throttle (see ``tests.support.probes``)."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import requests

from tests.support.probes import (
    CALLBACK,
    LOGIN_FAILED,
    THROTTLED,
    Probes,
    ProbeSetup,
    find,
    form_token,
    login,
    post_callback,
    refused,
    view_values,
)


def probe_anonymous(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """Every route and Dash endpoint without a session (public ones answer, the rest refuse)."""
    anon = requests.Session()
    for method, path in ctx["routes"]:
        answer = anon.request(method, s.url + path, allow_redirects=False, timeout=20)
        public = path in ("/login", "/request-access", "/logout", "/healthz") or path.startswith("/assets/")
        location = answer.headers.get("Location", "")
        if public:  # answers without a session (a missing asset is a 404; /logout sends to /login)
            ok = answer.status_code < 500
        else:
            ok = answer.status_code == 401 or (answer.status_code == 302 and "/login" in location)
            if method == "POST" and answer.status_code == 400:
                ok = True  # refused by CSRF before anything ran (still not served)
        out.add("anonymous: routes and Dash endpoints", f"{method} {path}", ok, str(answer.status_code))
    for cb in ctx["callbacks"]:
        answer = post_callback(anon, s.url, cb.body(), csrf=None)
        out.add("anonymous: callbacks", cb.output[:80], refused(answer.status_code), str(answer.status_code))


def probe_health(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """``/healthz`` is minimal; its detail needs an admin."""
    body = requests.get(s.url + "/healthz", timeout=20).json()
    out.add("health", "/healthz says status and versions only", set(body) == {"status", "masters"}, str(body))
    leaked = [w for w in ("pid", "host", "/", "sqlite") if w in json.dumps(body.get("masters", {}))]
    out.add("health", "/healthz names no host, pid or path", not leaked, str(leaked))
    manager = ctx["manager"]
    answer = manager.get(s.url + "/admin/health", allow_redirects=False, timeout=20)
    out.add(
        "health", "/admin/health refused to a manager", answer.status_code == 403, str(answer.status_code)
    )


def probe_manager_admin(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """A manager on every admin route and admin callback: 403; the admin's same request is not."""
    manager, admin = ctx["manager"], ctx["admin"]
    for path in ("/admin/health", "/admin/audit.csv", "/admin/uploads/1/raw", "/admin/models/v1/report.md"):
        answer = manager.get(s.url + path, allow_redirects=False, timeout=20)
        out.add("manager: admin routes", path, answer.status_code == 403, str(answer.status_code))
    admin_callbacks = [cb for cb in ctx["callbacks"] if cb.ids() <= s.admin_ids]
    ctx["admin_callbacks"] = admin_callbacks
    for cb in admin_callbacks:
        answer = post_callback(manager, s.url, cb.body())
        out.add(
            "manager: admin callbacks", cb.output[:80], answer.status_code == 403, str(answer.status_code)
        )
        control = post_callback(admin, s.url, cb.body())
        out.add(
            "admin: same admin callbacks (control)",
            cb.output[:80],
            control.status_code in (200, 204),
            str(control.status_code),
        )


def probe_csrf(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """Callbacks and forms without, with a wrong, or with another session's CSRF token: 400."""
    manager, admin = ctx["manager"], ctx["admin"]
    view = find(ctx["callbacks"], "forecast-graph", "figure")
    body = view.body(view_values("store"))
    for name, token in (
        ("no token", None),
        ("wrong token", "x" * 40),
        ("another session's token", admin.cookies.get("_csrf_token")),
        ("empty token", ""),
    ):
        answer = post_callback(manager, s.url, body, csrf=token)
        out.add("CSRF", f"callback, {name}", answer.status_code == 400, str(answer.status_code))
    forms = {
        "/logout": {},
        "/account/password": {"current": "x", "new": "y", "confirm": "y"},
        "/account/tokens": {"name": "t"},
        "/account/tokens/1/revoke": {},
        "/account/language": {"language": "en"},
    }
    for path, data in forms.items():
        for name, extra in (("no token", {}), ("wrong token", {"csrf_token": "x" * 40})):
            answer = manager.post(s.url + path, data={**data, **extra}, allow_redirects=False, timeout=20)
            out.add("CSRF", f"POST {path}, {name}", answer.status_code == 400, str(answer.status_code))
    fresh = requests.Session()
    fresh.get(s.url + "/login", timeout=20)
    for path in ("/login", "/request-access"):
        answer = fresh.post(s.url + path, data={"username": "x", "password": "y"}, timeout=20)
        out.add("CSRF", f"POST {path}, no token", answer.status_code == 400, str(answer.status_code))


def probe_sessions(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """Tampered, replayed-after-logout and forged session cookies open nothing."""
    http = login(s.url, s.manager)
    cookie = http.cookies.get("session")
    for name, value in (
        ("tampered cookie", cookie[:-3] + ("aaa" if not cookie.endswith("aaa") else "bbb")),
        ("forged unsigned cookie", "eyJfdXNlcl9pZCI6IjEifQ.AAAA.BBBB"),
        ("empty cookie", ""),
    ):
        forged = requests.Session()
        forged.cookies.set("session", value)
        answer = forged.get(s.url + "/_dash-layout", allow_redirects=False, timeout=20)
        out.add("sessions", name, answer.status_code == 401, str(answer.status_code))
    stolen = requests.Session()
    stolen.cookies.set("session", cookie)
    assert stolen.get(s.url + "/_dash-layout", timeout=20).status_code == 200
    http.post(s.url + "/logout", data={"csrf_token": form_token(http, s.url, "/logout")}, timeout=20)
    answer = stolen.get(s.url + "/_dash-layout", allow_redirects=False, timeout=20)
    out.add("sessions", "copy of the cookie after logout", answer.status_code == 401, str(answer.status_code))
    ctx["manager"] = login(s.url, s.manager)  # logging out ended every session of the manager
    next_url = requests.Session().get(
        s.url + "/login?next=https://evil.example/", timeout=20
    )  # the form keeps it; the login must not follow it
    evil = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', evil.get(s.url + "/login", timeout=20).text)
    answer = evil.post(
        s.url + "/login?next=https://evil.example/",
        data={"username": s.manager[0], "password": s.manager[1], "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=20,
    )
    out.add(
        "sessions",
        "login never redirects off-site (?next=https://evil.example/)",
        next_url.status_code == 200 and "evil.example" not in answer.headers.get("Location", ""),
        answer.headers.get("Location", ""),
    )


def probe_tokens(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """API tokens: read the API only; expired, revoked and made-up ones refused; rate-limited."""
    group = "API tokens"
    api = s.url + "/api/forecast?level=store&series=store%3D*&horizon=3"

    def get(path: str, token: str, **kw: Any) -> Any:
        return requests.get(
            path, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False, timeout=30, **kw
        )

    out.add(group, "valid token reads /api/forecast", get(api, s.token).status_code == 200, "")
    out.add(
        group,
        "valid token reads /api/openapi.json",
        get(s.url + "/api/openapi.json", s.token).status_code == 200,
        "",
    )
    view = find(ctx["callbacks"], "forecast-graph", "figure")
    answer = requests.post(
        s.url + CALLBACK,
        json=view.body(view_values("store")),
        headers={"Authorization": f"Bearer {s.token}"},
        timeout=30,
    )
    out.add(
        group,
        "token refused on /_dash-update-component",
        answer.status_code in (400, 401),
        str(answer.status_code),
    )
    for path in (
        "/_dash-layout",
        "/_dash-dependencies",
        "/store",
        "/admin/health",
        "/account/tokens",
        "/admin/audit.csv",
    ):
        answer = get(s.url + path, s.token)
        out.add(group, f"token refused on {path}", refused(answer.status_code), str(answer.status_code))
    for name, token in (
        ("expired", s.expired_token),
        ("revoked", s.revoked_token),
        ("made up", "ts_" + "A" * 43),
        ("not a token", "hello"),
        ("session id as token", ctx["manager"].cookies.get("session", "x")),
    ):
        out.add(group, f"{name} token refused", get(api, token).status_code == 401, "")
    anon = requests.get(s.url + "/api/openapi.json", timeout=20)
    out.add(group, "/api/openapi.json needs login or token", anon.status_code == 401, str(anon.status_code))
    # A burst of the limit + 2 (the token's earlier requests this minute count too): at most the limit
    # answered, whichever worker took each request, and the last ones refused.
    statuses = [get(api, s.token).status_code for _ in range(s.rate_limit + 2)]
    answered = sum(code != 429 for code in statuses)
    ok = answered <= s.rate_limit and statuses[-2:] == [429, 429]
    out.add(group, f"a burst over {s.rate_limit} a minute: the rest 429", ok, f"{answered} answered")


def probe_throttle(out: Probes, s: ProbeSetup, ctx: dict[str, Any]) -> None:
    """20 wrong passwords at once on fresh connections: at most LOGIN_MAX_FAILURES are checked."""
    group = "login throttle"
    target = s.manager[0]
    pages = []
    for _ in range(20):
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(s.url + "/login", timeout=30).text)
        pages.append((http, token.group(1)))
    start = threading.Barrier(20)
    answers: list[str] = []

    def attempt(http: requests.Session, token: str) -> None:
        start.wait()
        r = http.post(
            s.url + "/login", data={"username": target, "password": "wrong", "csrf_token": token}, timeout=60
        )
        answers.append(r.text)

    threads = [threading.Thread(target=attempt, args=pair) for pair in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = sum(LOGIN_FAILED in a for a in answers)
    throttled = sum(THROTTLED in a for a in answers)
    out.add(
        group,
        f"20 concurrent wrong passwords: {checked} checked",
        checked <= s.login_limit,
        f"{throttled} throttled",
    )
    out.add(
        group, "every other attempt answered 'too many'", checked + throttled == 20, f"{checked}+{throttled}"
    )
