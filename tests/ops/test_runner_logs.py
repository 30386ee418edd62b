"""The scheduler log of a training: one line at its start, one at its end, no warning per skipped tick."""

from __future__ import annotations

import logging

from scheduler.jobs import request_retrain
from scheduler.jobstore import get_job
from scheduler.runner import SchedulerRunner
from tests.ops.conftest import OpsServices
from tests.support.live_server import wait_for


def test_a_training_logs_its_start_and_end_and_no_skipped_ticks(services: OpsServices, caplog) -> None:
    config = services.config.replace(retrain_poll_seconds=0.2, scheduler_lease_seconds=3.0)
    runner = SchedulerRunner(OpsServices(services.engine, config))
    job = request_retrain(services, trigger="manual", requested_by="ana")
    with caplog.at_level(logging.INFO):
        runner.start()
        try:
            wait_for(
                lambda: not get_job(services.engine, job.job_id).active, timeout=120, what="the training"
            )
            wait_for(lambda: runner.state()["next_runs"].get("retrain-requests") is not None, timeout=5)
        finally:
            runner.shutdown()
    messages = [r.getMessage() for r in caplog.records]
    assert get_job(services.engine, job.job_id).status == "succeeded"
    assert not [m for m in messages if "maximum number of running instances" in m], messages
    assert sum(f"starts training job {job.job_id}" in m for m in messages) == 1
    assert sum(f"training job {job.job_id} succeeded" in m for m in messages) == 1
