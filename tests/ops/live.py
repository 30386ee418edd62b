"""Helpers for the multi-process ops tests: a gunicorn on the fast-training app, a logged-in client,
and per-worker /healthz polling. Built on ``tests.support.live_server`` (conditions, never sleeps)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import psutil

from tests.support.live_server import LiveServer, start_server, wait_for


def start_ops_server(env: dict[str, str], *, workers: int = 2, timeout: float = 60) -> LiveServer:
    """Start gunicorn (project config, ``workers`` workers) on ``wsgi``; wait until every worker answers."""
    return start_server(
        env,
        workers=workers,
        timeout=timeout,
        ready=lambda server: len(worker_pids(server)) == workers,
    )


def worker_pids(server: LiveServer) -> set[int]:
    """Pids of the gunicorn master's direct children (its workers, not their training children)."""
    try:
        return {child.pid for child in psutil.Process(server.process.pid).children(recursive=False)}
    except psutil.NoSuchProcess:
        return set()


def health(server: LiveServer) -> dict[str, Any]:
    """One /healthz answer (from whichever worker accepted the connection)."""
    status, body = server.get("/healthz", timeout=5)
    assert status == 200, body
    return json.loads(body)


def wait_all_workers(server: LiveServer, condition: Any, *, timeout: float, what: str) -> dict[int, dict]:
    """Poll /healthz until every worker pid has answered with ``condition(answer)`` true."""
    pids = worker_pids(server)
    good: dict[int, dict] = {}

    def check() -> bool:
        answer = health(server)
        if condition(answer):
            good[answer["pid"]] = answer
        else:
            good.pop(answer["pid"], None)
        return pids <= set(good)

    wait_for(check, timeout=timeout, interval=0.02, what=what)
    return good


class Client:
    """A logged-in HTTP client (real login form with its CSRF token, session cookie kept)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(base_url + "/login", timeout=10) as resp:
            token = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
        with self.opener.open(base_url + "/login", data=form.encode(), timeout=10) as resp:
            assert "/login" not in resp.geturl(), "login failed"

    def get_json(self, path: str, **params: Any) -> tuple[int, dict]:
        """GET ``path?params``; (status, JSON body) also for error statuses."""
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with self.opener.open(request, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def refused_without_session(url: str) -> tuple[int, str]:
    """GET ``url`` without a session and without following redirects: (status, Location header)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(
            urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=10
        ) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")
