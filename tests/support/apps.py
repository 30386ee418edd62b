"""Build isolated apps from the factory for tests: own instance folder, migrated SQLite database."""

from __future__ import annotations

import json
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
            # Tests written against the English text; the i18n tests ask for pt_BR explicitly.
            "LANGUAGE": "en",
            **overrides,
        }
    )
    upgrade_database(app.server.extensions["trendsales"].engine)
    return app


# A small, fast training configuration for tests that exercise the machinery around training
# (registry, jobs, hot swap, UI), not the engine's accuracy.
FAST_TRAINING: dict[str, Any] = {
    "TRAIN_N_JOBS": 1,
    "TRAIN_FOLDS": 2,
    "TRAIN_FAMILIES": ("seasonal_naive", "theta"),
    "TRAIN_GRIDS": {"theta": {"theta": [2.0], "seasonal": [True]}},
}


def fast_training_env() -> dict[str, str]:
    """FAST_TRAINING as ``TRENDSALES_*`` environment variables, for servers and CLI subprocesses."""
    return {
        "TRENDSALES_TRAIN_N_JOBS": str(FAST_TRAINING["TRAIN_N_JOBS"]),
        "TRENDSALES_TRAIN_FOLDS": str(FAST_TRAINING["TRAIN_FOLDS"]),
        "TRENDSALES_TRAIN_FAMILIES": ",".join(FAST_TRAINING["TRAIN_FAMILIES"]),
        "TRENDSALES_TRAIN_GRIDS": json.dumps(FAST_TRAINING["TRAIN_GRIDS"]),
    }
