"""The scheduler's job functions, each a plain function of ``services`` (config + engine).

- ``request_retrain``: record a retrain request (coalesced with the active job) and return at once.
- ``run_pending``: claim the oldest queued job atomically and run it (child process, timeout).
- ``nightly_gate``: inside the off-peak window, queue a training only when enough new data arrived
  since the last training (RETRAIN_MIN_NEW_ROWS rows or RETRAIN_MIN_NEW_DAYS days); else record a
  ``skipped`` job saying why.
  When the data gate would skip, a level whose live accuracy drifted (``models.live.check_drift``)
  and has not been trained since the flag was raised still gets a retrain, with the drift as reason.
- ``recover``: fail jobs left ``running`` by a dead process.
- ``publish_forecasts``: publish the MASTERs not yet published, or last published more than
  FORECAST_PUBLISH_HOURS ago (the "at least daily" archive), then apply the retention.
They import no Flask, Dash or APScheduler; ``scheduler.runner`` wires them to APScheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine

from data.i18n import N_, Message, message
from models.publishing import Published, publish_due
from scheduler.execute import JobResult, execute_job
from scheduler.jobstore import (
    RetrainRequest,
    claim_job,
    fail_stale_jobs,
    last_training_at,
    next_queued,
    record_skipped,
    request_job,
)

logger = logging.getLogger(__name__)


class ServicesLike(Protocol):
    """What the job functions need from ``app.services.Services``."""

    config: Any  # app.config.Settings: typed and validated there
    engine: Engine


@dataclass(frozen=True)
class GateDecision:
    """What the nightly gate decided: ``queued``, ``coalesced`` or ``skipped``, the job id and why."""

    action: str
    job_id: int | None
    reason: str
    facts: dict[str, Any]


def request_retrain(
    services: ServicesLike, *, trigger: str, requested_by: str, levels: list[str] | None = None
) -> RetrainRequest:
    """Record a retrain request and return its job id at once (the runner picks it up within seconds).

    A request while a job is queued or running returns that job (``created=False``) and says so.
    """
    result = request_job(services.engine, trigger=trigger, requested_by=requested_by, levels=levels)
    logger.info("retrain requested by %s (%s): %s", requested_by, trigger, result.message)
    return result


def run_pending(
    services: ServicesLike, *, runner: str, should_stop: Callable[[], bool] = lambda: False
) -> JobResult | None:
    """Claim and run the oldest queued job; None when there is none or another runner claimed it."""
    job = next_queued(services.engine)
    if job is None or not claim_job(services.engine, job.id, runner):
        return None
    logger.info("runner %s starts training job %s", runner, job.id)
    config = services.config
    return execute_job(
        services.engine,
        config,
        job.id,
        timeout=config.train_timeout_seconds,
        heartbeat_seconds=config.job_heartbeat_seconds,
        should_stop=should_stop,
    )


def recover(services: ServicesLike, *, runner: str, stale_after: float) -> list[int]:
    """Fail ``running`` jobs of other processes with no heartbeat for ``stale_after`` seconds."""
    failed = fail_stale_jobs(services.engine, stale_after=dt.timedelta(seconds=stale_after), me=runner)
    if failed:
        logger.warning("marked dead training job(s) %s as failed", failed)
    return failed


def parse_hhmm(text: str) -> dt.time:
    """``"HH:MM"`` → time; ValueError naming the expected form otherwise."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
        return dt.time(hours, minutes)
    except (TypeError, ValueError):
        raise ValueError(f"expected a time of day as HH:MM (e.g. 00:00), got {text!r}") from None


def in_window(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    """True when ``moment`` lies in [start, end); a window may wrap midnight (22:00–04:00)."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def _trained_to(engine: Engine) -> tuple[dict[str, str], dt.date | None]:
    """MASTER version per level, and the oldest last data date of each level's newest training.

    Counted from the newest version of each level, not from its MASTER: a run whose candidate did not
    beat the MASTER still used the new data, so the gate must not reopen for the same days every night.
    """
    from models.registry import list_versions, master_versions

    masters = master_versions(engine)
    ends = []
    for level in masters:
        newest = list_versions(engine, level)
        end = (newest[0].data_fingerprint or {}).get("date_max") if newest else None
        if end:
            ends.append(dt.date.fromisoformat(str(end)[:10]))
    return masters, (min(ends) if ends else None)


def gate_facts(engine: Engine, config: Any) -> tuple[bool, Message, dict[str, Any]]:
    """Decide whether enough new data arrived to retrain: (train?, reason, the numbers behind it).

    The reason is a ``Message``: the admin console shows it in the reader's language, ``str()`` is
    the English sentence that job records and logs keep."""
    from data.reporting import load_reporting
    from data.schema import LEVELS
    from data.storage import date_range, rows_changed_since

    min_rows = config.retrain_min_new_rows
    min_days = config.retrain_min_new_days
    span = date_range(engine)
    if span is None:
        return False, message(N_("no sales data in the database")), {}
    masters, trained_to = _trained_to(engine)
    missing = [lv for lv in LEVELS if lv not in masters]
    since = last_training_at(engine)
    new_rows = rows_changed_since(engine, since) if since else None
    # Days only some stores have reported are not trained on (models.pipeline), so they are not new.
    complete = load_reporting(engine, silent_days=config.store_silent_days).complete_through or span[1]
    new_days = (complete - trained_to).days if trained_to else None
    facts = {
        "since": since.isoformat() if since else None,
        "new_rows": new_rows,
        "new_days": new_days,
        "data_to": span[1].isoformat(),
        "complete_through": complete.isoformat(),
        "trained_to": trained_to.isoformat() if trained_to else None,
        "min_rows": min_rows,
        "min_days": min_days,
    }
    if missing:
        levels = ", ".join(missing)
        return True, message(N_("level(s) %(levels)s have no MASTER yet"), levels=levels), facts
    if new_rows is not None and new_rows >= min_rows:
        why = N_("%(rows)s new or changed rows since the last training (minimum %(minimum)s)")
        return True, message(why, rows=new_rows, minimum=min_rows), facts
    if new_days is not None and new_days >= min_days:
        why = N_("%(days)s new days of history since %(date)s (minimum %(minimum)s)")
        return True, message(why, days=new_days, date=trained_to, minimum=min_days), facts
    why = N_(
        "too little new data: %(rows)s new or changed rows (minimum %(min_rows)s) and "
        "%(days)s new days of history (minimum %(min_days)s) since the last training"
    )
    values = {"rows": new_rows or 0, "min_rows": min_rows, "days": new_days or 0, "min_days": min_days}
    return False, message(why, **values), facts


def drift_retrain(engine: Engine, config: Any) -> tuple[list[str], str, dict[str, Any]]:
    """Judge drift now (stored and audited by ``models.live.check_drift``) and return the drifted
    levels not trained since their flag was raised, the reason and the facts. Why "since the flag":
    a retrain that did not cure the drift is not repeated every night; a new flag (a new version
    drifting) queues again."""
    from data.drift import drift_states
    from models.live import check_drift

    try:
        checks = check_drift(engine, config)
    except Exception:  # monitoring must never stop the data gate
        logger.warning("drift check failed; the data gate decides alone", exc_info=True)
        return [], "", {}
    states = drift_states(engine)
    trained = last_training_at(engine)
    levels = [
        level
        for level, (check, _change) in checks.items()
        if check.flagged and (trained is None or states[level].since is None or trained < states[level].since)
    ]
    reason = "; ".join(checks[level][0].describe() for level in levels)
    return levels, reason, {"drifted": levels}


def nightly_gate(services: ServicesLike, *, now: dt.datetime | None = None) -> GateDecision:
    """The scheduled job: inside the off-peak window, queue a training if enough new data arrived.

    Outside the window (e.g. a run delayed past its end) nothing trains and a skipped job says why.
    ``now`` is local time (the window is in the server's local time).
    """
    config, engine = services.config, services.engine
    now = now or dt.datetime.now()
    start, end = (
        parse_hhmm(config.offpeak_start),
        parse_hhmm(config.offpeak_end),
    )
    window = f"{start:%H:%M}–{end:%H:%M}"
    if not in_window(now.time(), start, end):
        why = N_("outside the off-peak window %(window)s (it is %(now)s); the next night will try again")
        verdict = message(why, window=window, now=f"{now:%H:%M}")
        facts: dict[str, Any] = {"window": window}
        train = False
    else:
        train, verdict, facts = gate_facts(engine, config)
        drifted, drift_reason, drift_facts = drift_retrain(engine, config)
        facts = {**facts, **drift_facts}
        if not train and drifted:
            request = request_job(
                engine,
                trigger="schedule",
                requested_by="scheduler",
                levels=drifted,
                label=f"queued by the nightly gate: {drift_reason}",
            )
            action = "queued" if request.created else "coalesced"
            logger.info("nightly retrain %s (job %s) for drift: %s", action, request.job_id, drift_reason)
            return GateDecision(action, request.job_id, drift_reason, facts)
    reason = str(verdict)  # logs and job labels keep the English sentence
    if not train:
        job_id = record_skipped(
            engine, trigger="schedule", requested_by="scheduler", reason=verdict, gate=facts
        )
        logger.info("nightly retrain skipped (job %s): %s", job_id, reason)
        return GateDecision("skipped", job_id, reason, facts)
    request = request_job(
        engine, trigger="schedule", requested_by="scheduler", label=f"queued by the nightly gate: {reason}"
    )
    action = "queued" if request.created else "coalesced"
    logger.info("nightly retrain %s (job %s): %s", action, request.job_id, reason)
    return GateDecision(action, request.job_id, reason, facts)


def publish_forecasts(services: ServicesLike, *, now: dt.datetime | None = None) -> list[Published]:
    """Publish the MASTERs that are due (``models.publishing.publish_due``); run by the leader only."""
    return publish_due(services.engine, services.config, now=now)
