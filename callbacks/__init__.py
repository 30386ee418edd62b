"""Dash callbacks, registered by functions that take the app and the services bundle."""

from __future__ import annotations

from typing import Any

from dash import Dash


def register_callbacks(app: Dash, services: Any) -> None:
    """Register every callback of the dashboard on ``app`` (one catalogue cache per app).

    The callback modules are imported here, not at package import, so that importing one of them
    (tests, benchmarks) never drags in the others and their dependencies on ``app``.
    """
    from callbacks import admin, export, filters, forecast, monitoring, navigation
    from callbacks.catalogue import CatalogueCache

    cache = CatalogueCache(
        services.engine,
        ttl=services.config.catalogue_ttl_seconds,
        silent_days=services.config.store_silent_days,
    )
    navigation.register(app, services, cache)
    forecast.register(app, services, cache)
    filters.register(app, services, cache)
    export.register(app, services, cache)
    monitoring.register(app, services, cache)
    admin.register(app, services)
