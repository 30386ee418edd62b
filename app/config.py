"""Configuration: one typed, frozen ``Settings`` read from the environment (prefix ``TRENDSALES_``) here.

Every setting, its environment variable, its type and its default live in the ``Settings`` dataclass
below; nothing else in the project reads ``os.environ``. ``load_config(overrides)`` parses and validates
once at start-up (an unusable value is a ``ConfigError`` naming the variable); tests pass overrides
keyed by the variable name without the prefix (``{"DATABASE_URL": ..., "TRAIN_FOLDS": 2}``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from data.i18n import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, TRANSLATIONS_DIR, check_language, parse_timezone
from data.limits import MB, SalesLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "TRENDSALES_"


class ConfigError(RuntimeError):
    """The configuration cannot start the app (e.g. production without a secret key)."""


def _text(raw: str) -> str:
    return raw.strip()


def _optional_text(raw: str) -> str | None:
    return raw.strip() or None


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false (1/0, yes/no, on/off)")


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError("must be a share between 0 (excluded) and 1, e.g. 0.65")
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be a whole number of at least 0")
    return value


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


def _optional_positive_int(raw: str) -> int | None:
    """Unset, empty or 0 = the engine's default."""
    return None if raw.strip() in ("", "0") else _positive_int(raw)


def _hhmm(raw: str) -> str:
    hours, minutes = (int(part) for part in raw.strip().split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError("hours 0-23 and minutes 0-59")
    return f"{hours:02d}:{minutes:02d}"


def _name_list(raw: str) -> tuple[str, ...] | None:
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    return items or None


def _json(raw: str) -> Any:
    return json.loads(raw) if raw.strip() else None


def _dask_address(raw: str) -> str | None:
    """Unset or empty = train in-process; otherwise a Dask scheduler address ``scheme://host:port``."""
    value = raw.strip()
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    host, _, port = rest.rpartition(":")
    if not sep or scheme not in ("tcp", "tls", "inproc", "ws", "wss") or not host or not port.isdigit():
        raise ValueError("expected a Dask scheduler address such as tcp://scheduler:8786")
    return value


def _setting(default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    """A dataclass field that knows how to parse its environment variable."""
    return field(default=default, metadata={"parse": parse, "doc": doc})


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
    return value


def _env_mode(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("production", "demo"):
        raise ValueError("expected production or demo")
    return value


def _language(raw: str) -> str:
    return check_language(raw.strip())


def _timezone(raw: str) -> str:
    return parse_timezone(raw).key


@dataclass(frozen=True)
class Settings:
    """Every setting of a Trend Sales process (README › Configuration documents each one).

    Paths left empty are derived from ``instance_dir``; fields are read as
    ``TRENDSALES_<FIELD NAME IN UPPER CASE>``.
    """

    instance_dir: str = _setting("", _text, "local state: database, secret key, uploads, models")
    env: str = _setting("production", _env_mode, "demo keeps a generated secret key in instance/")
    secret_key: str | None = _setting(None, _optional_text, "session signing key")
    database_url: str = _setting("", _text, "SQLAlchemy URL (default: SQLite in instance/)")
    model_dir: str = _setting("", _text, "model artifacts and reports")
    upload_dir: str = _setting("", _text, "raw uploaded files")
    admin_username: str = _setting("admin", _text, "first admin account")
    admin_password: str | None = _setting(None, _optional_text, "first admin's password (generated)")
    log_level: str = _setting("INFO", _log_level, "Python logging level")
    max_upload_mb: float = _setting(100.0, _positive_float, "largest accepted sales file, MB")
    # Sales files (data.limits.SalesLimits): plausible dates and values, bounded work per file.
    min_sales_date: dt.date = _setting(dt.date(1901, 1, 1), _date, "earliest accepted sales date")  # noqa: RUF009
    max_future_days: int = _setting(1, _non_negative_int, "accepted sales dates end today + this")
    max_sales_value: float = _setting(1e12, _positive_float, "largest revenue/units of a row or key")
    max_rows_per_file: int = _setting(5_000_000, _positive_int, "data rows per sales file")
    max_xlsx_uncompressed_mb: float = _setting(500.0, _positive_float, "XLSX size decompressed, MB")
    max_xlsx_rows: int = _setting(250_000, _positive_int, "data rows per XLSX file (slow to read)")
    session_hours: float = _setting(10.0, _positive_float, "session lifetime from login")
    secure_cookies: bool = _setting(False, _bool, "cookies only over HTTPS")
    login_max_failures: int = _setting(5, _positive_int, "failed logins before throttling")
    login_window_minutes: int = _setting(15, _positive_int, "window of the login throttle")
    proxy_fix: int = _setting(0, _non_negative_int, "trusted reverse proxies in front (X-Forwarded-*)")
    api_rate_per_minute: int = _setting(
        120, _positive_int, "API requests per token per minute (every worker; every host on PostgreSQL)"
    )
    api_token_days: int = _setting(90, _positive_int, "default lifetime of a new API token, days")
    catalogue_ttl_seconds: float = _setting(10.0, _positive_float, "dropdown catalogue cache")
    store_silent_days: int = _setting(35, _positive_int, "a store silent longer counts as closed")
    # Live model operations.
    scheduler_enabled: bool = _setting(False, _bool, "nightly retraining and the request runner")
    retrain_cron: str = _setting("30 2 * * *", _text, "when the nightly gate runs")
    offpeak_start: str = _setting("00:00", _hhmm, "off-peak window start (local time)")
    offpeak_end: str = _setting("06:00", _hhmm, "off-peak window end (local time)")
    retrain_min_new_rows: int = _setting(1000, _positive_int, "data gate: new or changed rows")
    retrain_min_new_days: int = _setting(7, _positive_int, "data gate: new days of history")
    train_timeout_seconds: float = _setting(3600.0, _positive_float, "a longer training is stopped")
    model_poll_seconds: float = _setting(2.0, _positive_float, "MASTER check period per worker")
    scheduler_lease_seconds: float = _setting(30.0, _positive_float, "scheduler leader lease")
    retrain_poll_seconds: float = _setting(2.0, _positive_float, "retrain-request pick-up period")
    job_heartbeat_seconds: float = _setting(2.0, _positive_float, "training job heartbeat")
    # Published forecasts (models.publishing): the archive, and serving from it.
    forecast_retention_days: int = _setting(400, _positive_int, "archived forecast snapshots kept, days")
    forecast_publish_hours: float = _setting(
        24.0, _positive_float, "oldest served snapshot before a re-publish"
    )
    forecast_serve_store: bool = _setting(True, _bool, "workers serve published snapshots, not artifacts")
    # Live accuracy of archived forecasts (models.live, README › Monitoring). A level is flagged as
    # drifted when, over the last DRIFT_WINDOW_WEEKS of complete data, its live WAPE exceeds the
    # back-test's (same horizon mix) by DRIFT_FACTOR, or its 80% range holds fewer actuals than
    # DRIFT_MIN_COVERAGE_80; the nightly gate then queues a retrain.
    drift_factor: float = _setting(1.5, _positive_float, "live WAPE above back-test WAPE x this = drift")
    drift_min_coverage_80: float = _setting(0.65, _fraction, "80% range holding fewer actuals = drift")
    drift_window_weeks: int = _setting(4, _positive_int, "weeks of complete data the drift check reads")
    monitoring_enabled: bool = _setting(True, _bool, "forecast-vs-actual view and drift badges")
    forecast_cache_series: int = _setting(1024, _positive_int, "series per level held in a worker's LRU")
    forecast_cache_mb: float = _setting(16.0, _positive_float, "MiB of series per level in that LRU")
    # Training size (None = the engine's documented defaults); small values make fast trial runs.
    train_n_jobs: int = _setting(1, _positive_int, "training parallelism")
    train_folds: int | None = _setting(None, _optional_positive_int, "cross-validation folds")
    train_horizon: int | None = _setting(None, _optional_positive_int, "cross-validation horizon")
    train_families: tuple[str, ...] | None = _setting(None, _name_list, "candidate families")
    train_grids: Any = _setting(None, _json, "hyper-parameter grids (JSON)")  # noqa: RUF009 (a field)
    holidays: str = _setting("BR", _text, "holiday features: holidays-package country[-subdivision] or none")
    # People's language and clock (data.i18n): a user's navbar choice overrides the language.
    language: str = _setting(DEFAULT_LANGUAGE, _language, "pages, CLI and reports: pt_BR or en")
    timezone: str = _setting(DEFAULT_TIMEZONE, _timezone, "IANA time zone that times are shown in")
    # Scale: where training computes and how much of the sales it reads at once.
    dask_address: str | None = _setting(None, _dask_address, "Dask scheduler for training (tcp://host:8786)")
    dask_connect_seconds: float = _setting(10.0, _positive_float, "wait this long for the Dask scheduler")
    train_partition_rows: int = _setting(1_000_000, _positive_int, "sales rows read at once by training")
    # Set by the program, never from the environment.
    testing: bool = field(default=False, metadata={"internal": True})
    cli_command: bool = field(default=False, metadata={"internal": True})

    @property
    def max_upload_bytes(self) -> int:
        """The per-file upload limit in bytes (``max_upload_mb`` MB of 1024² bytes)."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def sales_limits(self) -> SalesLimits:
        """What one sales file may hold and cost to read (dates, values, rows, XLSX expansion)."""
        return SalesLimits(
            min_date=self.min_sales_date,
            max_future_days=self.max_future_days,
            max_value=self.max_sales_value,
            max_rows=self.max_rows_per_file,
            max_xlsx_bytes=int(self.max_xlsx_uncompressed_mb * MB),
            max_xlsx_rows=self.max_xlsx_rows,
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (e.g. a CLI command raising ``train_n_jobs``)."""
        return dataclasses.replace(self, **changes)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with overrides keyed like the environment without the prefix (``{"TRAIN_FOLDS": 2}``)."""
        return dataclasses.replace(self, **_from_overrides(overrides))

    def flask_config(self) -> dict[str, Any]:
        """The keys Flask and its extensions read from ``server.config``."""
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "BABEL_DEFAULT_LOCALE": self.language,
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
        }


def env_name(field_name: str) -> str:
    """The environment variable of a setting (``model_dir`` → ``TRENDSALES_MODEL_DIR``)."""
    return PREFIX + field_name.upper()


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every ``TRENDSALES_*`` variable that is set; ConfigError names a bad one."""
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        if spec.metadata.get("internal"):
            continue
        raw = environ.get(env_name(spec.name))
        if raw is None:
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{env_name(spec.name)}={raw!r} is not valid: {exc}") from None
    return values


def _from_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides keyed like the environment without the prefix (``TRAIN_FOLDS``) or by field name."""
    known = {spec.name for spec in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in overrides.items():
        name = key.lower().removeprefix(PREFIX.lower())
        if name not in known:
            raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        if name == "train_families" and value is not None:
            value = tuple(value)
        values[name] = value
    return values


def _demo_secret_key(instance_dir: Path) -> str:
    """Read the demo secret key from instance/, generating it once so sessions survive restarts.

    Several gunicorn workers may start on a fresh instance at once: each writes its candidate to a
    private temporary file and hard-links it to the final name, which only the first one wins; the
    others read the winner's key, so every worker signs sessions with the same key.
    """
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".secret_key.", dir=instance_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        tmp.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _with_paths(values: dict[str, Any]) -> dict[str, Any]:
    """Fill the paths derived from the instance folder."""
    instance = Path(values.get("instance_dir") or PROJECT_ROOT / "instance")
    return {
        **values,
        "instance_dir": str(instance),
        "database_url": values.get("database_url") or f"sqlite:///{instance / 'trendsales.db'}",
        "model_dir": values.get("model_dir") or str(instance / "models"),
        "upload_dir": values.get("upload_dir") or str(instance / "uploads"),
    }


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    if settings.env == "demo" or settings.testing:
        return _demo_secret_key(Path(settings.instance_dir))
    if settings.cli_command:  # signs no cookie: a throw-away key, never a served one
        return secrets.token_hex(32)
    raise ConfigError(
        "TRENDSALES_SECRET_KEY is not set. Set it to a long random string "
        "(python -c 'import secrets; print(secrets.token_hex(32))'), "
        "or set TRENDSALES_ENV=demo to use a generated key kept in instance/."
    )


def load_config(
    overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the environment once, apply ``overrides``, validate, and create the local folders.

    Raises ConfigError naming the variable when a value is unusable.
    """
    values = _from_environment(os.environ if environ is None else environ)
    values.update(_from_overrides(overrides or {}))
    settings = Settings(**_with_paths(values))
    settings = settings.replace(secret_key=_secret_key(settings))
    for folder in (settings.instance_dir, settings.model_dir, settings.upload_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    return settings
