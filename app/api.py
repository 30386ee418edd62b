"""Small login-protected JSON API over the in-memory MASTER models (for scripts and external tools).

``GET /api/forecast?level=store&series=store=S01&horizon=14[&freq=W][&interval=0.8]`` answers
``{"level", "version", "series", "freq", "interval", "rows": [{"date", "forecast", "lower", "upper"}]}``
from this worker's MASTER (one snapshot per request). Access control is the app-wide guard
(``app.security``): without a session or a valid ``Authorization: Bearer`` API token it answers 401
JSON. A manager limited to some stores gets 403 for another store, and ``store=*`` series are the
sum of their stores. ``GET /api/openapi.json`` describes the API (``app.openapi``). Only GET
endpoints exist here: token requests never need a CSRF token, and must stay read-only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from app.openapi import openapi_document
from app.security import request_user
from app.services import get_services
from models.holder import ModelUnavailableError
from services.forecast_view import HolderSource, forecast_series
from services.scoping import StoreNotAllowed, scoped, user_scope

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_HORIZON = 3660


def _bad_request(message: str) -> Any:
    return jsonify(error=message), 400


def _parse_args() -> tuple[dict[str, Any], str | None]:
    """Validated query parameters, or an error message naming the bad one."""
    args = request.args
    level, series = args.get("level", ""), args.get("series", "")
    if not level or not series:
        return {}, "query parameters 'level' and 'series' are required (e.g. level=store&series=store=*)"
    try:
        horizon = int(args.get("horizon", "14"))
    except ValueError:
        return {}, f"'horizon' must be a whole number, got {args.get('horizon')!r}"
    if not 1 <= horizon <= MAX_HORIZON:
        return {}, f"'horizon' must be between 1 and {MAX_HORIZON}, got {horizon}"
    try:
        interval = float(args.get("interval", "0.8"))
    except ValueError:
        return {}, f"'interval' must be a number such as 0.8, got {args.get('interval')!r}"
    freq = args.get("freq") or None
    return {"level": level, "series": series, "horizon": horizon, "interval": interval, "freq": freq}, None


@bp.get("/forecast")
def forecast() -> Any:
    """Forecast one series with this worker's MASTER of the level; 400 on bad input, 404 when unknown."""
    params, error = _parse_args()
    if error:
        return _bad_request(error)
    services = get_services()
    scope = user_scope(services.sessions, request_user())
    source = scoped(HolderSource.of(services.holder), scope)  # one snapshot: one version per answer
    try:
        result = forecast_series(
            source,
            params["level"],
            params["series"],
            params["horizon"],
            freq=params["freq"],
            interval=params["interval"],
        )
    except StoreNotAllowed as exc:
        return jsonify(error=str(exc)), 403
    except ModelUnavailableError as exc:
        return jsonify(error=str(exc)), 404
    except KeyError as exc:
        return jsonify(error=str(exc.args[0]) if exc.args else str(exc)), 404
    except ValueError as exc:
        return _bad_request(str(exc))
    frame = result.frame
    rows = [
        {"date": d.date().isoformat(), "forecast": float(f), "lower": float(lo), "upper": float(up)}
        for d, f, lo, up in zip(frame["date"], frame["forecast"], frame["lower"], frame["upper"], strict=True)
    ]
    return jsonify(
        level=result.level,
        version=result.version,
        series=result.series_id,
        freq=result.freq,
        interval=result.interval,
        rows=rows,
    )


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(max_horizon=MAX_HORIZON))
