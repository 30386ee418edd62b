"""The monitoring pieces of the page: drift line of Admin › Models, tab badge, live-error sentence."""

from __future__ import annotations

import datetime as dt

from components.i18n import day
from components.monitoring import drift_badge_content, drift_lines, live_error_text
from data.drift import DriftState
from models.monitoring import horizon_bands
from services.monitoring import LiveError


def _state(level: str, flagged: bool) -> DriftState:
    return DriftState(
        level=level,
        version=f"{level}-v1",
        flagged=flagged,
        since=dt.datetime(2026, 11, 28, 1, 30) if flagged else None,
        checked_at=dt.datetime(2026, 11, 30, 1, 30),
        reason=f"drift in {level}: live WAPE 31.0% above the back-test's 12.0%",
        detail={"live_wape": 0.31, "expected_wape": 0.12, "coverage_80": 0.55},
    )


def _text(component) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        return " ".join(_text(c) for c in children)
    return _text(children)


def test_admin_models_lists_only_flagged_levels():
    assert drift_lines({"store": _state("store", False)}) is None
    text = _text(drift_lines({"store": _state("store", False), "product": _state("product", True)}))
    assert f"product (product-v1): drifted since {day(dt.date(2026, 11, 28))}" in text
    assert "live WAPE 31,0% vs 12,0% in back-tests; the 80% range held 55%" in text
    assert "store" not in text


def test_a_badge_only_on_a_flagged_tab():
    assert drift_badge_content(False) is None
    assert _text(drift_badge_content(True)) == "drift"


def test_the_live_error_sentence_reads_like_a_manager_would_say_it():
    band = horizon_bands("W")[0]
    below = LiveError(weeks=4, band=band, bias=-0.123, wape=0.2, coverage_80=0.75, periods=4)
    assert (
        live_error_text(below, "W")
        == "Last 4 weeks: forecast 12,3% below actual; 80% range held 75% of weeks."
    )
    on_target = LiveError(weeks=4, band=band, bias=0.0001, wape=0.1, coverage_80=1.0, periods=4)
    assert live_error_text(on_target, "W").startswith("Last 4 weeks: forecast on target;")
    assert live_error_text(None, "D") == ""
