"""Admin › Models callbacks, training part: retrain request, live job progress, schedule and job history.

The progress view reads the job row from the database on every poll, so it survives page reloads,
is the same for every admin and every worker, and needs no state in the page.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks.guards import admin_only
from components import ids
from components.admin.common import format_pct, message
from components.admin.training import ACTIVE_POLL_MS, IDLE_POLL_MS, outcome_list, schedule_text, status_line
from components.i18n import _, text_language, timestamp
from data.schema import utc_now
from models.promotion import decision_from_dict, describe
from services.retraining import (
    JobError,
    JobInfo,
    ScheduleFacts,
    current_job,
    list_jobs,
    request_retrain,
    schedule_facts,
)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    return (
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60}:{seconds % 60:02d}")
    )


def job_seconds(job: JobInfo, now: dt.datetime | None = None) -> float | None:
    """Seconds the job has been running (or ran), from its start; None when not started."""
    if job.started_at is None:
        return None
    end = job.finished_at or now or utc_now()
    return (end - job.started_at).total_seconds()


def level_text(outcome: dict[str, Any]) -> str:
    """One level's result in plain words: the promotion reason, or the error."""
    if outcome.get("error"):
        return _("failed: %(error)s", error=outcome["error"])
    reason = outcome.get("reason") or ""
    if outcome.get("decision"):  # the stored decision, rendered in the reader's language and number format
        reason = describe(decision_from_dict(outcome["decision"]), text_language())
    version = outcome.get("version_id")
    wape = (outcome.get("metrics") or {}).get("wape")
    head = (
        _("version %(version)s (WAPE %(wape)s)", version=version, wape=format_pct(wape))
        if version
        else _("no version")
    )
    return f"{head} — {reason}" if reason else head


def level_outcomes(job: JobInfo) -> list[dict[str, Any]]:
    """Per-level results of a finished training job (empty for skipped or unfinished jobs)."""
    outcome = job.outcome or {}
    rows = []
    for level, item in outcome.items():
        if not isinstance(item, dict) or "promoted" not in item:
            continue
        rows.append(
            {
                "level": level,
                "promoted": bool(item.get("promoted")),
                "error": item.get("error"),
                "text": level_text(item),
            }
        )
    return rows


def job_view(job: JobInfo | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the progress panel shows for ``job`` (None: no job yet)."""
    if job is None:
        return {"job_id": None, "status": None, "active": False, "percent": 0, "label": "", "levels": []}
    total = job.progress_total or 0
    percent = 100 if job.status == "succeeded" else (round(100 * job.progress_step / total) if total else 0)
    seconds = job_seconds(job, now)

    label = job.progress_label or ""
    if job.active and total:
        label = _("step %(step)s/%(total)s: %(label)s", step=job.progress_step, total=total, label=label)
    return {
        "job_id": job.id,
        "status": job.status,
        "trigger": job.trigger,
        "requested_by": job.requested_by,
        "active": job.active,
        "percent": max(0, min(100, percent)),
        "label": label,
        "elapsed_text": _("waiting to start")
        if seconds is None
        else (
            _("%(time)s elapsed", time=_duration(seconds))
            if job.active
            else _("took %(time)s", time=_duration(seconds))
        ),
        "levels": level_outcomes(job),
        "error": job.error,
    }


def job_rows(jobs: list[JobInfo], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Rows of the jobs grid: status, duration, trigger, outcome per level, error."""
    rows = []
    for job in jobs:
        levels = level_outcomes(job)
        if levels:
            outcome = "; ".join(
                f"{_(lv['level'])}: {_('promoted') if lv['promoted'] else _('kept MASTER')}"
                if not lv["error"]
                else f"{_(lv['level'])}: {_('failed')}"
                for lv in levels
            )
        else:
            outcome = (job.outcome or {}).get("reason") or job.progress_label or ""
        rows.append(
            {
                "id": job.id,
                "trigger": _(job.trigger),
                "requested_by": job.requested_by,
                "status": _(job.status),
                "created_at": job.created_at.isoformat(sep=" ", timespec="seconds"),
                "created_at_text": timestamp(job.created_at, zone=False),
                "duration": _duration(job_seconds(job, now)),
                "outcome": outcome,
                "error": job.error or "",
            }
        )
    return rows


def schedule_info(facts: ScheduleFacts) -> dict[str, Any]:
    """The schedule panel's sentences: when the nightly gate runs next, and whether it would train now."""
    if not facts.enabled:
        next_run = _(
            "Scheduled retraining is off (TRENDSALES_SCHEDULER_ENABLED); retrain requests wait for it."
        )
    elif facts.cron_error is not None:
        next_run = _("Scheduled retraining is misconfigured: %(error)s", error=facts.cron_error)
    else:
        next_run = _("Next scheduled run: %(when)s", when=timestamp(_naive_utc(facts.next_run)))
    verdict = _("would train") if facts.gate_train else _("would skip")
    gate = _("Data gate: %(verdict)s — %(reason)s", verdict=verdict, reason=facts.gate_reason)
    return {"next_run": next_run, "gate": gate, "gate_train": facts.gate_train}


def _naive_utc(when: dt.datetime | None) -> dt.datetime | None:
    """A (possibly zone-aware) time as naive UTC, the way the database keeps times."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def start_retrain(services: Any, actor: str) -> tuple[str, str]:
    """Create (or join) a manual retrain request (audited); returns (message, color)."""
    try:
        request = request_retrain(services, actor=actor, trigger="manual")
    except JobError as exc:
        return str(exc), "danger"
    return request.message, "success" if request.created else "info"


def register(app: Dash, services: Any) -> None:
    """Register the retrain, progress and job-history callbacks (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_RETRAIN_MODAL, "is_open"),
        Output(ids.ADMIN_RETRAIN_MESSAGE, "children"),
        Output(ids.ADMIN_RETRAIN_REQUESTED, "data"),
        Input(ids.ADMIN_RETRAIN, "n_clicks"),
        Input(ids.ADMIN_RETRAIN_CANCEL, "n_clicks"),
        Input(ids.ADMIN_RETRAIN_CONFIRM, "n_clicks"),
        prevent_initial_call=True,
    )
    @admin_only
    def retrain(_open: Any, _cancel: Any, _confirm: Any) -> tuple:
        if ctx.triggered_id == ids.ADMIN_RETRAIN:
            return True, no_update, no_update
        if ctx.triggered_id == ids.ADMIN_RETRAIN_CONFIRM:
            text, color = start_retrain(services, current_user.username)
            return False, message(text, color), time.time()
        return False, no_update, no_update

    @app.callback(
        Output(ids.ADMIN_JOB_STATUS, "children"),
        Output(ids.ADMIN_JOB_PROGRESS, "value"),
        Output(ids.ADMIN_JOB_PROGRESS, "label"),
        Output(ids.ADMIN_JOB_PROGRESS, "animated"),
        Output(ids.ADMIN_JOB_PROGRESS, "color"),
        Output(ids.ADMIN_JOB_OUTCOME, "children"),
        Output(ids.ADMIN_RETRAIN, "disabled"),
        Output(ids.ADMIN_JOB_POLL, "interval"),
        Output(ids.ADMIN_JOB_STATE, "data"),
        Input(ids.ADMIN_JOB_POLL, "n_intervals"),
        Input(ids.ADMIN_RETRAIN_REQUESTED, "data"),
        State(ids.ADMIN_JOB_STATE, "data"),
    )
    @admin_only
    def poll(_ticks: Any, _requested: Any, seen: dict | None) -> tuple:
        view = job_view(current_job(services))
        color = {"failed": "danger", "succeeded": "success"}.get(view["status"] or "", "primary")
        state = {"job_id": view["job_id"], "status": view["status"]}
        return (
            status_line(view),
            view["percent"],
            f"{view['percent']}%" if view["job_id"] else "",
            view["active"],
            color,
            None if view["active"] else outcome_list(view),
            view["active"],
            ACTIVE_POLL_MS if view["active"] else IDLE_POLL_MS,
            state if state != seen else no_update,
        )

    @app.callback(
        Output(ids.ADMIN_JOBS_GRID, "rowData"),
        Output(ids.ADMIN_SCHEDULE, "children"),
        Input(ids.ADMIN_JOB_STATE, "data"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def jobs(_state: Any, _clicks: Any) -> tuple:
        rows = job_rows(list_jobs(services, limit=100))
        return rows, schedule_text(schedule_info(schedule_facts(services.config, services.engine)))
