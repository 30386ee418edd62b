"""The OpenAPI 3.1 document of the JSON API (``GET /api/openapi.json``), written by hand."""

from __future__ import annotations

from typing import Any

from data.frequency import FREQUENCIES

ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _query(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def openapi_document(*, max_horizon: int) -> dict[str, Any]:
    """The API description: ``/api/forecast`` with its parameters, answers and the two ways to log in."""
    parameters = [
        _query(
            "level",
            "Model level.",
            {"type": "string", "enum": ["store", "category", "product"]},
            required=True,
        ),
        _query(
            "series",
            "Series id: `store=S` or `store=*` (all stores: for a manager limited to some stores, the sum "
            "of theirs), then `|category=C` or `|product=P` below the store level.",
            {"type": "string", "examples": ["store=*", "store=Loja Centro|category=Bebidas"]},
            required=True,
        ),
        _query(
            "horizon",
            "Periods to forecast.",
            {"type": "integer", "minimum": 1, "maximum": max_horizon, "default": 14},
        ),
        _query(
            "freq",
            "Display frequency (default: the data's own).",
            {"type": "string", "enum": list(FREQUENCIES)},
        ),
        _query(
            "interval",
            "Coverage of the interval.",
            {"type": "number", "default": 0.8, "examples": [0.8, 0.95]},
        ),
    ]
    row = {
        "type": "object",
        "required": ["date", "forecast", "lower", "upper"],
        "properties": {
            "date": {"type": "string", "format": "date"},
            "forecast": {"type": "number"},
            "lower": {"type": "number"},
            "upper": {"type": "number"},
        },
    }
    forecast = {
        "type": "object",
        "required": ["level", "version", "series", "freq", "interval", "rows"],
        "properties": {
            "level": {"type": "string"},
            "version": {"type": ["string", "null"], "description": "Model registry version that answered."},
            "series": {"type": "string"},
            "freq": {"type": "string"},
            "interval": {"type": "number"},
            "rows": {"type": "array", "items": row},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trend Sales API",
            "version": "1",
            "description": "Read-only forecasts of the served (MASTER) models. Authenticate with a personal "
            "API token (`Authorization: Bearer ts_…`, created under Account › API tokens or with "
            "`flask --app wsgi tokens create`) or a logged-in session.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"session": []}],
        "paths": {
            "/api/forecast": {
                "get": {
                    "operationId": "getForecast",
                    "summary": "Forecast one series",
                    "parameters": parameters,
                    "responses": {
                        "200": {
                            "description": "The forecast, one row per period.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Forecast"}}
                            },
                        },
                        "400": _error("A parameter is missing or invalid (the message names it)."),
                        "401": _error("No session, or the API token is invalid, expired or revoked."),
                        "403": _error("The series belongs to a store that is not available to you."),
                        "404": _error("No model serves this level or series yet."),
                        "429": _error("Too many requests with this token in a minute (see Retry-After)."),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1 document."},
                        "401": _error("Not logged in."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "A personal API token."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Forecast": forecast,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
            },
        },
    }
