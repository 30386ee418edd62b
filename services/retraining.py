"""Retraining: request or cancel a retrain (audited), run one here, and the training panel's facts.

A request only records a job (coalesced with the active one: at most one queued or running job);
the leader's scheduler runs it in a child process. Admin › Models and the CLI ``retrain``/``jobs``
commands call this module, so both record the same jobs and audit rows, and neither imports the
scheduler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data.audit import audit
from data.db import session_scope
from data.i18n import Message
from data.schema import utc_now
from models.promotion import decision_from_dict, describe
from scheduler import jobs, jobstore
from scheduler.jobstore import JobError, JobInfo, RetrainRequest, skip_reason
from scheduler.leader import process_identity, read_lease
from scheduler.runner import check_cron

__all__ = [
    "JobError",
    "JobInfo",
    "RetrainRequest",
    "ScheduleFacts",
    "cancel_retrain",
    "current_job",
    "get_job",
    "last_run_seconds",
    "last_trained_at",
    "list_jobs",
    "outcome_reason",
    "request_retrain",
    "retrain_after_refusal",
    "run_here",
    "schedule_facts",
    "scheduler_alive",
    "skip_reason",
]


class RetrainServices(Protocol):
    """What these use cases need from ``app.services.Services``."""

    config: Any  # app.config.Settings
    engine: Engine
    sessions: sessionmaker[Session]


def _audit(services: RetrainServices, actor: str, action: str, **detail: object) -> None:
    with session_scope(services.sessions) as session:
        audit(session, actor, action, **detail)


def request_retrain(
    services: RetrainServices, *, actor: str, trigger: str = "manual", levels: Iterable[str] | None = None
) -> RetrainRequest:
    """Record a retrain request by ``actor`` (or join the active job) and audit it.

    Returns at once with the job id; ``JobError`` for an invalid trigger, level or requester.
    """
    request = jobs.request_retrain(
        services, trigger=trigger, requested_by=actor, levels=list(levels) if levels else None
    )
    _audit(services, actor, "retrain_requested", job=request.job_id, created=request.created)
    return request


REFUSAL_ACTOR = "model holder"


def retrain_after_refusal(
    services: RetrainServices, level: str, version_id: str, error: Exception
) -> RetrainRequest | None:
    """Queue a retrain of every level when a MASTER artifact's format cannot be read (audited).

    Why: an artifact written by a newer engine (or a corrupt format field) will never load in this
    process; retraining replaces it with one this engine reads. Every level is retrained so the served
    levels keep one forecast origin (reconciliation needs it). Other refusals (a broken file, a failed
    trial forecast) queue nothing: retraining would not explain them. Returns the request or None.
    """
    from models.artifacts import ArtifactFormatError

    if not isinstance(error, ArtifactFormatError):
        return None
    request = jobs.request_retrain(services, trigger="model_refused", requested_by=REFUSAL_ACTOR)
    _audit(
        services,
        REFUSAL_ACTOR,
        "retrain_requested",
        job=request.job_id,
        created=request.created,
        level=level,
        refused_version=version_id,
        reason=str(error)[:300],
    )
    return request


def cancel_retrain(services: RetrainServices, job_id: int, *, actor: str) -> JobInfo:
    """Cancel a queued or running retrain job and audit it; return the job as it ended.

    A queued job never starts. A running job's training process is stopped by its runner at the next
    heartbeat (seconds), before it can promote anything. ``JobError`` when the job is unknown or ended.
    """
    before = jobstore.get_job(services.engine, job_id)
    job = jobstore.cancel_job(services.engine, job_id, by=actor)
    _audit(services, actor, "retrain_cancelled", job=job_id, was=before.status)
    return job


def run_here(services: RetrainServices, job_id: int) -> bool:
    """Run the oldest queued job in this process (CLI ``retrain --here``); True when that was ``job_id``."""
    ran = jobs.run_pending(services, runner=f"cli:{process_identity()}")
    return ran is not None and ran.job_id == job_id


def outcome_reason(outcome: dict[str, Any], language: str) -> str:
    """A level's promotion reason from a job record, in ``language``: the stored decision rendered
    again (numbers in that language's format), or the stored English sentence for older records."""
    if outcome.get("decision"):
        return describe(decision_from_dict(outcome["decision"]), language)
    return str(outcome.get("reason") or "")


def scheduler_alive(services: RetrainServices) -> bool:
    """True when a running server holds the scheduler lease, so a queued request will be picked up."""
    lease = read_lease(services.engine)
    return lease is not None and not lease.expired(utc_now())


def get_job(services: RetrainServices, job_id: int) -> JobInfo:
    """The job ``job_id``; ``JobError`` when there is none."""
    return jobstore.get_job(services.engine, job_id)


def list_jobs(services: RetrainServices, *, limit: int = 20, status: str | None = None) -> list[JobInfo]:
    """The newest ``limit`` jobs, optionally of one status."""
    return jobstore.list_jobs(services.engine, limit=limit, status=status)


def current_job(services: RetrainServices) -> JobInfo | None:
    """The job the progress panel follows: the active one, else the newest job that was not skipped."""
    job = jobstore.active_job(services.engine)
    if job is not None:
        return job
    return next((j for j in jobstore.list_jobs(services.engine, limit=20) if j.status != "skipped"), None)


def last_run_seconds(services: RetrainServices) -> float | None:
    """How long the newest succeeded training job ran (the ETA of the next one), None without one."""
    done = jobstore.list_jobs(services.engine, limit=1, status="succeeded")
    if not done or done[0].started_at is None or done[0].finished_at is None:
        return None
    return (done[0].finished_at - done[0].started_at).total_seconds()


def last_trained_at(services: RetrainServices) -> dt.datetime | None:
    """When the newest training started (a job's start, or a version created outside the job queue,
    e.g. by ``flask train`` or the first run), None when no model was ever trained."""
    return jobstore.last_training_at(services.engine)


@dataclass(frozen=True)
class ScheduleFacts:
    """When the nightly gate runs next and whether it would train now, and why."""

    enabled: bool
    next_run: dt.datetime | None
    cron_error: str | None
    gate_train: bool
    gate_reason: Message  # shown in the reader's language; str() is English
    gate: dict[str, Any]


def schedule_facts(config: Any, engine: Engine, now: dt.datetime | None = None) -> ScheduleFacts:
    """The scheduler's next nightly run (when enabled and the cron is valid) and the data gate's verdict.

    ``config`` is the app's settings (``scheduler_enabled``, ``retrain_cron``, the off-peak window and
    the gate's minimums).
    """
    next_run, error = None, None
    if config.scheduler_enabled:
        try:
            trigger = check_cron(config.retrain_cron, config.offpeak_start, config.offpeak_end)
            next_run = trigger.get_next_fire_time(None, now or dt.datetime.now(trigger.timezone))
        except ValueError as exc:
            error = str(exc)
    train, reason, facts = jobs.gate_facts(engine, config)
    return ScheduleFacts(config.scheduler_enabled, next_run, error, train, reason, facts)
