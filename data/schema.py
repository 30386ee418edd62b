"""Database schema: every table of Trend Sales, declared once for SQLAlchemy and Alembic.

All timestamps are naive UTC (``utc_now``) so SQLite and PostgreSQL behave the same.
The ORM classes carry no behaviour beyond small derived properties; the logic that
reads and writes them lives in the modules that own each concern.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("admin", "manager")
LEVELS = ("store", "category", "product")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "skipped", "cancelled")
UPLOAD_STATUSES = ("imported", "unchanged", "rejected", "undone")


def utc_now() -> dt.datetime:
    """Current time as naive UTC, the single time convention of the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base shared by every table (one metadata for Alembic)."""


class User(Base):
    """A person who can log in. Also implements the small flask-login user protocol."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="manager")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    access_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    request_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Bumped on password change so that other sessions of the same user stop working.
    session_token: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # The user's language (data.i18n.LANGUAGES); None follows TRENDSALES_LANGUAGE.
    language: Mapped[str | None] = mapped_column(String(8))

    # flask-login protocol (kept here so the data package needs no Flask import).
    @property
    def is_active(self) -> bool:
        """Inactive accounts (pending requests, deactivated users) cannot log in."""
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        """Every loaded user row is an authenticated user."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Rows are never anonymous."""
        return False

    @property
    def is_admin(self) -> bool:
        """True for the admin role."""
        return self.role == "admin"

    def get_id(self) -> str:
        """Session identifier: user id plus session token, so a password change logs others out."""
        return f"{self.id}:{self.session_token}"


class LoginAttempt(Base):
    """One login attempt, for throttling failed logins per user and per address across workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)

    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )


class AuditEvent(Base):
    """Who did what and when: every admin action leaves one row."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Store(Base):
    """Catalogue of stores seen in the sales data (kept in step by the importer)."""

    __tablename__ = "stores"

    store: Mapped[str] = mapped_column(String(128), primary_key=True)


class Product(Base):
    """Catalogue of products; a product belongs to exactly one category."""

    __tablename__ = "products"

    product: Mapped[str] = mapped_column(String(128), primary_key=True)
    category: Mapped[str] = mapped_column(String(128), nullable=False, index=True)

    # A category's products in name order: the picker's first matches without a sort (migration 0010).
    __table_args__ = (Index("ix_products_category_product", "category", "product"),)


# The sales text keys compare bytewise on PostgreSQL (migration 0015): their index builds sort by
# ``memcmp``; equality, and so every lookup and join, is the same in any collation. SQLite is bytewise.
SALES_KEY_TEXT = String(128).with_variant(String(128, collation="C"), "postgresql")


class Sale(Base):
    """Revenue of one product in one store on one date (at the dataset's detected grain)."""

    __tablename__ = "sales"

    store: Mapped[str] = mapped_column(SALES_KEY_TEXT, primary_key=True)
    product: Mapped[str] = mapped_column(SALES_KEY_TEXT, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(SALES_KEY_TEXT, nullable=False)
    revenue: Mapped[float] = mapped_column(Float, nullable=False)
    units: Mapped[float | None] = mapped_column(Float)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))

    __table_args__ = (
        Index("ix_sales_date_revenue", "date", "revenue"),  # covering: all-stores series (migration 0002)
        # A category's sales are its products' (data.queries): covering on PostgreSQL (migration 0016).
        Index("ix_sales_product_date", "product", "date", postgresql_include=["revenue"]),
    )


class Upload(Base):
    """One imported (or rejected) sales file."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    stored_path: Mapped[str | None] = mapped_column(String(512))
    uploaded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # one of UPLOAD_STATUSES
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_replaced: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frequency: Mapped[str | None] = mapped_column(String(4))
    date_min: Mapped[dt.date | None] = mapped_column(Date)
    date_max: Mapped[dt.date | None] = mapped_column(Date)
    error: Mapped[str | None] = mapped_column(Text)
    # The rejection in every translated language: {language: {"first": cell, "full": tooltip}}
    # (``data.problems.rejection_texts``; migration 0013). ``error`` above stays the English record.
    error_texts: Mapped[dict | None] = mapped_column(JSON)
    # The values this upload replaced are in ``replaced_sales`` (imports since migration 0003), so it
    # can be undone; older uploads cannot.
    keeps_replaced: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(80))
    rows_undone: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class ReplacedSale(Base):
    """The value a sales key held before an import replaced it: what undoing that import restores."""

    __tablename__ = "replaced_sales"

    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), primary_key=True)
    store: Mapped[str] = mapped_column(String(128), primary_key=True)
    product: Mapped[str] = mapped_column(String(128), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(128), nullable=False)
    revenue: Mapped[float] = mapped_column(Float, nullable=False)
    units: Mapped[float | None] = mapped_column(Float)
    # The upload that had written the replaced value (what the key's ``sales.upload_id`` goes back to).
    previous_upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"), index=True)


class Setting(Base):
    """Small key/value facts about the dataset and the installation (e.g. detected frequency)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)


class ModelVersion(Base):
    """One trained model of one level (MLflow-style registry entry)."""

    __tablename__ = "model_versions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="candidate")
    source: Mapped[str] = mapped_column(String(64), nullable=False, default="cli")
    job_id: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data_fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    artifact_path: Mapped[str] = mapped_column(String(512), nullable=False)
    report_path: Mapped[str | None] = mapped_column(String(512))
    decision: Mapped[str | None] = mapped_column(Text)
    promoted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    tags: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RegistryAlias(Base):
    """The MASTER alias of a level: points at exactly one version. Its row is the cheap version check."""

    __tablename__ = "registry_aliases"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    alias: Mapped[str] = mapped_column(String(16), primary_key=True, default="MASTER")
    version_id: Mapped[str] = mapped_column(ForeignKey("model_versions.id"), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)


class TrainingJob(Base):
    """A retrain request and its run: status, progress, outcome per level, error."""

    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(
        String(32), nullable=False
    )  # manual | schedule | cli | model_refused
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    runner: Mapped[str | None] = mapped_column(String(128))
    levels: Mapped[list[str] | None] = mapped_column(JSON)
    progress_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_label: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A named lease held by one process (scheduler leadership across workers and hosts)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), nullable=False)
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)


class UserStoreScope(Base):
    """One store a manager may see. A user with no rows sees every store (the default)."""

    __tablename__ = "user_store_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    store: Mapped[str] = mapped_column(String(128), primary_key=True)


class ApiToken(Base):
    """A personal API token: only the sha256 of its secret is stored; it acts as its owner."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ForecastSnapshot(Base):
    """One published set of forecasts of a level ("what we said"): metadata; the rows are in ``path``.

    The points (series_id, date, forecast, 80/95% bounds at the data's own frequency) live in a
    Parquet file in the model folder, sorted by series, so a snapshot of a million series stays one
    file read by row-group pruning; the database row is what every worker and host lists and trusts.
    """

    __tablename__ = "forecast_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    origin: Mapped[dt.date] = mapped_column(Date, nullable=False)  # last actual date the forecast saw
    freq: Mapped[str] = mapped_column(String(1), nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)  # promotion | data | daily | ...
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    path: Mapped[str] = mapped_column(String(512), nullable=False)
    n_series: Mapped[int] = mapped_column(Integer, nullable=False)
    n_rows: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (Index("ix_forecast_snapshots_level_created", "level", "created_at"),)


class StoreProduct(Base):
    """One (store, product) series with sales: the series catalogue (kept in step by imports and undos).

    What a store carries, read from here instead of ``DISTINCT`` over every sales row of the store:
    the dashboard's catalogue and pickers stay a few index reads at a million series (migration 0010).
    """

    __tablename__ = "store_products"

    store: Mapped[str] = mapped_column(String(128), primary_key=True)
    product: Mapped[str] = mapped_column(String(128), primary_key=True)
    category: Mapped[str] = mapped_column(String(128), nullable=False)

    __table_args__ = (
        Index("ix_store_products_product_store", "product", "store"),
        Index("ix_store_products_store_category_product", "store", "category", "product"),
    )


class DriftFlag(Base):
    """The live-accuracy verdict of one level's serving version (one row per level, overwritten).

    Kept so the flag is raised and cleared once (one audit entry per change), the tabs and Admin ›
    Models read it with one query, and the nightly gate knows since when a level has drifted.
    """

    __tablename__ = "drift_flags"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    since: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when the current flag was raised
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Event(Base):
    """A dated event that moves sales (promotion, local festival…): a feature for the global models and a
    marker on the charts. ``store`` None means every store. The table is the calendar of the last
    imported events file (an import replaces it in one transaction)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    store: Mapped[str | None] = mapped_column(String(128))
    source_file: Mapped[str] = mapped_column(String(255), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utc_now)
    imported_by: Mapped[str] = mapped_column(String(80), nullable=False)

    __table_args__ = (UniqueConstraint("date", "name", "store", name="uq_events_date_name_store"),)


class RateWindow(Base):
    """The request times of one rate-limit key inside the last window, when the database is shared by
    several hosts (PostgreSQL): every worker of every host counts in this row, under a row lock
    (``data.rate_window.allow_request_in_database``). SQLite deployments count in host files."""

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    times: Mapped[str] = mapped_column(Text, nullable=False, default="")
