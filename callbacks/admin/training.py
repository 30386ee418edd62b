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
from data.i18n import readable_text
from data.schema import utc_now
from models.vocabulary import progress_text
from services.retraining import (
    JobError,
    JobInfo,
    ScheduleFacts,
    cancel_retrain,
    current_job,
    last_run_seconds,
    last_trained_at,
    list_jobs,
    outcome_reason,
    request_retrain,
    schedule_facts,
    skip_reason,
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
    reason = outcome_reason(outcome, text_language())
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


def eta_text(job: JobInfo, seconds: float | None, previous: float | None) -> str:
    """The time left of an active ``job`` estimated from the ``previous`` run's duration (seconds)."""
    if not job.active or previous is None:
        return ""
    if seconds is None:
        return _("the last run took %(time)s", time=_duration(previous))
    left = previous - seconds
    if left <= 0:
        return _("taking longer than the last run (%(time)s)", time=_duration(previous))
    return _(
        "about %(left)s left (the last run took %(time)s)", left=_duration(left), time=_duration(previous)
    )


def job_view(
    job: JobInfo | None,
    now: dt.datetime | None = None,
    *,
    previous: float | None = None,
    trained_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything the progress panel shows for ``job`` (None: no job yet; ``trained_at`` then says when
    the models in use were trained outside the job queue); ``previous``: the last run's seconds (ETA)."""
    if job is None:
        return {
            "job_id": None,
            "status": None,
            "active": False,
            "percent": 0,
            "label": "",
            "levels": [],
            "trained_at": trained_at,
        }
    total = job.progress_total or 0
    percent = 100 if job.status == "succeeded" else (round(100 * job.progress_step / total) if total else 0)
    seconds = job_seconds(job, now)

    label = progress_text(job.progress_label, text_language())
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
        "eta_text": eta_text(job, seconds, previous),
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
            language = text_language()
            outcome = skip_reason(job.outcome, language) or progress_text(job.progress_label, language)
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
    gate = _(
        "Data gate: %(verdict)s — %(reason)s", verdict=verdict, reason=facts.gate_reason.text(text_language())
    )
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
        return readable_text(exc, text_language()), "danger"
    if request.created:
        return _("Retrain job %(job)s queued.", job=request.job_id), "success"
    return (
        _(
            "A retrain is already %(status)s (job %(job)s); your request joins it.",
            status=_(request.status),
            job=request.job_id,
        ),
        "info",
    )


def clears_request_message(state: dict[str, Any], seen: dict | None) -> bool:
    """True when the "Job N queued" message under Retrain must go: the followed job started or ended
    (the status line then says more; a message left up read "queued" through the whole run)."""
    return state != seen and state.get("status") not in (None, "queued")


def cancel_training(services: Any, job_id: Any, actor: str) -> tuple[str, str]:
    """Cancel the active job ``job_id`` for ``actor`` (audited; the MASTER models stay as they are);
    returns (message, color)."""
    if not isinstance(job_id, int):
        return _("There is no training to cancel."), "secondary"
    try:
        job = cancel_retrain(services, job_id, actor=actor)
    except JobError as exc:
        return readable_text(exc, text_language()), "secondary"
    return (
        _(
            "Training job %(job)s cancelled (%(why)s). The models in use are unchanged.",
            job=job.id,
            why=job.error,
        ),
        "warning",
    )


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
        Output(ids.ADMIN_JOB_CANCEL_MESSAGE, "children"),
        Output(ids.ADMIN_RETRAIN_REQUESTED, "data", allow_duplicate=True),
        Input(ids.ADMIN_JOB_CANCEL, "n_clicks"),
        State(ids.ADMIN_JOB_STATE, "data"),
        prevent_initial_call=True,
    )
    @admin_only
    def cancel(_clicks: Any, seen: dict | None) -> tuple:
        job_id = (seen or {}).get("job_id") if isinstance(seen, dict) else None
        text, color = cancel_training(services, job_id, current_user.username)
        return message(text, color), time.time()

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
        Output(ids.ADMIN_JOB_CANCEL, "disabled"),
        Output(ids.ADMIN_RETRAIN_MESSAGE, "children", allow_duplicate=True),
        Input(ids.ADMIN_JOB_POLL, "n_intervals"),
        Input(ids.ADMIN_RETRAIN_REQUESTED, "data"),
        State(ids.ADMIN_JOB_STATE, "data"),
        prevent_initial_call="initial_duplicate",
    )
    @admin_only
    def poll(_ticks: Any, _requested: Any, seen: dict | None) -> tuple:
        job = current_job(services)
        view = job_view(
            job,
            previous=last_run_seconds(services) if job is not None and job.active else None,
            trained_at=last_trained_at(services) if job is None else None,
        )
        color = {"failed": "danger", "succeeded": "success"}.get(view["status"] or "", "primary")
        state = {"job_id": view["job_id"], "status": view["status"]}
        changed = state != seen
        return (
            status_line(view),
            view["percent"],
            f"{view['percent']}%" if view["job_id"] else "",
            view["active"],
            color,
            None if view["active"] else outcome_list(view),
            view["active"],
            ACTIVE_POLL_MS if view["active"] else IDLE_POLL_MS,
            state if changed else no_update,
            not view["active"],
            None if clears_request_message(state, seen) else no_update,
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
