"""The callbacks added after issue 16 (forecast-vs-actual card and export, drift badges, picker search,
Back/Forward, events upload) answer malformed values with 400 and one log line, like the first 14."""

from __future__ import annotations

import logging

import pytest

from tests.app.conftest import ADMIN_PASSWORD, MANAGER_PASSWORD, dash_post, login
from tests.support.probe_views import later_malformed_bodies
from tests.support.probes import callbacks_from


def bodies(dash_app) -> dict[str, tuple[dict, str]]:
    """The malformed bodies, built from the app's own dependencies list."""
    client = dash_app.server.test_client()
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    return later_malformed_bodies(callbacks_from(client.get("/_dash-dependencies").get_json()))


CASES = [
    "[new] accuracy card: horizon not a number",
    "[new] accuracy card: granularity a list",
    "[new] accuracy export: unknown granularity",
    "[new] accuracy export: store a dict",
    "[new] drift badges: pathname a dict",
    "[new] store search: search text a dict",
    "[new] store search: chosen store a list",
    "[new] product search: search text a list",
    "[new] product search: store a dict",
    "[new] Back/Forward: search a dict",
    "[new] Back/Forward: horizon not a number",
    "[new] events upload (admin): contents a dict",
    "[new] events upload (admin): file name a list",
]


@pytest.mark.parametrize("case", CASES)
def test_malformed_values_of_later_callbacks_get_400_without_traceback(dash_app, client, caplog, case):
    body, who = bodies(dash_app)[case]
    password = ADMIN_PASSWORD if who == "admin" else MANAGER_PASSWORD
    assert login(client, "admin" if who == "admin" else "manager", password).status_code == 302
    client.get("/store")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = dash_post(client, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    refused = [r for r in caplog.records if "malformed callback" in r.getMessage()]
    assert len(refused) == 1 and "\n" not in refused[0].getMessage()


def test_every_case_is_built(dash_app):
    """The list above is what the builder makes (a renamed or vanished callback fails here)."""
    assert sorted(bodies(dash_app)) == sorted(CASES)


def test_the_events_upload_still_imports_a_good_file(dash_app, client):
    """The type checks added to the events callback let the page's real upload through."""
    import base64

    assert login(client, "admin", ADMIN_PASSWORD).status_code == 302
    client.get("/admin")
    body, _ = bodies(dash_app)["[new] events upload (admin): contents a dict"]
    csv = base64.b64encode(b"date,name\n2025-06-11,Promo\n").decode()
    for entry in body["inputs"] + body["state"]:
        if entry["id"] == "admin-events-upload":
            entry["value"] = f"data:text/csv;base64,{csv}" if entry["property"] == "contents" else "ev.csv"
    response = dash_post(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "1 events stored" in response.get_data(as_text=True)
