"""Every page and tab in English at laptop, tablet and phone widths in real Chromium: no
axe-core violation of critical or serious impact, no console error, no failed request, no sideways scroll."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.a11y_tour import WIDTHS, serve_in_language, tour_every_page
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The served instance in English."""
    yield from serve_in_language(tmp_path_factory.mktemp("a11y-instance-en"), "en")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_is_accessible_and_fits(browser, server, width):
    tour_every_page(browser, server, width)
