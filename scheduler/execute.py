"""Run one claimed training job in a child process that can be abandoned.

The training runs in a ``multiprocessing`` *spawn* child (a fresh interpreter: nothing inherited
from a gunicorn worker's threads or database connections). The child writes its progress to the
job row and sends the per-level outcomes back through a pipe; the parent beats the job's heartbeat,
kills the child on timeout or shutdown, and writes the final status. The child exits by itself when
its parent disappears, and stops when its job is no longer ``running`` (failed by recovery), so an
orphaned training can never promote a model after its job was closed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from scheduler.jobstore import finish_job, get_job, heartbeat, set_progress

logger = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0
PROGRESS_MIN_SECONDS = 0.5


class JobAbandonedError(RuntimeError):
    """The job stopped being ``running`` while the child trained (it was failed by recovery)."""


@dataclass(frozen=True)
class JobResult:
    """How a job ended: its final status, the per-level outcomes and the error text."""

    job_id: int
    status: str
    outcome: dict[str, Any] | None
    error: str | None


def _watch_parent(parent_pid: int) -> None:
    """Exit the child as soon as its parent is gone (SIGKILLed worker, crashed host process)."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(3)
        time.sleep(PARENT_CHECK_SECONDS)


class _ProgressWriter:
    """Progress callback of the child: writes to the job row at most every PROGRESS_MIN_SECONDS."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self._engine = engine
        self._job_id = job_id
        self._last = 0.0
        self._label = ""

    def __call__(self, step: int, total: int, label: str) -> None:
        now = time.monotonic()
        phase = label.split(":", 1)[0]
        if now - self._last < PROGRESS_MIN_SECONDS and phase == self._label and step < total:
            return
        self._last, self._label = now, phase
        if not set_progress(self._engine, self._job_id, label, step, total):
            raise JobAbandonedError(f"job {self._job_id} is no longer running; stopping its training")


def train_in_child(config: Any, job_id: int, levels: list[str] | None, source: str, conn: Any) -> None:
    """Child-process entry point: run the training pipeline for the job and send its outcomes back.

    Every failure, imports included, is sent to the parent as text so the job row says what went wrong.
    """
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    engine = None
    try:
        from data.db import make_engine
        from models.pipeline import run_training

        engine = make_engine(config.database_url)
        outcomes = run_training(
            engine,
            config,
            levels=levels,
            promote=True,
            source=source,
            job_id=job_id,
            progress=_ProgressWriter(engine, job_id),
        )
        conn.send(("ok", {level: outcome.to_dict() for level, outcome in outcomes.items()}))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()
        if engine is not None:
            engine.dispose()


def _stop(process: Any) -> None:
    """Terminate the child, escalating to SIGKILL if it does not exit promptly."""
    if process.is_alive():
        process.terminate()
        process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)


def _summarise(job_id: int, message: tuple) -> JobResult:
    """Turn the child's message into the job's final status."""
    if message[0] == "error":
        return JobResult(job_id, "failed", None, f"training failed: {message[1]}")
    outcome = message[1]
    failed = {lv: o.get("error") for lv, o in outcome.items() if o.get("error")}
    if failed:
        detail = "; ".join(f"{lv}: {err}" for lv, err in failed.items())
        return JobResult(job_id, "failed", outcome, f"{len(failed)} level(s) failed ({detail})")
    return JobResult(job_id, "succeeded", outcome, None)


def execute_job(
    engine: Engine,
    config: Any,
    job_id: int,
    *,
    timeout: float,
    heartbeat_seconds: float = 2.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> JobResult:
    """Run the claimed (``running``) job ``job_id`` to its end and record the final status.

    Fails the job on timeout (the child is killed), on a crash of the child, when ``should_stop()``
    turns true (server shutting down), or when the pipeline raises; the pipeline promotes its winners
    together in one transaction at the very end, and only when every level succeeded, so a failed job
    changes no MASTER.
    """
    job = get_job(engine, job_id)
    ctx = multiprocessing.get_context("spawn")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=train_in_child,
        args=(config, job_id, job.levels, job.trigger, child_conn),
        name=f"trendsales-train-{job_id}",
        daemon=True,
    )
    started = time.monotonic()
    process.start()
    child_conn.close()
    result: JobResult | None = None
    try:
        while result is None:
            if parent_conn.poll(heartbeat_seconds):
                try:
                    result = _summarise(job_id, parent_conn.recv())
                except EOFError:
                    process.join(5)
                    result = JobResult(
                        job_id, "failed", None, f"the training process died (exit code {process.exitcode})"
                    )
            elif time.monotonic() - started > timeout:
                result = JobResult(
                    job_id, "failed", None, f"training timed out after {timeout:g} s and was stopped"
                )
            elif should_stop():
                result = JobResult(job_id, "failed", None, "the server shut down during training")
            elif not heartbeat(engine, job_id):  # cancelled, or failed by recovery: stop the child
                closed = get_job(engine, job_id)
                result = JobResult(job_id, closed.status, None, closed.error or "closed by another process")
    finally:
        if result is not None and result.error is None:
            process.join(10)  # the child sent its outcome and is exiting on its own
        _stop(process)
        parent_conn.close()
    if result.status == "failed":
        logger.error("training job %s failed: %s", job_id, result.error)
    elif result.status == "cancelled":
        logger.info("training job %s stopped: %s", job_id, result.error)
    else:
        logger.info("training job %s succeeded in %.1f s", job_id, time.monotonic() - started)
    finish_job(engine, job_id, result.status, outcome=result.outcome, error=result.error)
    return result
