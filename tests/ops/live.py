"""Helpers for the multi-process ops tests: a logged-in HTTP client and refusal checks (the server
itself and per-worker /healthz polling live in ``tests.support.live_server``)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


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
