"""Training job rows: request (coalesced), claim, progress, finish, recovery and listing.

At most one job is *active* (queued or running) at any time, across every process and host: the
request inserts its job row and a ``locks`` row named ``training-slot`` in one transaction, and the
primary key of ``locks`` lets only one of several racing requests in. The slot is freed in the same
transaction that ends the job. A runner starts a job only through ``claim_job`` — an update that
matches a ``queued`` row — so two runners can never run the same job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from data.i18n import N_, Message, Readable, message
from data.schema import JOB_STATUSES, LEVELS, Lock, ModelVersion, TrainingJob, utc_now
from models.reports import jsonable

SLOT_LOCK = "training-slot"
TRIGGERS = ("manual", "schedule", "cli", "model_refused")  # model_refused: a MASTER artifact was unreadable
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "skipped", "cancelled")
SLOT_DAYS = 3650  # the slot never expires by time: it is freed when its job ends or is recovered


class JobError(Readable, RuntimeError):
    """A job request or update is invalid (unknown trigger or level, unknown job id); ``text(language)``
    for the admin console (messages raised as a msgid with values are translated)."""


class SlotBusyError(JobError):
    """The training slot is held by another job (``holder``)."""

    def __init__(self, holder: JobInfo) -> None:
        super().__init__(
            f"training job {holder.id} ({holder.trigger}, requested by {holder.requested_by}) is "
            f"{holder.status}{f' on {holder.runner}' if holder.runner else ''}; one training runs at a time"
        )
        self.holder = holder


@dataclass(frozen=True)
class JobInfo:
    """One training job row, detached from the database."""

    id: int
    trigger: str
    requested_by: str
    status: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    runner: str | None
    levels: list[str] | None
    progress_step: int
    progress_total: int
    progress_label: str | None
    outcome: dict[str, Any] | None
    error: str | None

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (ISO timestamps)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key in ("created_at", "started_at", "finished_at", "heartbeat_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


@dataclass(frozen=True)
class RetrainRequest:
    """Answer to a retrain request: the job id, whether a new job was created, and a sentence."""

    job_id: int
    created: bool
    status: str
    message: str


def _info(row: Any) -> JobInfo:
    return JobInfo(**{name: getattr(row, name) for name in JobInfo.__dataclass_fields__})


def check_request(trigger: str, requested_by: str, levels: list[str] | None) -> list[str] | None:
    """Validate a request's fields; return the levels (deduplicated) or None for all levels."""
    if trigger not in TRIGGERS:
        raise JobError(f"unknown trigger {trigger!r}; expected one of {', '.join(TRIGGERS)}")
    if not requested_by or len(requested_by) > 80:
        raise JobError("requested_by must name who asked (1 to 80 characters)")
    if not levels:
        return None
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise JobError(f"unknown level(s) {', '.join(unknown)}; expected some of {', '.join(LEVELS)}")
    return list(dict.fromkeys(levels))


def get_job(engine: Engine, job_id: int) -> JobInfo:
    """The job ``job_id``; ``JobError`` when there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(TrainingJob).where(TrainingJob.id == job_id)).first()
    if row is None:
        raise JobError(f"no training job {job_id}; see `flask --app wsgi jobs list`")
    return _info(row)


def list_jobs(engine: Engine, *, limit: int = 20, status: str | None = None) -> list[JobInfo]:
    """The newest ``limit`` jobs, optionally of one status."""
    if status is not None and status not in JOB_STATUSES:
        raise JobError(f"unknown status {status!r}; expected one of {', '.join(JOB_STATUSES)}")
    query = select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)
    if status is not None:
        query = query.where(TrainingJob.status == status)
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(query)]


def active_job(engine: Engine) -> JobInfo | None:
    """The queued or running job, if any (there is at most one)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(TrainingJob).where(TrainingJob.status.in_(ACTIVE)).order_by(TrainingJob.id).limit(1)
        ).first()
    return None if row is None else _info(row)


def _insert_holding_slot(engine: Engine, values: dict, *, started: bool) -> int | None:
    """Insert a job with ``values`` and take the training slot for it in one transaction; the job id,
    or None when the slot is held (the insert of the slot row failed and nothing was written)."""
    now = utc_now()
    times = {"started_at": now, "heartbeat_at": now} if started else {}
    try:
        with engine.begin() as conn:
            job_id = conn.execute(
                insert(TrainingJob)
                .values(**values, **times, created_at=now, progress_step=0, progress_total=0)
                .returning(TrainingJob.id)
            ).scalar_one()
            conn.execute(
                insert(Lock).values(
                    name=SLOT_LOCK,
                    holder=f"job:{job_id}",
                    acquired_at=now,
                    expires_at=now + dt.timedelta(days=SLOT_DAYS),
                )
            )
    except IntegrityError:
        return None
    return job_id


def request_job(
    engine: Engine,
    *,
    trigger: str,
    requested_by: str,
    levels: list[str] | None = None,
    label: str | None = None,
) -> RetrainRequest:
    """Record a retrain request and return at once; coalesce with the active job if there is one.

    Why: several admins, the nightly gate and the CLI may ask at the same moment; only one training
    may exist, and each requester must learn which job serves it.
    """
    chosen = check_request(trigger, requested_by, levels)
    values = {
        "trigger": trigger,
        "requested_by": requested_by,
        "status": "queued",
        "levels": chosen,
        "progress_label": (label or "waiting for the scheduler")[:255],
    }
    for _ in range(5):  # the active job may end between our failed insert and our read: try again
        job_id = _insert_holding_slot(engine, values, started=False)
        if job_id is not None:
            return RetrainRequest(job_id, True, "queued", f"retrain job {job_id} queued")
        existing = active_job(engine)
        if existing is not None:
            return RetrainRequest(
                existing.id,
                False,
                existing.status,
                f"a retrain is already {existing.status} (job {existing.id}, requested by "
                f"{existing.requested_by}); your request joins it",
            )
        release_orphan_slot(engine)
    raise JobError(N_("could not record the retrain request: the training slot stayed busy; try again"))


def start_job_here(
    engine: Engine, *, trigger: str, requested_by: str, runner: str, levels: list[str] | None = None
) -> JobInfo:
    """Take the training slot with a job already running in the caller's process (the CLI ``train``).

    Raises ``SlotBusyError`` naming the active job when the slot is held. The caller beats the job's
    heartbeat while it trains and ends it with ``finish_job``.
    """
    chosen = check_request(trigger, requested_by, levels)
    values = {
        "trigger": trigger,
        "requested_by": requested_by,
        "status": "running",
        "runner": runner[:128],
        "levels": chosen,
        "progress_label": "starting",
    }
    for _ in range(5):  # the active job may end between our failed insert and our read: try again
        job_id = _insert_holding_slot(engine, values, started=True)
        if job_id is not None:
            return get_job(engine, job_id)
        existing = active_job(engine)
        if existing is not None:
            raise SlotBusyError(existing)
        release_orphan_slot(engine)
    raise JobError(N_("the training slot stayed busy; try again"))


def record_skipped(
    engine: Engine, *, trigger: str, requested_by: str, reason: str | Message, gate: dict
) -> int:
    """Record a job that was decided not to run (the gate said there is too little new data).

    A ``Message`` reason is kept with its msgid and values, so the jobs list shows it in the reader's
    language (``skip_reason``); the English sentence is the record."""
    check_request(trigger, requested_by, None)
    outcome: dict[str, Any] = {"gate": jsonable(gate), "reason": str(reason)}
    if isinstance(reason, Message):
        values = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in reason.values.items()}
        outcome["reason_message"] = {"msgid": reason.msgid, "values": jsonable(values)}
    now = utc_now()
    with engine.begin() as conn:
        return conn.execute(
            insert(TrainingJob)
            .values(
                trigger=trigger,
                requested_by=requested_by,
                status="skipped",
                created_at=now,
                finished_at=now,
                progress_step=0,
                progress_total=0,
                progress_label=str(reason)[:255],
                outcome=outcome,
            )
            .returning(TrainingJob.id)
        ).scalar_one()


def skip_reason(outcome: dict | None, language: str) -> str | None:
    """Why a skipped job did not run, in ``language`` when it was recorded as a message (else as stored)."""
    outcome = outcome or {}
    recorded = outcome.get("reason_message")
    if recorded:
        return Message(recorded["msgid"], recorded.get("values") or {}).text(language)
    return outcome.get("reason")


def next_queued(engine: Engine) -> JobInfo | None:
    """The oldest queued job (the one a runner should claim next)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(TrainingJob).where(TrainingJob.status == "queued").order_by(TrainingJob.id).limit(1)
        ).first()
    return None if row is None else _info(row)


def claim_job(engine: Engine, job_id: int, runner: str) -> bool:
    """Atomically move job ``job_id`` from queued to running for ``runner``; False if someone else did."""
    now = utc_now()
    with engine.begin() as conn:
        claimed = conn.execute(
            update(TrainingJob)
            .where(TrainingJob.id == job_id, TrainingJob.status == "queued")
            .values(
                status="running",
                runner=runner[:128],
                started_at=now,
                heartbeat_at=now,
                progress_label="starting",
            )
        ).rowcount
    return claimed == 1


def heartbeat(engine: Engine, job_id: int) -> bool:
    """Mark the running job as alive; False when it is no longer running (e.g. recovered as dead)."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(TrainingJob)
                .where(TrainingJob.id == job_id, TrainingJob.status == "running")
                .values(heartbeat_at=utc_now())
            ).rowcount
            == 1
        )


def set_progress(engine: Engine, job_id: int, label: str, step: int, total: int) -> bool:
    """Store ``step`` of ``total`` with ``label`` (and a heartbeat); False when the job stopped running."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(TrainingJob)
                .where(TrainingJob.id == job_id, TrainingJob.status == "running")
                .values(
                    progress_step=int(step),
                    progress_total=int(total),
                    progress_label=label[:255],
                    heartbeat_at=utc_now(),
                )
            ).rowcount
            == 1
        )


def finish_job(
    engine: Engine, job_id: int, status: str, *, outcome: dict | None = None, error: str | None = None
) -> bool:
    """End a running job with ``status`` and free the training slot, in one transaction."""
    if status not in FINISHED:
        raise JobError(f"a job ends as one of {', '.join(FINISHED)}, not {status!r}")
    values: dict[str, Any] = {"status": status, "finished_at": utc_now(), "error": error}
    if outcome is not None:
        values["outcome"] = jsonable(outcome)
    if status == "succeeded":
        values["progress_label"] = "done"
    with engine.begin() as conn:
        done = conn.execute(
            update(TrainingJob)
            .where(TrainingJob.id == job_id, TrainingJob.status.in_(ACTIVE))
            .values(**values)
        ).rowcount
        conn.execute(delete(Lock).where(Lock.name == SLOT_LOCK, Lock.holder == f"job:{job_id}"))
    return done == 1


def cancel_job(engine: Engine, job_id: int, *, by: str) -> JobInfo:
    """End the queued or running job ``job_id`` as ``cancelled`` and free the training slot.

    A running job's runner sees at its next heartbeat that the job is no longer running and stops
    its training process; the child also stops at its next progress report, before any promotion.
    Raises ``JobError`` for an unknown job or one that already ended.
    """
    job = get_job(engine, job_id)
    if not job.active or not finish_job(engine, job_id, "cancelled", error=f"cancelled by {by}"[:255]):
        status = get_job(engine, job_id).status
        raise JobError(
            N_("job %(job)s already ended (%(status)s); nothing to cancel"),
            job=str(job_id),
            status=message(status),
        )
    return get_job(engine, job_id)


def last_training_at(engine: Engine) -> dt.datetime | None:
    """When the newest training started: a succeeded job's start or a version's creation time."""
    with engine.connect() as conn:
        job = conn.scalar(select(func.max(TrainingJob.started_at)).where(TrainingJob.status == "succeeded"))
        version = conn.scalar(select(func.max(ModelVersion.created_at)))
    stamps = [s for s in (job, version) if s is not None]
    return max(stamps) if stamps else None


def release_orphan_slot(engine: Engine) -> bool:
    """Free the training slot when the job holding it is no longer active (defensive clean-up)."""
    with engine.begin() as conn:
        holder = conn.execute(select(Lock.holder).where(Lock.name == SLOT_LOCK)).scalar_one_or_none()
        if holder is None:
            return False
        job_id = int(holder.split(":", 1)[1]) if holder.startswith("job:") else None
        status = conn.execute(select(TrainingJob.status).where(TrainingJob.id == job_id)).scalar_one_or_none()
        if status in ACTIVE:
            return False
        conn.execute(delete(Lock).where(Lock.name == SLOT_LOCK, Lock.holder == holder))
    return True


def fail_stale_jobs(engine: Engine, *, stale_after: dt.timedelta, me: str) -> list[int]:
    """Fail running jobs of other runners whose heartbeat is older than ``stale_after``.

    Why: a process killed mid-training (OOM, deploy, crash) cannot close its job; without this the
    job would stay "running" forever and block every later request through the training slot.
    """
    cutoff = utc_now() - stale_after
    failed = []
    with engine.connect() as conn:
        rows = list(conn.execute(select(TrainingJob).where(TrainingJob.status == "running")))
    for row in rows:
        last = row.heartbeat_at or row.started_at or row.created_at
        if row.runner == me or last > cutoff:
            continue
        error = (
            f"the process running this job ({row.runner}) stopped: no heartbeat since "
            f"{last:%Y-%m-%d %H:%M:%S} UTC; marked failed by {me}. "
            "Levels that had not finished changed no MASTER."
        )
        if finish_job(engine, row.id, "failed", error=error):
            failed.append(row.id)
    release_orphan_slot(engine)
    return failed
