"""Checks of what a browser sends to a callback: a value of the wrong shape is a 400, never a traceback.

The renderer only sends what the page's components hold, so a wrong type or an unknown code means a
hand-made request. ``MalformedCallback`` is an HTTP 400 (the app logs it as one line); the view
callbacks pass their inputs through these helpers before using them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import BadRequest

from components.state import ViewState, state_from_controls
from data.frequency import FREQUENCIES

TEXT_CONTROLS = ("store", "category", "product")
NUMBER_CONTROLS = ("horizon", "history")


class MalformedCallback(BadRequest):
    """A callback request whose body or values no page of ours sends."""


def refuse(reason: str) -> MalformedCallback:
    """The 400 to raise for ``reason`` (one line, no user value echoed at length)."""
    return MalformedCallback(reason[:200])


def text(value: Any, name: str) -> str | None:
    """A text value (a path, a query string, a dropdown choice) or None."""
    if value is None or isinstance(value, str):
        return value
    raise refuse(f"{name} must be text, got {type(value).__name__}")


def freq_code(value: Any, name: str = "freq") -> str:
    """A granularity code of ``data.frequency.FREQUENCIES``."""
    if isinstance(value, str) and value in FREQUENCIES:
        return value
    raise refuse(f"{name} must be one of {', '.join(FREQUENCIES)}")


def whole_number(value: Any, name: str) -> int | None:
    """A whole number (or its digits as text) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise refuse(f"{name} must be a whole number")


def pattern_values(entries: Any) -> dict[str, Any]:
    """``name -> value`` of the filter controls from an ALL-pattern entry of ``ctx.inputs_list``."""
    if not isinstance(entries, list):
        raise refuse("the filter controls must be a list")
    values: dict[str, Any] = {}
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(ident, dict) or not isinstance(ident.get("name"), str):
            raise refuse("a filter control has no name")
        values[ident["name"]] = entry.get("value")
    return values


def view_state(values: Mapping[str, Any]) -> ViewState:
    """The view of the filter controls (``name -> value``) after checking every value's type."""
    for name in TEXT_CONTROLS:
        if name in values:
            text(values[name], name)
    if values.get("freq") not in (None, ""):
        freq_code(values["freq"])
    numbers = {name: whole_number(values.get(name), name) for name in NUMBER_CONTROLS if name in values}
    backtest = values.get("backtest")
    if backtest is not None and not isinstance(backtest, bool | list):
        raise refuse("backtest must be true or false")
    return state_from_controls({**values, **numbers})


def click_data(value: Any) -> Mapping[str, Any]:
    """Plotly's ``clickData`` (``{"points": [...]}``); an empty mapping when nothing was clicked."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("points", []), list):
        raise refuse("clickData must be Plotly's click event")
    if any(not isinstance(point, dict) for point in value.get("points", [])):
        raise refuse("clickData must be Plotly's click event")
    return value
