"""The thin APScheduler 3 wiring: one ``BackgroundScheduler`` per serving process.

Every process (gunicorn worker, on every host) runs four jobs, all ``max_instances=1, coalesce=True``:
- ``lease`` (every lease/3 s): take or renew the database leader lease; the leader also fails jobs
  left running by dead processes;
- ``retrain-requests`` (every few seconds): on the leader only, claim and run a queued job;
- ``nightly-gate`` (cron inside the off-peak window): on the leader only, the retrain gate;
- ``publish`` (every ``publish_check_seconds``): on the leader only, publish the MASTERs whose
  forecasts are not yet in the forecast store or are older than FORECAST_PUBLISH_HOURS.
Followers do nothing but try the lease, so each job runs once across all workers and hosts, and a
follower takes over within one lease period when the leader dies.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import (
    ServicesLike,
    in_window,
    nightly_gate,
    parse_hhmm,
    publish_forecasts,
    recover,
    run_pending,
)
from scheduler.leader import LeaderLease

logger = logging.getLogger(__name__)

PUBLISH_CHECK_SECONDS = 600.0


def publish_check_seconds(publish_hours: float) -> float:
    """How often the leader looks for MASTERs due for publishing: every 10 minutes, or a quarter of
    FORECAST_PUBLISH_HOURS when that is shorter (so a snapshot is never much older than the setting)."""
    return min(PUBLISH_CHECK_SECONDS, publish_hours * 3600.0 / 4)


def check_cron(cron: str, start: str, end: str, *, samples: int = 5) -> CronTrigger:
    """Parse ``cron`` and require its next firings to fall inside the off-peak window [start, end)."""
    try:
        trigger = CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ValueError(
            f"RETRAIN_CRON {cron!r} is not a crontab expression (m h dom mon dow): {exc}"
        ) from None
    t0, t1 = parse_hhmm(start), parse_hhmm(end)
    fire = dt.datetime.now(trigger.timezone)
    previous = None
    for _ in range(samples):
        fire = trigger.get_next_fire_time(previous, fire)
        if fire is None:
            break
        if not in_window(fire.time(), t0, t1):
            raise ValueError(
                f"RETRAIN_CRON {cron!r} fires at {fire:%H:%M}, outside the off-peak window {start}–{end}"
            )
        previous, fire = fire, fire + dt.timedelta(seconds=1)
    return trigger


class SchedulerRunner:
    """One process's scheduler: the lease, the request picker and the nightly gate."""

    def __init__(self, services: ServicesLike) -> None:
        config = services.config
        self.services = services
        self.lease_seconds = config.scheduler_lease_seconds
        self.poll_seconds = config.retrain_poll_seconds
        heartbeat = config.job_heartbeat_seconds
        self.stale_after = max(self.lease_seconds, 5 * heartbeat)
        self.lease = LeaderLease(services.engine, ttl_seconds=self.lease_seconds)
        self.gate_trigger = check_cron(
            config.retrain_cron,
            config.offpeak_start,
            config.offpeak_end,
        )
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            daemon=True, job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
        )
        self.last_error: str | None = None

    @property
    def runner_id(self) -> str:
        """This process's identity in the lease and in the jobs it runs (host:pid:random)."""
        return self.lease.holder

    def start(self) -> SchedulerRunner:
        """Add the four jobs and start the scheduler thread (call once per serving process)."""
        now = dt.datetime.now(self.gate_trigger.timezone)
        self._scheduler.add_job(
            self._lease_tick, IntervalTrigger(seconds=self.lease_seconds / 3), id="lease", next_run_time=now
        )
        self._scheduler.add_job(
            self._requests_tick, IntervalTrigger(seconds=self.poll_seconds), id="retrain-requests"
        )
        # A nightly run delayed by up to an hour (busy or restarting server) still runs; the gate
        # itself refuses to train outside the window.
        self._scheduler.add_job(
            self._gate_tick, self.gate_trigger, id="nightly-gate", misfire_grace_time=3600
        )
        self._scheduler.add_job(
            self._publish_tick,
            IntervalTrigger(seconds=publish_check_seconds(self.services.config.forecast_publish_hours)),
            id="publish",
            next_run_time=now + dt.timedelta(seconds=self.lease_seconds),
        )
        self._scheduler.start()
        logger.info("scheduler started as %s (lease %.0fs)", self.runner_id, self.lease_seconds)
        return self

    def shutdown(self) -> None:
        """Stop: a running training is stopped and failed, then the lease is released for the others."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        try:
            self.lease.release()
        except Exception:
            logger.warning("could not release the scheduler lease", exc_info=True)

    def state(self) -> dict[str, Any]:
        """Role (leader or follower), this runner's id, and the next run of each job (for /healthz)."""
        jobs = {}
        if self._scheduler.running:
            for job in self._scheduler.get_jobs():
                jobs[job.id] = job.next_run_time.isoformat() if job.next_run_time else None
        return {
            "running": self._scheduler.running,
            "role": "leader" if self.lease.is_leader else "follower",
            "runner": self.runner_id,
            "next_runs": jobs,
            "last_error": self.last_error,
        }

    def _lease_tick(self) -> None:
        was_leader = self.lease.is_leader
        try:
            leader = self.lease.try_acquire()
        except Exception as exc:  # database unavailable: we cannot know, so we stop acting as leader
            self.last_error = f"lease: {type(exc).__name__}: {exc}"
            logger.warning("scheduler lease check failed: %s", exc)
            return
        if leader != was_leader:
            logger.info("scheduler %s is now %s", self.runner_id, "the leader" if leader else "a follower")
        if leader:
            recover(self.services, runner=self.runner_id, stale_after=self.stale_after)

    def _requests_tick(self) -> None:
        """Run a queued job, if any. The tick is paused meanwhile, so a training of minutes does not
        make APScheduler skip (and log a warning for) a tick every few seconds; the job's start and
        end are logged once each by ``run_pending`` and ``execute_job``."""
        if not self.lease.is_leader or self._stopping.is_set():
            return
        self._scheduler.pause_job("retrain-requests")
        try:
            self._guard(
                lambda: run_pending(self.services, runner=self.runner_id, should_stop=self._stopping.is_set)
            )
        finally:
            if not self._stopping.is_set():
                self._scheduler.resume_job("retrain-requests")

    def _gate_tick(self) -> None:
        if self.lease.is_leader and not self._stopping.is_set():
            self._guard(lambda: nightly_gate(self.services))

    def _publish_tick(self) -> None:
        if self.lease.is_leader and not self._stopping.is_set():
            self._guard(lambda: publish_forecasts(self.services))

    def _guard(self, work: Any) -> None:
        """Run one job function; log (never raise) its failure so the scheduler keeps going."""
        try:
            work()
            self.last_error = None
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("scheduled job failed")


def start_scheduler(services: ServicesLike) -> SchedulerRunner:
    """Create and start this process's scheduler (only in serving processes, after any fork)."""
    return SchedulerRunner(services).start()
