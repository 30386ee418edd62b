"""Dash callbacks, registered by functions that take the app and the services bundle."""

from __future__ import annotations

from typing import Any

from dash import Dash

from callbacks import admin, navigation, store


def register_callbacks(app: Dash, services: Any) -> None:
    """Register every callback of the dashboard on ``app``."""
    navigation.register(app, services)
    store.register(app, services)
    admin.register(app, services)
