"""Retrain button and the progress panel: request through the scheduler's job store, view of a job."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from callbacks.admin.training import (
    cancel_training,
    clears_request_message,
    job_rows,
    job_view,
    schedule_info,
    start_retrain,
)
from components.admin.training import status_line
from data.schema import AuditEvent
from models.registry import master_versions
from scheduler.jobstore import (
    JobError,
    cancel_job,
    claim_job,
    finish_job,
    get_job,
    list_jobs,
    record_skipped,
    set_progress,
)
from services.retraining import current_job, last_run_seconds, last_trained_at, schedule_facts


def test_retrain_request_creates_one_job_and_later_requests_join_it(services):
    text, color = start_retrain(services, "admin")
    assert color == "success" and "queued" in text
    text, color = start_retrain(services, "admin")
    assert color == "info" and "already queued" in text
    with services.sessions() as session:
        details = [
            e.detail
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "retrain_requested"))
        ]
    assert [d["created"] for d in details] == [True, False]


def test_job_view_follows_progress_and_the_outcome(services):
    engine = services.engine
    assert job_view(current_job(services))["job_id"] is None
    start_retrain(services, "admin")
    job = current_job(services)
    view = job_view(job)
    assert view["status"] == "queued" and view["active"] and view["elapsed_text"] == "waiting to start"
    assert claim_job(engine, job.id, "test-runner")
    set_progress(engine, job.id, "training store", 3, 12)
    running = job_view(
        get_job(engine, job.id), now=get_job(engine, job.id).started_at + dt.timedelta(seconds=75)
    )
    assert running["percent"] == 25 and running["label"] == "step 3/12: training store"
    assert running["elapsed_text"] == "1:15 elapsed"
    outcome = {
        "store": {
            "level": "store",
            "version_id": "store-1",
            "promoted": True,
            "error": None,
            "reason": "candidate WAPE 9.1% vs MASTER 9.4% on the same 3 folds → promoted",
            "metrics": {"wape": 0.091},
        },
        "product": {
            "level": "product",
            "version_id": None,
            "promoted": False,
            "error": "boom",
            "reason": "",
            "metrics": {},
        },
    }
    finish_job(engine, job.id, "failed", outcome=outcome, error="1 level(s) failed (product: boom)")
    done = job_view(current_job(services))
    assert done["active"] is False and done["error"].startswith("1 level(s) failed")
    assert done["elapsed_text"].startswith("took ")
    levels = {lv["level"]: lv for lv in done["levels"]}
    assert levels["store"]["promoted"] and "9.1% vs MASTER 9.4%" in levels["store"]["text"]
    assert levels["product"]["text"] == "failed: boom"
    record_skipped(
        engine, trigger="schedule", requested_by="scheduler", reason="too little new data", gate={}
    )
    assert current_job(services).id == job.id  # a skipped nightly run does not hide the last training
    rows = job_rows(list_jobs(engine))
    assert rows[0]["status"] == "skipped" and rows[0]["outcome"] == "too little new data"
    assert rows[1]["outcome"] == "store: promoted; product: failed"


def test_schedule_info_names_the_next_run_and_the_gate(services):
    info = schedule_info(schedule_facts(services.config.replace(scheduler_enabled=False), services.engine))
    assert "off" in info["next_run"] and info["gate_train"] is False
    assert "no sales data" in info["gate"]
    info = schedule_info(
        schedule_facts(
            services.config.replace(scheduler_enabled=True, retrain_cron="30 2 * * *"), services.engine
        )
    )
    # 02:30 on the scheduler's clock (the machine's zone) shown in TRENDSALES_TIMEZONE, zone named
    clock = CronTrigger.from_crontab("30 2 * * *").timezone
    shown = dt.datetime(2026, 1, 15, 2, 30, tzinfo=clock).astimezone(ZoneInfo("America/Sao_Paulo"))
    expected = f"{shown.hour % 12 or 12}:{shown.minute:02d}"  # en: 12-hour clock (e.g. 11:30 PM for UTC)
    assert info["next_run"].startswith("Next scheduled run:") and expected in info["next_run"]
    assert info["next_run"].endswith("(Brasilia Time)")


def test_an_active_job_can_be_cancelled_and_leaves_the_masters_alone(trained):
    services, first, _ = trained
    masters = master_versions(services.engine)
    start_retrain(services, "admin")
    job = current_job(services)
    assert claim_job(services.engine, job.id, "test-runner")
    text, color = cancel_training(services, job.id, "ana")
    assert color == "warning" and f"Training job {job.id} cancelled (cancelled by ana)" in text
    ended = get_job(services.engine, job.id)
    assert ended.status == "cancelled" and ended.error == "cancelled by ana"
    assert master_versions(services.engine) == masters == {"store": first}
    again = cancel_training(services, job.id, "ana")  # already ended: said, not raised
    assert again == (f"job {job.id} already ended (cancelled); nothing to cancel", "secondary")
    with pytest.raises(JobError) as refused:
        cancel_job(services.engine, job.id, by="ana")
    said = refused.value.text("pt_BR")  # what a reader of the pt-BR console gets
    assert said == f"a tarefa {job.id} já terminou (cancelada); nada a cancelar"
    assert cancel_training(services, None, "ana") == ("There is no training to cancel.", "secondary")


def test_progress_shows_an_eta_from_the_previous_run(services):
    engine = services.engine
    start_retrain(services, "admin")
    first = current_job(services)
    claim_job(engine, first.id, "test-runner")
    finish_job(engine, first.id, "succeeded", outcome={})
    assert last_run_seconds(services) is not None
    start_retrain(services, "admin")
    job = current_job(services)
    assert job_view(job, previous=150)["eta_text"] == "the last run took 2:30"
    claim_job(engine, job.id, "test-runner")
    started = get_job(engine, job.id).started_at
    running = job_view(get_job(engine, job.id), now=started + dt.timedelta(seconds=60), previous=150)
    assert running["eta_text"] == "about 1:30 left (the last run took 2:30)"
    late = job_view(get_job(engine, job.id), now=started + dt.timedelta(seconds=200), previous=150)
    assert late["eta_text"] == "taking longer than the last run (2:30)"


def test_status_line_says_when_the_models_in_use_were_trained_without_a_job(trained):
    services, _, _ = trained
    assert current_job(services) is None
    view = job_view(None, trained_at=last_trained_at(services))
    text = str(status_line(view))
    assert "No training has run yet" not in text and "the models in use were trained on" in text
    assert "No model has been trained yet" in str(status_line(job_view(None)))


def test_the_queued_message_goes_once_the_job_runs_or_ends():
    queued = {"job_id": 4, "status": "queued"}
    assert not clears_request_message(queued, None)  # just requested: the message answers the click
    assert clears_request_message({"job_id": 4, "status": "running"}, queued)
    assert clears_request_message({"job_id": 4, "status": "succeeded"}, {"job_id": 4, "status": "running"})
    running = {"job_id": 4, "status": "running"}
    assert not clears_request_message(running, running)  # no change: a later message (an error) stays
