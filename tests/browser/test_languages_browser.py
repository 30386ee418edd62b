"""Portuguese first, English second, in real headless Chromium against gunicorn.

The server runs with TRENDSALES_LANGUAGE=pt_BR (the default): the store tab and the admin console read
in Portuguese with Brazilian numbers, ``<html lang="pt-BR">`` and Plotly's pt-BR locale; the navbar's
switch turns the same account to English (``lang="en"``, ``1,234.5``) and the choice survives a new
login in another browser context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope
from tests.browser.conftest import login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import build_trained_instance
from tests.support.live_server import LiveServer, app_environment, start_server

pytestmark = pytest.mark.browser
ADMIN = ("ana", "ana-admin-pass-123")
UPLOADER = ("bia", "bia-admin-pass-123")  # stays in pt_BR (the first test turns ana to English)
PT_MONEY = re.compile(r"R\$ [1-9]\d{0,2}(?:\.\d{3})+\b")  # R$ 12.345 (thousands with dots)
EN_MONEY = re.compile(r"R\$ [1-9]\d{0,2}(?:,\d{3})+\b")  # R$ 12,345
PT_PERCENT = re.compile(r"\d+,\d%")
EN_PERCENT = re.compile(r"\d+\.\d%")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn (1 worker) in pt_BR on a small trained demo instance with an admin account."""
    instance = tmp_path_factory.mktemp("languages")
    build_trained_instance(instance)
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, *ADMIN, role="admin")
        create_user(session, *UPLOADER, role="admin")
    engine.dispose()
    live = start_server(app_environment(instance, TRENDSALES_LANGUAGE="pt_BR"), workers=1)
    yield live
    live.stop()


def _lang(page) -> str:
    return page.evaluate("() => document.documentElement.lang")


def _store_tab(page) -> dict[str, str]:
    """The store tab once drawn: the KPI row's text and the chart's separators and locale."""
    page.wait_for_function(
        "() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');"
        " return g && g.data && g.data.length > 3; }"
    )
    page.wait_for_selector("#kpi-next")
    wait_for_dash_idle(page)
    return page.evaluate(
        """() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');
            return {kpis: document.querySelector('#kpi-row').innerText,
                    card: document.querySelector('#model-card-body').innerText,
                    nav: document.body.innerText.slice(0, 400),
                    separators: g.layout.separators, locale: g._context.locale,
                    names: g.data.map(t => t.name).join('|')}; }"""
    )


def _models_tab(page, label: str) -> dict[str, str]:
    """Open Admin › Models (its tab is named in the page's language) and read it and the registry."""
    page.locator("#admin-tabs .nav-link", has_text=label).click()
    page.wait_for_selector("#admin-registry-grid .ag-cell[col-id=wape]")
    page.wait_for_selector("#admin-jobs-grid .ag-overlay-no-rows-center")  # no job yet: the empty grid
    page.wait_for_function("() => /\\d/.test(document.querySelector('#admin-schedule').innerText)")
    wait_for_dash_idle(page)
    return page.evaluate(
        """() => ({text: document.body.innerText,
                   jobs: document.querySelector('#admin-jobs-grid').innerText,
                   schedule: document.querySelector('#admin-schedule').innerText,
                   wape: [...document.querySelectorAll('#admin-registry-grid .ag-cell[col-id=wape]')]
                          .map(c => c.innerText).join(' ')})"""
    )


def test_portuguese_by_default_then_english_for_that_user(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server.url + "/login")
    assert _lang(page) == "pt-BR" and page.inner_text("#login-submit").strip() == "Entrar"
    login_in_browser(page, server.url, *ADMIN)

    pt = _store_tab(page)
    assert _lang(page) == "pt-BR"
    assert "Loja" in pt["nav"] and "Administração" in pt["nav"] and "Sair" in pt["nav"]
    assert "PREVISÃO, PRÓXIMO PERÍODO" in pt["kpis"].upper() and PT_MONEY.search(pt["kpis"])
    assert not EN_MONEY.search(pt["kpis"])
    assert "Erro típico" in pt["card"] and not EN_PERCENT.search(pt["card"])
    assert pt["separators"] == ",." and pt["locale"] == "pt-BR"
    assert "Histórico" in pt["names"] and "Previsão" in pt["names"]
    page.goto(server.url + "/admin")
    console = _models_tab(page, "Modelos")
    assert "Registro de modelos" in console["text"] and "Retreinar agora" in console["text"]
    assert PT_PERCENT.search(console["text"]) or "," in console["wape"]
    assert not re.search(r"\d\.\d{2}\b", console["wape"])  # 12,34 — never 12.34
    assert "Sem linhas para mostrar" in console["jobs"]  # AG Grid's own texts, in pt-BR too
    assert "poucos dados novos" in console["schedule"] and "too little" not in console["schedule"]

    # The navbar's switch: English for this account, on the page it was pressed on.
    page.click("#nav-language-en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    english = _models_tab(page, "Models")
    assert "/admin" in page.url and "Model registry" in english["text"] and "Retrain now" in english["text"]
    assert re.search(r"\d\.\d{2}\b", english["wape"]) and not re.search(r"\d,\d{2}\b", english["wape"])
    assert "No Rows To Show" in english["jobs"] and "too little new data" in english["schedule"]
    page.goto(server.url + "/store")
    en = _store_tab(page)
    assert "FORECAST, NEXT PERIOD" in en["kpis"].upper() and EN_MONEY.search(en["kpis"])
    assert not PT_MONEY.search(en["kpis"]) and en["separators"] == ".," and en["locale"] == "en"
    assert "History" in en["names"]
    assert not [e for e in errors if "favicon" not in e]
    context.close()

    # The choice belongs to the account: a new browser logs in straight into English.
    other = browser.new_context(viewport={"width": 1366, "height": 900})
    other.set_default_timeout(30_000)
    again = other.new_page()
    again.goto(server.url + "/login")
    assert _lang(again) == "pt-BR"  # nobody is logged in yet: the server's default
    login_in_browser(again, server.url, *ADMIN)
    assert _lang(again) == "en" and "Store" in again.inner_text("#tab-store")
    other.close()


def test_a_bad_upload_is_explained_in_portuguese(page, server, tmp_path):
    """The rejection table of Admin › Dados names row, column and value in Portuguese, the limits with
    Brazilian thousands separators; nothing can be confirmed."""
    bad = tmp_path / "ruim.csv"
    bad.write_text(
        "date,store,category,product,revenue\n2025-01-06,,C1,P1,10\n2025-01-07,S1,C1,P1,abc\n"
        "2025-01-08,S1,C1,P1,-4\n",
        encoding="utf-8",
    )
    page.set_default_timeout(60_000)
    login_in_browser(page, server.url, *UPLOADER)
    page.click("#tab-admin")
    page.wait_for_selector("#admin-tabs")
    page.get_by_role("tab", name="Dados").click()
    page.set_input_files("#admin-upload input[type=file]", str(bad))
    problems = page.wait_for_selector(".admin-problems").inner_text()
    assert "Linha" in problems and "Motivo" in problems
    assert "loja ausente" in problems and "não é um número: 'abc'" in problems
    assert "faturamento negativo (-4); deve ser 0 ou mais" in problems
    assert "3 problema(s) em ruim.csv; nada foi gravado." in page.inner_text("#admin-upload-preview")
    assert "missing store" not in problems and page.is_disabled("#admin-upload-confirm")
