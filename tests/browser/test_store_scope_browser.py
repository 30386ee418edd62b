"""A manager limited to one store, in real Chromium against gunicorn: only their store anywhere, and the
API refuses the others (with an API token made by the CLI)."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import ARTIFACTS, login_in_browser
from tests.browser.forecast_server import serve_trained_instance
from tests.browser.test_forecast_tabs import choose, control, traces, wait_for_title
from tests.support.live_server import flask_cli

pytestmark = pytest.mark.browser
SCOPED = ("lucia", "lucia-pass-123")
MINE, OTHER = "Loja Centro", "Loja Parque"


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory: pytest.TempPathFactory):
    """The trained demo instance with a manager limited to Loja Centro and an API token of hers."""
    for server in serve_trained_instance(tmp_path_factory):
        flask_cli(server.env, "users", "create", SCOPED[0], "--password-stdin", input_text=SCOPED[1] + "\n")
        flask_cli(server.env, "users", "scope", SCOPED[0], "--stores", MINE)
        made = flask_cli(server.env, "tokens", "create", SCOPED[0], "--expires", "1")
        server.token = made.stdout.strip().splitlines()[-1]
        yield server


def options_of(page, name: str) -> list[str]:
    """The option labels of a filter dropdown (opened, read, closed)."""
    page.click(control(name))
    page.wait_for_selector(".dash-dropdown-option, [role=option]")
    labels = page.locator(".dash-dropdown-option, [role=option]").all_inner_texts()
    page.keyboard.press("Escape")
    return [label.strip() for label in labels]


def api(server, series: str) -> int:
    url = f"{server.url}/api/forecast?level=store&horizon=3&series=" + urllib.request.quote(series)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_scoped_manager_sees_only_her_store(page, scoped_server):
    login_in_browser(page, scoped_server.url, *SCOPED)
    traces(page)
    wait_for_title(page, "My stores")
    assert options_of(page, "store") == ["My stores", MINE]
    page.goto(scoped_server.url + "/product")
    traces(page)
    assert options_of(page, "store") == ["My stores", MINE]
    bars = page.evaluate(
        "() => document.querySelector('#breakdown-graph .js-plotly-plot').data[0].customdata"
    )
    assert list(bars) == [MINE]  # "by store" breakdown: her store only
    choose(page, "store", MINE)
    wait_for_title(page, MINE)


def test_another_store_in_the_link_is_not_available(page, scoped_server):
    login_in_browser(page, scoped_server.url, *SCOPED)
    page.goto(scoped_server.url + f"/store?store={urllib.request.quote(OTHER)}")
    page.wait_for_selector("#link-problems")
    assert "not available to you" in page.inner_text("#link-problems")
    wait_for_title(page, "My stores")
    assert OTHER not in json.dumps(options_of(page, "store"))


def test_the_export_of_my_stores_is_my_store(page, scoped_server):
    login_in_browser(page, scoped_server.url, *SCOPED)
    files = []
    for link in ("/store?freq=M&horizon=3", f"/store?store={urllib.request.quote(MINE)}&freq=M&horizon=3"):
        page.goto(scoped_server.url + link)
        assert traces(page)["Forecast"]["n"] == 3
        with page.expect_download() as info:
            page.click("#export-csv")
        path = ARTIFACTS / f"scoped-{len(files)}.csv"
        ARTIFACTS.mkdir(exist_ok=True)
        info.value.save_as(path)
        files.append(list(csv.DictReader(io.StringIO(path.read_text()))))
    # The same rows and numbers; only the selection's store column names the view as it was asked for.
    assert {r["store"] for r in files[0]} == {"my stores"} and {r["store"] for r in files[1]} == {MINE}
    assert [{**r, "store": ""} for r in files[0]] == [{**r, "store": ""} for r in files[1]]


def test_the_api_token_is_scoped_and_only_for_the_api(scoped_server):
    assert api(scoped_server, f"store={MINE}") == 200
    assert api(scoped_server, "store=*") == 200
    assert api(scoped_server, f"store={OTHER}") == 403
    request = urllib.request.Request(
        scoped_server.url + "/_dash-layout", headers={"Authorization": f"Bearer {scoped_server.token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
