"""Configuration, read from the environment (prefix ``TRENDSALES_``) in this one place.

``load_config(overrides)`` returns a plain dict that becomes the Flask config; tests pass
overrides (a temporary database and model folder) instead of touching the environment.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "TRENDSALES_"


class ConfigError(RuntimeError):
    """The configuration cannot start the app (e.g. production without a secret key)."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(PREFIX + name, default)


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return default if raw in (None, "") else int(raw)


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    return default if raw in (None, "") else float(raw)


def _env_list(name: str) -> list[str] | None:
    raw = _env(name)
    if not raw:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_json(name: str) -> Any:
    raw = _env(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{PREFIX}{name} is not valid JSON: {exc}") from exc


def defaults() -> dict[str, Any]:
    """Every setting with its environment value or safe default (documented in the README)."""
    instance = Path(_env("INSTANCE_DIR") or PROJECT_ROOT / "instance")
    return {
        "INSTANCE_DIR": str(instance),
        # "demo" keeps a generated secret key in instance/; "production" requires one.
        "ENV": (_env("ENV") or "production").lower(),
        "SECRET_KEY": _env("SECRET_KEY"),
        "DATABASE_URL": _env("DATABASE_URL") or f"sqlite:///{instance / 'trendsales.db'}",
        "MODEL_DIR": _env("MODEL_DIR") or str(instance / "models"),
        "UPLOAD_DIR": _env("UPLOAD_DIR") or str(instance / "uploads"),
        "ADMIN_USERNAME": _env("ADMIN_USERNAME") or "admin",
        "ADMIN_PASSWORD": _env("ADMIN_PASSWORD"),
        "MAX_UPLOAD_MB": _env_float("MAX_UPLOAD_MB", 100.0),
        "SESSION_HOURS": _env_float("SESSION_HOURS", 10.0),
        "SECURE_COOKIES": _env_bool("SECURE_COOKIES", False),
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_WINDOW_MINUTES": _env_int("LOGIN_WINDOW_MINUTES", 15),
        # Live model operations.
        "SCHEDULER_ENABLED": _env_bool("SCHEDULER_ENABLED", False),
        "RETRAIN_CRON": _env("RETRAIN_CRON") or "30 2 * * *",
        "OFFPEAK_START": _env("OFFPEAK_START") or "00:00",
        "OFFPEAK_END": _env("OFFPEAK_END") or "06:00",
        "RETRAIN_MIN_NEW_ROWS": _env_int("RETRAIN_MIN_NEW_ROWS", 1000),
        "RETRAIN_MIN_NEW_DAYS": _env_int("RETRAIN_MIN_NEW_DAYS", 7),
        "TRAIN_TIMEOUT_SECONDS": _env_int("TRAIN_TIMEOUT_SECONDS", 3600),
        "MODEL_POLL_SECONDS": _env_float("MODEL_POLL_SECONDS", 2.0),
        "TRAIN_N_JOBS": _env_int("TRAIN_N_JOBS", 1),
        "SCHEDULER_LEASE_SECONDS": _env_float("SCHEDULER_LEASE_SECONDS", 30.0),
        "RETRAIN_POLL_SECONDS": _env_float("RETRAIN_POLL_SECONDS", 2.0),
        "JOB_HEARTBEAT_SECONDS": _env_float("JOB_HEARTBEAT_SECONDS", 2.0),
        # Training size (unset = the engine's documented defaults); small values make fast trial runs.
        "TRAIN_FOLDS": _env_int("TRAIN_FOLDS", 0) or None,
        "TRAIN_HORIZON": _env_int("TRAIN_HORIZON", 0) or None,
        "TRAIN_FAMILIES": _env_list("TRAIN_FAMILIES"),
        "TRAIN_GRIDS": _env_json("TRAIN_GRIDS"),
        "HOLIDAYS": _env("HOLIDAYS") or "BR",  # holidays-package country[-subdivision], or "none"
        "TESTING": False,
    }


def _demo_secret_key(instance_dir: Path) -> str:
    """Read the demo secret key from instance/, generating it once so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge environment defaults with ``overrides`` and validate; raise ConfigError when unusable."""
    config = defaults()
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        if config["ENV"] == "demo" or config.get("TESTING"):
            config["SECRET_KEY"] = _demo_secret_key(Path(config["INSTANCE_DIR"]))
        elif config.get("CLI_COMMAND"):  # signs no cookie: a throw-away key, never a served one
            config["SECRET_KEY"] = secrets.token_hex(32)
        else:
            raise ConfigError(
                "TRENDSALES_SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set TRENDSALES_ENV=demo to use a generated key kept in instance/."
            )
    for key in ("INSTANCE_DIR", "MODEL_DIR", "UPLOAD_DIR"):
        Path(config[key]).mkdir(parents=True, exist_ok=True)
    return config
