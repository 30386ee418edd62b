"""Page checks for the browser tests: axe-core's accessibility rules, failed requests, console errors
and sideways page scroll.

axe-core (npm ``axe-core`` 4.14.1, MPL-2.0, ``tests/support/vendor/``) is test tooling only: it is
evaluated into the page under test through the DevTools protocol (not a ``<script>`` tag, so the
app's Content-Security-Policy stays as users get it) and is never served by the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("critical", "serious")
RUN_AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""
PAGE_SCROLL_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@cache
def axe_source() -> str:
    """The vendored axe-core bundle."""
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now, of the given impacts (critical and serious)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;true")
    return [v for v in page.evaluate(RUN_AXE_JS) if v["impact"] in impacts]


def sideways_scroll(page: Any) -> int:
    """Pixels the page itself scrolls sideways (0 when it fits the viewport; cards may scroll inside)."""
    return int(page.evaluate(PAGE_SCROLL_JS))


@dataclass
class PageWatch:
    """Console errors and failed requests (network failure or an HTTP status of 400 and above) of a page."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, page: Any) -> PageWatch:
        """Start watching ``page``."""
        watch = cls()
        page.on("console", lambda msg: watch.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        page.on("requestfailed", lambda req: watch.failed.append(f"{req.method} {req.url}: {req.failure}"))
        page.on(
            "response",
            lambda resp: watch.failed.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None,
        )
        return watch
