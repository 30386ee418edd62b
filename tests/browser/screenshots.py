"""Screenshots of every tab and the admin console for the README, taken with the browser tests' tooling.

Run: ``.venv/bin/python -m tests.browser.screenshots [--out docs/screenshots] [--language pt_BR en]``
(about a minute per language): builds a small trained demo instance, serves it with gunicorn in each
language, logs in as an administrator in Debian's headless Chromium and saves ``<page>.png`` (1366 px
wide) and ``store-phone.png`` (390 px): Portuguese (the default language) in ``--out``, English in
``--out/en``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path, login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import build_trained_instance
from tests.support.live_server import PROJECT_ROOT, app_environment, start_server

ADMIN = ("admin", "admin-pass-123")
FORECAST_DRAWN = """() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');
  return g && g.data && g.data.some(t => t.name === 'Forecast' || t.name === 'Previsão'); }"""
PAGES = {
    "store": "/store?freq=W&horizon=13",
    "category": "/category?freq=M&horizon=6&history=730",
    "product": "/product?freq=W&horizon=13&backtest=1",
}
ADMIN_TABS = {  # file name: tab id (the tabs' names are in the server's language)
    "admin-data": "admin-tab-data",
    "admin-models": "admin-tab-models",
    "admin-users": "admin-tab-users",
    "admin-audit": "admin-tab-audit",
}
LANGUAGES = ("pt_BR", "en")


def take(out: Path, language: str = "pt_BR") -> list[Path]:
    """Build, serve in ``language`` and photograph; returns the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        instance = Path(folder)
        build_trained_instance(instance)
        engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
        with session_scope(make_session_factory(engine)) as session:
            create_user(session, *ADMIN, role="admin")
        engine.dispose()
        server = start_server(
            app_environment(instance, TRENDSALES_ADMIN_PASSWORD=ADMIN[1], TRENDSALES_LANGUAGE=language),
            workers=1,
        )
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                for width, suffix in ((1366, ""), (390, "-phone")):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.set_default_timeout(30_000)
                    login_in_browser(page, server.url, *ADMIN)
                    wait_for_dash_idle(page)
                    for name, path in PAGES.items():
                        if suffix and name != "store":
                            continue
                        page.goto(server.url + path)
                        page.wait_for_function(FORECAST_DRAWN)
                        wait_for_dash_idle(page)
                        written.append(out / f"{name}{suffix}.png")
                        page.screenshot(path=str(written[-1]), full_page=True)
                    if suffix:
                        page.close()
                        continue
                    page.goto(server.url + "/admin")
                    for name, tab in ADMIN_TABS.items():
                        page.click(f"#{tab}")
                        page.wait_for_selector(f"#{tab}[role=tab][aria-selected=true]")
                        wait_for_dash_idle(page)
                        page.wait_for_timeout(500)  # the grids draw their rows after the data arrives
                        written.append(out / f"{name}.png")
                        page.screenshot(path=str(written[-1]), full_page=True)
                    page.close()
                browser.close()
        finally:
            server.stop()
    return written


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--language", nargs="+", choices=LANGUAGES, default=list(LANGUAGES))
    args = parser.parse_args()
    for language in args.language:
        folder = args.out if language == "pt_BR" else args.out / language
        for path in take(folder, language):
            print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


if __name__ == "__main__":
    main()
