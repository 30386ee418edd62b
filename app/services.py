"""The per-app bundle of shared resources (configuration, database, model holder).

One ``Services`` object is built by ``create_app`` and kept in ``server.extensions``;
callbacks receive it as an argument, CLI commands fetch it with ``get_services()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings

EXTENSION_KEY = "trendsales"


@dataclass
class Services:
    """Everything a request, a CLI command or a background job needs, for one app."""

    config: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def holder(self) -> Any:
        """The in-memory MASTER model holder of this process (None until one is attached)."""
        return self.extras.get("holder")


def get_services() -> Services:
    """The Services of the current Flask app (inside an app or request context)."""
    return current_app.extensions[EXTENSION_KEY]
