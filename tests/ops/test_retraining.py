"""Retraining use cases: requests and cancels are audited; a cancelled job never runs or promotes.

Real SQLite, real job store and a real training in a spawn child for the running-job cancel.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from data.schema import AuditEvent
from models.registry import master_versions
from services.retraining import JobError, cancel_retrain, get_job, request_retrain, run_here
from tests.ops.conftest import OpsServices
from tests.support.apps import make_test_app


def _audit(services: OpsServices) -> list[tuple[str, str, dict]]:
    with services.engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]


def test_request_and_cancel_a_queued_retrain_write_audit_rows(services: OpsServices) -> None:
    first = request_retrain(services, actor="alice", levels=["store"])
    joined = request_retrain(services, actor="cli:bob", trigger="cli")
    assert first.created and not joined.created and joined.job_id == first.job_id

    cancelled = cancel_retrain(services, first.job_id, actor="carol")
    assert cancelled.status == "cancelled" and cancelled.error == "cancelled by carol"
    assert cancelled.finished_at is not None
    assert _audit(services) == [
        ("alice", "retrain_requested", {"job": first.job_id, "created": True}),
        ("cli:bob", "retrain_requested", {"job": first.job_id, "created": False}),
        ("carol", "retrain_cancelled", {"job": first.job_id, "was": "queued"}),
    ]
    assert not run_here(services, first.job_id)  # a cancelled job is never claimed
    assert request_retrain(services, actor="alice").created  # the training slot was freed
    with pytest.raises(JobError, match="already ended \\(cancelled\\); nothing to cancel"):
        cancel_retrain(services, first.job_id, actor="carol")
    with pytest.raises(JobError, match="no training job 999"):
        cancel_retrain(services, 999, actor="carol")
    assert len(_audit(services)) == 4  # refused cancels write nothing


def test_cancelling_a_running_retrain_stops_it_before_any_promotion(trained: OpsServices) -> None:
    before = master_versions(trained.engine)
    job_id = request_retrain(trained, actor="alice").job_id
    runner = threading.Thread(target=run_here, args=(trained, job_id))
    runner.start()
    deadline = time.monotonic() + 30
    while get_job(trained, job_id).status == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert get_job(trained, job_id).status == "running"
    cancel_retrain(trained, job_id, actor="carol")
    runner.join(30)
    assert not runner.is_alive()
    job = get_job(trained, job_id)
    assert job.status == "cancelled" and job.error == "cancelled by carol" and job.outcome is None
    assert master_versions(trained.engine) == before
    assert _audit(trained)[-1] == ("carol", "retrain_cancelled", {"job": job_id, "was": "running"})


def test_cli_retrain_is_audited_and_jobs_cancel_cancels(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    services = app.server.extensions["trendsales"]
    runner = app.server.test_cli_runner()
    try:
        result = runner.invoke(args=["retrain", "--level", "store"])
        assert result.exit_code == 0 and "retrain job 1 queued" in result.output
        result = runner.invoke(args=["jobs", "cancel", "1"])
        assert result.exit_code == 0 and result.output == "Job 1 cancelled.\n"
        result = runner.invoke(args=["jobs", "cancel", "1"])
        assert result.exit_code == 1 and "already ended (cancelled)" in result.output
        actions = [(action, detail["job"]) for _, action, detail in _audit(services)]
        assert actions[-2:] == [("retrain_requested", 1), ("retrain_cancelled", 1)]
    finally:
        services.engine.dispose()
