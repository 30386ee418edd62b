"""Retrain jobs: coalesced requests, atomic claims, stale-job recovery, the nightly gate, cron checks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, select, update

from data.schema import Lock, TrainingJob, utc_now
from data.storage import import_sales_frame
from models.pipeline import run_training
from scheduler.jobs import gate_facts, in_window, nightly_gate, parse_hhmm, request_retrain
from scheduler.jobstore import (
    SLOT_LOCK,
    JobError,
    claim_job,
    fail_stale_jobs,
    finish_job,
    get_job,
    list_jobs,
    request_job,
    skip_reason,
)
from scheduler.runner import check_cron
from tests.ops.conftest import OpsServices
from tests.ops.sample import monthly_sales

NIGHT = dt.datetime(2026, 11, 22, 2, 30)


def _statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(TrainingJob.status).order_by(TrainingJob.id)))


def test_request_returns_at_once_and_a_second_request_joins_it(engine: Engine) -> None:
    first = request_job(engine, trigger="manual", requested_by="alice")
    second = request_job(engine, trigger="cli", requested_by="bob", levels=["store"])
    assert first.created and first.status == "queued"
    assert not second.created and second.job_id == first.job_id
    assert "already queued" in second.message and "alice" in second.message
    assert _statuses(engine) == ["queued"]


def test_simultaneous_requests_create_one_job(engine: Engine) -> None:
    barrier = threading.Barrier(8)
    answers = []

    def ask(i: int) -> None:
        barrier.wait()
        answers.append(request_job(engine, trigger="manual", requested_by=f"admin{i}"))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({a.job_id for a in answers}) == 1
    assert sum(a.created for a in answers) == 1
    assert _statuses(engine) == ["queued"]


def test_claim_is_atomic_and_finishing_frees_the_slot(engine: Engine) -> None:
    job = request_job(engine, trigger="manual", requested_by="alice").job_id
    assert claim_job(engine, job, "runner-a")
    assert not claim_job(engine, job, "runner-b")
    assert get_job(engine, job).runner == "runner-a"
    assert not request_job(engine, trigger="cli", requested_by="bob").created  # running job is joined
    assert finish_job(engine, job, "succeeded", outcome={"store": {"wape": float("nan")}})
    assert get_job(engine, job).outcome == {"store": {"wape": None}}  # non-finite → null
    with engine.connect() as conn:
        assert conn.scalar(select(Lock).where(Lock.name == SLOT_LOCK)) is None
    again = request_job(engine, trigger="cli", requested_by="bob")
    assert again.created and again.job_id != job


def test_bad_requests_are_refused_with_the_valid_options(engine: Engine) -> None:
    with pytest.raises(JobError, match="unknown trigger 'nightly'; expected one of manual, schedule, cli"):
        request_job(engine, trigger="nightly", requested_by="x")
    with pytest.raises(JobError, match="unknown level"):
        request_job(engine, trigger="cli", requested_by="x", levels=["region"])
    with pytest.raises(JobError, match="no training job 99"):
        get_job(engine, 99)
    with pytest.raises(JobError, match="unknown status"):
        list_jobs(engine, status="done")


def test_dead_runner_job_is_failed_and_live_ones_are_kept(engine: Engine) -> None:
    job = request_job(engine, trigger="manual", requested_by="alice").job_id
    assert claim_job(engine, job, "host:111:dead")
    assert fail_stale_jobs(engine, stale_after=dt.timedelta(seconds=30), me="host:222:new") == []  # fresh
    assert fail_stale_jobs(engine, stale_after=dt.timedelta(seconds=0), me="host:111:dead") == []  # own job
    with engine.begin() as conn:
        old = utc_now() - dt.timedelta(minutes=5)
        conn.execute(update(TrainingJob).where(TrainingJob.id == job).values(heartbeat_at=old))
    assert fail_stale_jobs(engine, stale_after=dt.timedelta(seconds=30), me="host:222:new") == [job]
    info = get_job(engine, job)
    assert info.status == "failed" and "host:111:dead" in info.error and "no heartbeat" in info.error
    assert request_job(engine, trigger="manual", requested_by="alice").created  # slot freed


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [
        ("02:30", "00:00", "06:00", True),
        ("06:00", "00:00", "06:00", False),
        ("23:30", "22:00", "04:00", True),
        ("03:59", "22:00", "04:00", True),
        ("12:00", "22:00", "04:00", False),
    ],
)
def test_offpeak_window(moment: str, start: str, end: str, inside: bool) -> None:
    assert in_window(parse_hhmm(moment), parse_hhmm(start), parse_hhmm(end)) is inside


def test_bad_time_and_cron_outside_the_window_are_refused() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm("2am")
    with pytest.raises(ValueError, match="fires at 08:00, outside the off-peak window 00:00–06:00"):
        check_cron("0 8 * * *", "00:00", "06:00")
    with pytest.raises(ValueError, match="not a crontab expression"):
        check_cron("every night", "00:00", "06:00")
    assert check_cron("30 2 * * *", "00:00", "06:00") is not None


def test_gate_queues_without_master_then_skips_without_new_data(services: OpsServices) -> None:
    first = nightly_gate(services, now=NIGHT)
    assert first.action == "queued" and "no MASTER yet" in first.reason
    assert get_job(services.engine, first.job_id).trigger == "schedule"
    assert nightly_gate(services, now=NIGHT).action == "coalesced"
    finish_job(services.engine, first.job_id, "failed", error="test")


def test_gate_decides_on_new_rows_and_outside_window(trained: OpsServices) -> None:
    engine = trained.engine
    skipped = nightly_gate(trained, now=NIGHT)
    assert skipped.action == "skipped" and "too little new data" in skipped.reason
    job = get_job(engine, skipped.job_id)
    assert job.status == "skipped" and job.outcome["gate"]["new_rows"] == 0
    assert job.outcome["reason"] == skipped.reason  # the record: English
    assert skip_reason(job.outcome, "pt_BR").startswith("poucos dados novos: 0 linhas novas")
    late = nightly_gate(trained, now=NIGHT.replace(hour=9))
    assert late.action == "skipped" and "outside the off-peak window" in late.reason
    shown = skip_reason(get_job(engine, late.job_id).outcome, "pt_BR")
    assert shown.startswith("fora da janela de baixa demanda 00:00–06:00 (agora são 09:30);")
    assert skip_reason({"reason": "stored before messages"}, "pt_BR") == "stored before messages"
    # Six more months for every series: 36 new rows (minimum 30) and ~180 new days (minimum 60).
    more = monthly_sales(months=66)
    import_sales_frame(engine, more[more["date"] >= "2024-01-01"], filename="more.csv", uploaded_by="test")
    train, reason, facts = gate_facts(engine, trained.config)
    assert train and facts["new_rows"] == 36 and "36 new or changed rows" in str(reason)
    queued = nightly_gate(trained, now=NIGHT)
    assert queued.action == "queued" and get_job(engine, queued.job_id).status == "queued"


def test_gate_counts_new_days_from_the_newest_training_not_the_master(trained: OpsServices) -> None:
    """A run that kept every MASTER still trained on the new days: the gate must not reopen for them."""
    engine = trained.engine
    more = monthly_sales(months=66)
    import_sales_frame(engine, more[more["date"] >= "2024-01-01"], filename="more.csv", uploaded_by="test")
    assert gate_facts(engine, trained.config)[2]["new_days"] > 150
    outcomes = run_training(engine, trained.config, source="test", promote=False)  # every MASTER kept
    assert not any(o.promoted for o in outcomes.values())
    train, reason, facts = gate_facts(engine, trained.config)
    assert facts["new_days"] == 0 and facts["new_rows"] == 0
    assert not train and "too little new data" in str(reason)


def test_request_retrain_is_the_services_entry_point(services: OpsServices) -> None:
    answer = request_retrain(services, trigger="manual", requested_by="admin")
    assert answer.created and get_job(services.engine, answer.job_id).requested_by == "admin"
