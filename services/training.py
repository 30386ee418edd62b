"""Train now: train, register and promote from the caller's process (the CLI ``train`` and first run).

The whole work, promotion policy included, is ``models.pipeline.run_training`` (also what scheduled
and requested jobs run); this module is the use case the adapters call, so they need no ``models``
import to train. No audit row: a training's trace is its versions, their decisions and the
``model_promote`` audit rows the registry writes when a MASTER changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from data.progress import Progress
from models.pipeline import LevelOutcome, TrainingError, run_training
from models.promotion import Outcome, PromotionDecision, describe
from scheduler.execute import JobProgressWriter
from scheduler.jobstore import SlotBusyError, finish_job, heartbeat, start_job_here
from scheduler.leader import process_identity

logger = logging.getLogger(__name__)

__all__ = [
    "LevelOutcome",
    "Outcome",
    "PromotionDecision",
    "SlotBusyError",
    "TrainingError",
    "describe",
    "train_in_slot",
    "train_now",
]


def train_now(
    engine: Engine,
    config: Any,
    *,
    levels: Iterable[str] | None = None,
    promote: bool = True,
    source: str = "cli",
    progress: Progress | None = None,
) -> dict[str, LevelOutcome]:
    """Train ``levels`` (default all) here and now; return each level's outcome and decision.

    Raises ``TrainingError`` when training cannot start (no sales, unknown level, bad settings).
    """
    return run_training(engine, config, levels=levels, promote=promote, source=source, progress=progress)


class _SlotKeeper:
    """Beats the job's heartbeat from a thread while the caller trains; notices a cancel."""

    def __init__(self, engine: Engine, job_id: int, every: float) -> None:
        self._engine, self._job_id, self._every = engine, job_id, every
        self._done = threading.Event()
        self.closed = False  # cancelled by an admin, or failed by the scheduler's recovery
        self._thread = threading.Thread(target=self._beat, name=f"trendsales-job-{job_id}", daemon=True)

    def _beat(self) -> None:
        while not self._done.wait(self._every):
            if not heartbeat(self._engine, self._job_id):
                self.closed = True
                return

    def __enter__(self) -> _SlotKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()


def train_in_slot(
    engine: Engine,
    config: Any,
    *,
    requested_by: str,
    levels: Iterable[str] | None = None,
    promote: bool = True,
    progress: Progress | None = None,
    wait: bool = False,
    poll_seconds: float = 2.0,
) -> tuple[int, dict[str, LevelOutcome]]:
    """Train here and now inside the training slot that ``retrain`` and the scheduler use; return the
    job id and each level's outcome.

    The run is recorded as a ``cli`` job (running in this process, with a heartbeat), so a second
    training started meanwhile — from the CLI, the console or the schedule — waits for it or is
    refused. Raises ``SlotBusyError`` naming the job that holds the slot (after waiting for it to end
    when ``wait``), and ``TrainingError`` when training cannot start.
    """
    chosen = list(levels) if levels else None
    while True:
        try:
            job = start_job_here(
                engine,
                trigger="cli",
                requested_by=requested_by,
                runner=f"cli:{process_identity()}",
                levels=chosen,
            )
            break
        except SlotBusyError:
            if not wait:
                raise
            time.sleep(poll_seconds)
    logger.info("training job %s starts in this process (%s)", job.id, requested_by)
    writer = JobProgressWriter(engine, job.id)  # raises once the job was cancelled: no promotion then
    with _SlotKeeper(engine, job.id, config.job_heartbeat_seconds) as keeper:

        def report(step: int, total: int, label: str) -> None:
            writer(step, total, label)
            if progress is not None:
                progress(step, total, label)

        try:
            outcomes = run_training(
                engine, config, levels=chosen, promote=promote, source="cli", job_id=job.id, progress=report
            )
        except BaseException as exc:
            finish_job(engine, job.id, "failed", error=f"{type(exc).__name__}: {exc}"[:1000])
            logger.info("training job %s failed: %s", job.id, exc)
            raise
    status = (
        "cancelled" if keeper.closed else "succeeded" if all(o.ok for o in outcomes.values()) else "failed"
    )
    failed = [f"{level}: {o.error or o.reason}" for level, o in outcomes.items() if not o.ok]
    finish_job(
        engine,
        job.id,
        status,
        outcome={level: o.to_dict() for level, o in outcomes.items()},
        error="; ".join(failed)[:1000] or None,
    )
    logger.info("training job %s ended: %s", job.id, status)
    return job.id, outcomes
