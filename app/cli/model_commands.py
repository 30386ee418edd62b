"""``train``, ``models list|promote`` and ``forecast`` commands (CONTRACT §3).

Thin wrappers: training and promotion are the use cases ``services.training`` and
``services.promotion``; listing and forecasting read ``models.registry`` and the MASTER
``LevelForecaster``. These functions parse options, show progress and print results.
"""

from __future__ import annotations

import difflib
import sys
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.cli.progress import ProgressLine
from app.services import get_services
from data.frequency import FREQUENCIES
from data.i18n import format_number, format_percent, readable_text
from data.schema import LEVELS
from models.artifacts import ArtifactError
from models.holder import ModelUnavailableError
from models.promotion import describe
from models.reconciliation import coherence_line
from models.registry import RegistryError, list_versions
from models.series import series_id
from services.forecast_view import RegistrySource, forecast_series
from services.promotion import promote_version
from services.training import LevelOutcome, SlotBusyError, TrainingError, train_in_slot

MANUAL_REASON = "manual promotion by CLI"


def _language() -> str:
    """The CLI's language: TRENDSALES_LANGUAGE (Flask-Babel's default locale in the app context)."""
    return get_services().config.language


def _pct(value: Any) -> str:
    return _("n/a") if value is None else format_percent(float(value), 1, _language())


def _num(value: Any) -> str:
    return _("n/a") if value is None else format_number(float(value), 3, _language())


def format_outcome(outcome: LevelOutcome) -> str:
    """Human summary of one level: version, CV metrics vs seasonal naive, promoted or not and why."""
    if outcome.version_id is None:
        return _("[%(level)s] FAILED: %(reason)s", level=outcome.level, reason=outcome.reason)
    m, b = outcome.metrics, outcome.baseline_metrics
    verdict = _("PROMOTED to MASTER") if outcome.promoted else _("not promoted")
    reason = outcome.reason if outcome.decision is None else describe(outcome.decision, _language())
    return "\n".join(
        [
            _("[%(level)s] version %(version)s", level=outcome.level, version=outcome.version_id),
            "  "
            + _(
                "CV (winner):    WAPE %(wape)s  MASE %(mase)s  80%% interval coverage %(cov)s",
                wape=_pct(m.get("wape")),
                mase=_num(m.get("mase")),
                cov=_pct(m.get("coverage_80")),
            ),
            "  "
            + _(
                "seasonal naive: WAPE %(wape)s  MASE %(mase)s  80%% interval coverage %(cov)s",
                wape=_pct(b.get("wape")),
                mase=_num(b.get("mase")),
                cov=_pct(b.get("coverage_80")),
            ),
            f"  {verdict}: {reason}",
            *(
                [f"  {coherence_line(outcome.reconciliation, outcome.level)}"]
                if outcome.reconciliation
                else []
            ),
            "  "
            + _(
                "took %(seconds)s s",
                seconds=format_number(outcome.durations.get("total", 0.0), 1, _language()),
            ),
        ]
    )


@click.command("train")
@click.option(
    "--level", "levels", multiple=True, type=click.Choice(LEVELS), help="Level to train (repeatable)."
)
@click.option("--no-promote", is_flag=True, help="Register candidates only; never change a MASTER.")
@click.option(
    "--wait", is_flag=True, help="When another training runs, wait for it to end instead of failing."
)
@with_appcontext
def train_cmd(levels: tuple[str, ...], no_promote: bool, wait: bool) -> None:
    """Train the models, register candidates and promote winners (all levels by default).

    Takes the training slot that ``retrain`` and the scheduler use: while another training runs this
    fails naming it (exit code 1), or waits for it with ``--wait``.
    """
    services = get_services()
    progress = ProgressLine(services.config.language)
    try:
        _job, outcomes = train_in_slot(
            services.engine,
            services.config,
            requested_by="cli",
            levels=levels or None,
            promote=not no_promote,
            progress=progress,
            wait=wait,
        )
    except SlotBusyError as exc:
        raise click.ClickException(f"{exc}. Try again when it has ended, or add --wait.") from exc
    except TrainingError as exc:
        progress.close()
        raise click.ClickException(str(exc)) from exc
    progress.close()
    for outcome in outcomes.values():
        click.echo(format_outcome(outcome))
    if any(not o.ok for o in outcomes.values()):
        sys.exit(1)


models_cli = AppGroup("models", help="List model versions and promote one to MASTER.")


@models_cli.command("list")
@click.option("--level", type=click.Choice(LEVELS), default=None, help="Only this level.")
def list_cmd(level: str | None) -> None:
    """Versions, newest first: version, level, created, CV WAPE, MASE, status."""
    versions = list_versions(get_services().engine, level)
    if not versions:
        click.echo(_("No model versions yet: run `flask --app wsgi train`."))
        return
    rows = [("VERSION", "LEVEL", "CREATED (UTC)", "WAPE", "MASE", "NAIVE WAPE", "STATUS")]
    for v in versions:
        metrics = v.metrics or {}
        rows.append(
            (
                v.id,
                v.level,
                v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                _pct(metrics.get("wape")),
                _num(metrics.get("mase")),
                _pct((metrics.get("baseline") or {}).get("wape")),
                v.status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@models_cli.command("promote")
@click.argument("version")
def promote_cmd(version: str) -> None:
    """Make VERSION the MASTER of its level (admin override or rollback)."""
    try:
        services = get_services()
        plan = promote_version(
            services.engine, version, reason=MANUAL_REASON, actor="cli", publish=services.config
        )
    except RegistryError as exc:
        raise click.ClickException(exc.text(get_services().config.language)) from exc
    if not plan.changes:
        click.echo(
            _(
                "%(version)s is already the MASTER of level %(level)s; nothing changed.",
                version=version,
                level=plan.level,
            )
        )
        return
    was = f" (was {plan.previous})" if plan.previous else ""
    click.echo(f"{version} is now the MASTER of level {plan.level}{was}.")


def _parse_ids(series_ids: list[str]) -> dict[str, set[str]]:
    """Split ``store=S|product=P`` ids into the known values of each part."""
    parts: dict[str, set[str]] = {"store": set(), "category": set(), "product": set()}
    for sid in series_ids:
        for piece in sid.split("|"):
            key, _, value = piece.partition("=")
            if key in parts and value != "*":
                parts[key].add(value)
    return parts


def _unknown(kind: str, value: str, known: set[str]) -> click.ClickException:
    close = difflib.get_close_matches(value, sorted(known), n=5, cutoff=0.4)
    if close:
        hint = f"did you mean {', '.join(close)}?"
    else:
        sample = sorted(known)[:10]
        more = f" (and {len(known) - 10} more)" if len(known) > 10 else ""
        hint = f"known {kind}s: {', '.join(sample)}{more}"
    return click.ClickException(f"unknown {kind} {value!r} in the MASTER model; {hint}")


def resolve_series(
    forecaster: Any, level: str, store: str | None, category: str | None, product: str | None
) -> str:
    """The series id to forecast, or a ClickException naming what is missing or unknown."""
    known = _parse_ids(list(forecaster.series_ids))
    if level == "store":
        category = product = None
    elif level == "category":
        product = None
        if category is None:
            raise click.ClickException(
                "--category is required for the category level; known: "
                + ", ".join(sorted(known["category"]))
            )
    elif product is None:
        raise click.ClickException("--product is required for the product level")
    if store is not None and store not in known["store"]:
        raise _unknown("store", store, known["store"])
    if category is not None and category not in known["category"]:
        raise _unknown("category", category, known["category"])
    if product is not None and product not in known["product"]:
        raise _unknown("product", product, known["product"])
    sid = series_id(level, store=store, category=category, product=product)
    if sid not in set(forecaster.series_ids):
        raise click.ClickException(f"no series {sid!r} in the MASTER model (that combination has no sales)")
    return sid


@click.command("forecast")
@click.option("--level", required=True, type=click.Choice(LEVELS))
@click.option("--store", default=None, help="Store (omit for all stores together).")
@click.option("--category", default=None, help="Category (category level).")
@click.option("--product", default=None, help="Product (product level).")
@click.option("--horizon", required=True, type=click.IntRange(min=1), help="Steps ahead to forecast.")
@click.option(
    "--freq",
    type=click.Choice(tuple(FREQUENCIES)),
    default=None,
    help="Output frequency (default: the data's).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Prediction interval level.",
)
@with_appcontext
def forecast_cmd(
    level: str,
    store: str | None,
    category: str | None,
    product: str | None,
    horizon: int,
    freq: str | None,
    interval: float,
) -> None:
    """Write ``date,forecast,lower,upper`` CSV to stdout from the MASTER model of LEVEL."""
    source = RegistrySource(get_services().engine)
    try:
        forecaster = source.model(level)
    except (ModelUnavailableError, ArtifactError, RegistryError) as exc:
        raise click.ClickException(readable_text(exc, get_services().config.language)) from exc
    sid = resolve_series(forecaster, level, store, category, product)
    try:
        result = forecast_series(source, level, sid, horizon, freq=freq, interval=interval)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    frame = result.frame[["date", "forecast", "lower", "upper"]].copy()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    click.echo(frame.to_csv(index=False, float_format="%.4f"), nl=False)
