"""Build isolated apps from the factory for tests: own instance folder, migrated SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash

from app import create_app
from data.db import upgrade_database


def make_test_app(folder: Path, **overrides: Any) -> Dash:
    """An app on ``folder`` (database, models, uploads inside it), migrated to the newest schema."""
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
            "MODEL_DIR": str(folder / "models"),
            "UPLOAD_DIR": str(folder / "uploads"),
            **overrides,
        }
    )
    upgrade_database(app.server.extensions["trendsales"].engine)
    return app
