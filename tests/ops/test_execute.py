"""Running a job: a real training in a spawn child with progress and outcomes; timeout and errors fail it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from models.registry import master_versions
from scheduler.jobs import run_pending
from scheduler.jobstore import get_job, request_job
from tests.ops.conftest import OpsServices, ops_config


def test_queued_job_runs_in_a_child_reports_progress_and_promotes(trained: OpsServices) -> None:
    before = master_versions(trained.engine)
    job_id = request_job(trained.engine, trigger="manual", requested_by="admin", levels=["store"]).job_id
    result = run_pending(trained, runner="test-runner")
    assert result is not None and result.job_id == job_id and result.status == "succeeded", result.error
    job = get_job(trained.engine, job_id)
    assert job.status == "succeeded" and job.runner == "test-runner"
    assert job.progress_total > 0 and job.progress_step == job.progress_total
    assert set(job.outcome) == {"store"}
    store = job.outcome["store"]
    assert store["version_id"] and store["reason"]
    after = master_versions(trained.engine)
    assert after["category"] == before["category"] and after["product"] == before["product"]
    assert after["store"] == (store["version_id"] if store["promoted"] else before["store"])
    assert run_pending(trained, runner="test-runner") is None  # nothing left to run


def test_timeout_kills_the_training_and_fails_the_job(trained: OpsServices) -> None:
    before = master_versions(trained.engine)
    trained.config = trained.config.replace(train_timeout_seconds=0.3)
    job_id = request_job(trained.engine, trigger="schedule", requested_by="scheduler").job_id
    result = run_pending(trained, runner="test-runner")
    assert result.status == "failed" and "timed out after 0.3 s" in result.error
    job = get_job(trained.engine, job_id)
    assert job.status == "failed" and job.finished_at is not None and "timed out" in job.error
    assert master_versions(trained.engine) == before
    assert request_job(trained.engine, trigger="manual", requested_by="admin").created  # slot freed


def test_training_error_fails_the_job_with_its_message(engine: Engine, tmp_path: Path) -> None:
    services = OpsServices(engine, ops_config(tmp_path, engine.url.render_as_string(hide_password=False)))
    job_id = request_job(engine, trigger="cli", requested_by="cli:test").job_id  # no sales imported
    result = run_pending(services, runner="test-runner")
    assert result.status == "failed"
    job = get_job(engine, job_id)
    assert job.status == "failed" and "there are no sales in the database" in job.error
    assert master_versions(engine) == {}
