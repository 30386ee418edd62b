"""The forecast tabs in real headless Chromium against gunicorn serving a small trained demo model."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS, login_in_browser
from tests.browser.forecast_server import MANAGER, serve_trained_instance

pytestmark = pytest.mark.browser
GRAPH_JS = "document.querySelector('#forecast-graph .js-plotly-plot')"
TRACES = """() => {
  const g = document.querySelector('#forecast-graph .js-plotly-plot');
  return g && g.data ? g.data.map(t => ({name: t.name, n: (t.x || []).filter(v => v !== null).length,
                                        x: (t.x || []).slice(0, 3)})) : null;
}"""


@pytest.fixture(scope="module")
def forecast_server(tmp_path_factory: pytest.TempPathFactory):
    """A live gunicorn on a small trained demo dataset (a few seconds to build)."""
    yield from serve_trained_instance(tmp_path_factory)


def control(name: str) -> str:
    """CSS selector of a filter control (pattern ids are rendered as sorted JSON)."""
    return f"[id='{json.dumps({'name': name, 'type': 'ts-filter'}, separators=(',', ':'))}']"


def choose(page, name: str, label: str) -> None:
    """Open the dropdown ``name`` and pick the option ``label``."""
    page.click(control(name))
    page.locator(".dash-dropdown-option, [role=option]", has_text=label).first.click()


def wait_for_title(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#forecast-title')?.textContent.includes(t)", arg=text
    )


def traces(page) -> dict[str, dict]:
    """Trace name -> {n: points, x: first dates} of the main chart, once it has a forecast."""
    page.wait_for_function(
        "() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');"
        " return g && g.data && g.data.some(t => t.name === 'Forecast'); }"
    )
    return {t["name"]: t for t in page.evaluate(TRACES)}


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_for_query(page, **expected: str) -> None:
    """Wait until the URL's query string holds ``expected``.

    The URL is written by its own callback, which may answer after the chart's: wait, do not read at once.
    """
    page.wait_for_function(
        "(e) => { const q = new URLSearchParams(location.search);"
        " return Object.entries(e).every(([k, v]) => q.get(k) === v); }",
        arg=expected,
    )


def click_bar(page, index: int = -1) -> str:
    """Click a bar of the breakdown chart (last = largest, drawn on top); returns its label."""
    page.wait_for_selector("#breakdown-graph .barlayer .point path", state="attached")
    bars = page.locator("#breakdown-graph .barlayer .point path")
    bar = bars.nth(index if index >= 0 else bars.count() - 1)
    labels = page.evaluate(
        "() => document.querySelector('#breakdown-graph .js-plotly-plot').data[0].customdata"
    )
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return labels[index if index >= 0 else len(labels) - 1]


def no_console_errors(page) -> None:
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_store_tab_draws_forecast_with_bands_and_follows_filters(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    drawn = traces(page)
    assert {"History", "Forecast", "80% interval", "95% interval", "Same period last year"} <= set(drawn)
    assert drawn["Forecast"]["n"] == 13  # 13 weeks by default
    assert "All stores" in page.inner_text("#forecast-title")
    assert page.inner_text("#kpi-next").startswith("FORECAST, NEXT PERIOD") or "R$" in page.inner_text(
        "#kpi-next"
    )
    assert "Typical error" in page.inner_text("#model-card-body")
    # One store: the chart, title and URL follow.
    choose(page, "store", "Loja Centro")
    wait_for_title(page, "Loja Centro")
    wait_for_query(page, store="Loja Centro")
    # Daily granularity: the x axis changes to days and the horizon to 28 days.
    weekly_x = traces(page)["History"]["x"]
    choose(page, "freq", "Daily")
    wait_for_title(page, "daily revenue, next 28 days")
    daily = traces(page)
    assert daily["Forecast"]["n"] == 28
    assert daily["History"]["x"] != weekly_x
    first, second = daily["History"]["x"][:2]
    assert (int(second[-2:]) - int(first[-2:])) % 31 == 1  # consecutive days
    assert (
        page.evaluate(
            "() => document.querySelector('#forecast-graph .js-plotly-plot').layout.xaxis.title.text"
        )
        == "Day"
    )
    wait_for_query(page, freq="D", horizon="28")
    # The backtest toggle adds the out-of-sample predictions.
    page.click(control("backtest"))
    page.wait_for_function(f"() => {GRAPH_JS}.data.some(t => t.name === 'Backtest forecast')")
    wait_for_query(page, backtest="1")
    no_console_errors(page)


def test_drill_down_store_to_category_to_product(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    traces(page)
    category = click_bar(page)
    page.wait_for_function("() => location.pathname === '/category'")
    wait_for_title(page, category)
    assert query(page)["category"] == category
    assert "Forecast" in traces(page)
    product = click_bar(page)
    page.wait_for_function("() => location.pathname === '/product'")
    wait_for_title(page, product)
    assert query(page)["product"] == product
    assert page.is_visible("#tab-product.active")
    no_console_errors(page)


def test_csv_export_has_the_rows_shown(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    page.goto(forecast_server.url + "/category?category=Bebidas&freq=M&horizon=6")
    assert traces(page)["Forecast"]["n"] == 6
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename == "forecast_category_all-stores_Bebidas_M6.csv"
    path = ARTIFACTS / download.suggested_filename
    ARTIFACTS.mkdir(exist_ok=True)
    download.save_as(path)
    every = list(csv.DictReader(io.StringIO(path.read_text())))
    rows = [r for r in every if r["kind"] == "forecast"]
    assert len(rows) == 6 and len(every) == 6 + 12  # the year of history shown, then the forecast
    assert list(rows[0])[:6] == ["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert all(float(r["lower_95"]) <= float(r["forecast"]) <= float(r["upper_95"]) for r in rows)
    assert {(r["category"], r["granularity"]) for r in every} == {("Bebidas", "M")}
    no_console_errors(page)


def test_shared_link_opens_the_same_view(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    link = (
        "/product?store=Loja+Parque&category=Bebidas&product=Refrigerante+Cola+2L"
        "&freq=W&horizon=8&history=182&backtest=1"
    )
    page.goto(forecast_server.url + link)
    drawn = traces(page)
    assert drawn["Forecast"]["n"] == 8 and "Backtest forecast" in drawn
    wait_for_title(page, "Loja Parque · Refrigerante Cola 2L — weekly revenue, next 8 weeks")
    assert query(page) == {
        "store": "Loja Parque",
        "category": "Bebidas",
        "product": "Refrigerante Cola 2L",
        "freq": "W",
        "horizon": "8",
        "history": "182",
        "backtest": "1",
    }
    assert page.is_visible("#tab-product.active")
    no_console_errors(page)


def test_product_not_sold_in_the_store_says_so(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    page.goto(forecast_server.url + "/product?store=Loja+Oeste&product=Ventilador+de+Mesa+40cm")
    page.wait_for_selector("#view-message")
    message = page.inner_text("#view-message")
    assert "Ventilador de Mesa 40cm is not sold in Loja Oeste" in message and "Stores that sell it" in message
    # The breakdown lists the stores that sell it; a click switches to one of them.
    store = click_bar(page)
    wait_for_title(page, f"{store} · Ventilador de Mesa 40cm")
    assert "Forecast" in traces(page)
    no_console_errors(page)


def test_tablet_width_keeps_the_page_usable(browser, forecast_server):
    context = browser.new_context(viewport={"width": 820, "height": 1180})
    context.set_default_timeout(20_000)
    tablet = context.new_page()
    try:
        login_in_browser(tablet, forecast_server.url, *MANAGER)
        traces(tablet)
        width = tablet.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 820  # no horizontal scrolling
        ARTIFACTS.mkdir(exist_ok=True)
        tablet.screenshot(path=str(ARTIFACTS / "forecast_store_tablet.png"), full_page=True)
    finally:
        context.close()


def test_switching_tabs_keeps_the_store_and_granularity(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    traces(page)
    choose(page, "store", "Loja Centro")
    choose(page, "freq", "Monthly")
    wait_for_query(page, store="Loja Centro", freq="M")
    page.click("#tab-category")
    page.wait_for_function("() => location.pathname === '/category'")
    wait_for_title(page, "Loja Centro")
    assert query(page)["store"] == "Loja Centro" and query(page)["freq"] == "M"
    assert page.is_visible("#tab-category.active") and not page.is_visible("#tab-store.active")
    no_console_errors(page)


def control_text(page, name: str) -> str:
    """The text a filter control shows (its chosen option's label)."""
    return page.inner_text(control(name))


def test_back_and_forward_restore_the_view_of_the_url(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    traces(page)
    choose(page, "store", "Loja Centro")
    wait_for_query(page, store="Loja Centro", freq="W", horizon="13")
    wait_for_title(page, "Loja Centro — weekly revenue, next 13 weeks")
    choose(page, "freq", "Monthly")
    wait_for_query(page, store="Loja Centro", freq="M", horizon="3")
    wait_for_title(page, "Loja Centro — monthly revenue, next 3 months")
    page.go_back()
    wait_for_query(page, store="Loja Centro", freq="W", horizon="13")
    wait_for_title(page, "Loja Centro — weekly revenue, next 13 weeks")
    assert "Weekly" in control_text(page, "freq") and "13 weeks" in control_text(page, "horizon")
    assert traces(page)["Forecast"]["n"] == 13
    page.go_back()
    wait_for_title(page, "All stores — weekly revenue")
    assert "All stores" in control_text(page, "store")
    page.go_forward()
    wait_for_title(page, "Loja Centro — weekly revenue, next 13 weeks")
    assert "Loja Centro" in control_text(page, "store")
    # The restored controls write the same query again, so no new history entry hides "forward".
    page.go_forward()
    wait_for_title(page, "Loja Centro — monthly revenue, next 3 months")
    assert "Monthly" in control_text(page, "freq") and query(page)["freq"] == "M"
    no_console_errors(page)


def test_back_after_a_drill_down_on_the_product_tab(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    link = "?category=Bebidas&product=Refrigerante+Cola+2L&freq=W"
    page.goto(forecast_server.url + "/product" + link)
    wait_for_title(page, "All stores · Refrigerante Cola 2L")
    traces(page)
    store = click_bar(page)
    wait_for_query(page, store=store)
    wait_for_title(page, f"{store} · Refrigerante Cola 2L")
    # One Back returns to the link as it was opened: showing a page pushes no written-out copy of its URL.
    page.go_back()
    page.wait_for_function("s => location.search === s", arg=link)
    wait_for_title(page, "All stores · Refrigerante Cola 2L")
    assert "All stores" in control_text(page, "store")
    page.go_forward()
    wait_for_query(page, store=store)
    wait_for_title(page, f"{store} · Refrigerante Cola 2L")
    assert store in control_text(page, "store")
    no_console_errors(page)


CHART_BOXES = """() => {
  const svg = document.querySelector('#forecast-graph .main-svg');
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                         return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const all = (sel) => [...document.querySelectorAll('#forecast-graph ' + sel)].map(box);
  return {svg: box(svg), legend: box(document.querySelector('#forecast-graph .legend')),
          selector: box(document.querySelector('#forecast-graph .rangeselector')),
          slider: box(document.querySelector('#forecast-graph .rangeslider-container')),
          xtitle: box(document.querySelector('#forecast-graph .g-xtitle text')),
          ytitle: box(document.querySelector('#forecast-graph .g-ytitle text')),
          yticks: all('.yaxislayer-above .ytick text'),
          ylabels: [...document.querySelectorAll('#forecast-graph .yaxislayer-above .ytick text')]
                     .map(t => t.textContent)};
}"""


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.parametrize(
    ("width", "extra"),
    [(1366, ""), (820, ""), (820, "&backtest=1")],
    ids=["laptop", "tablet", "tablet-backtest"],
)
def test_chart_labels_fit_and_do_not_overlap(browser, forecast_server, width, extra):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        login_in_browser(page, forecast_server.url, *MANAGER)
        page.goto(forecast_server.url + "/store?freq=M&horizon=12&history=730" + extra)
        traces(page)
        wait_for_title(page, "next 12 months")
        boxes = page.evaluate(CHART_BOXES)
        svg = boxes["svg"]
        assert boxes["yticks"], "no y tick labels drawn"
        for tick, text in zip(boxes["yticks"], boxes["ylabels"], strict=True):
            assert tick["left"] >= svg["left"] - 0.5, f"y tick {text!r} is cut off at the left"
            assert not overlap(tick, boxes["ytitle"]), f"y tick {text!r} overlaps the axis title"
            assert text.startswith("R$"), text
        for name in ("xtitle", "slider", "selector"):
            if boxes[name]:
                assert not overlap(boxes["legend"], boxes[name]), f"the legend covers the {name}"
        assert boxes["legend"]["bottom"] <= svg["bottom"] + 0.5 and boxes["legend"]["top"] >= svg["top"] - 0.5
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#forecast-graph").screenshot(
            path=str(ARTIFACTS / f"forecast_chart_{width}{extra[1:]}.png")
        )
    finally:
        context.close()


def test_breakdown_note_says_the_reconciled_bars_add_up(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    page.goto(forecast_server.url + "/store?freq=M&horizon=12")
    page.wait_for_function("() => document.querySelector('#breakdown-note')?.textContent.includes('R$')")
    note = page.inner_text("#breakdown-note")
    assert note.startswith("The bars add up to the total above") and note.count("R$ ") == 1, note
    no_console_errors(page)


def test_link_with_a_product_of_another_category_says_so(page, forecast_server):
    login_in_browser(page, forecast_server.url, *MANAGER)
    page.goto(forecast_server.url + "/product?category=Bebidas&product=Ventilador+de+Mesa+40cm")
    wait_for_title(page, "Ventilador de Mesa 40cm")
    notice = page.inner_text("#link-problems")
    assert "'Ventilador de Mesa 40cm' is a" in notice and "not Bebidas" in notice
    assert "Bebidas" not in control_text(page, "category")
    no_console_errors(page)
