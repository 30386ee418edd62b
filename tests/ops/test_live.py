"""Live operations with real processes: gunicorn with 2 workers, the scheduler's leader runs each
retrain once, every worker hot-swaps to the new MASTER while a client keeps forecasting, a broken
artifact is refused, a job killed mid-way is failed at restart, simultaneous requests train once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from app.config import Settings
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.schema import ModelVersion, RegistryAlias, TrainingJob
from data.storage import import_sales_frame
from models.pipeline import run_training
from models.registry import RegistryError, get_version, master_versions, promote
from scheduler.jobstore import get_job, request_job
from tests.ops.live import Client, refused_without_session
from tests.ops.sample import monthly_sales
from tests.support.apps import FAST_TRAINING, fast_training_env
from tests.support.live_server import (
    BIN,
    PROJECT_ROOT,
    LiveServer,
    app_environment,
    start_server,
    wait_all_workers,
    wait_for,
    worker_pids,
)

pytestmark = pytest.mark.multiprocess

POLL_SECONDS = 1.0
PASSWORD = "ops-admin-pass-123"


@dataclass
class Deployment:
    """A prepared instance (database, models, admin) and the gunicorn serving it."""

    env: dict[str, str]
    engine: Engine
    config: dict
    server: LiveServer | None = None


def _prepare(instance: Path, *, slow_training: bool = False, **extra_env: str) -> Deployment:
    env = app_environment(
        instance,
        **({} if slow_training else fast_training_env()),
        TRENDSALES_MODEL_POLL_SECONDS=str(POLL_SECONDS),
        TRENDSALES_SCHEDULER_ENABLED="1",
        TRENDSALES_SCHEDULER_LEASE_SECONDS="2",
        TRENDSALES_RETRAIN_POLL_SECONDS="0.3",
        TRENDSALES_JOB_HEARTBEAT_SECONDS="0.5",
        TRENDSALES_ACCESS_LOG="",
        **extra_env,
    )
    engine = make_engine(env["TRENDSALES_DATABASE_URL"])
    upgrade_database(engine)
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, "admin", PASSWORD, role="admin")
    import_sales_frame(engine, monthly_sales(), filename="monthly.csv", uploaded_by="test")
    config = Settings().with_overrides({"MODEL_DIR": str(instance / "models"), **FAST_TRAINING})
    assert all(o.promoted for o in run_training(engine, config, source="test").values())
    return Deployment(env, engine, config)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One prepared instance served by gunicorn with 2 workers, shared by the tests below."""
    dep = _prepare(tmp_path_factory.mktemp("ops-live"))
    dep.server = start_server(dep.env, workers=2)
    yield dep
    dep.server.stop()
    dep.engine.dispose()


def _jobs(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(select(TrainingJob.id, TrainingJob.status).order_by(TrainingJob.id))
        ]


def _n_versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ModelVersion))


class ForecastLoad:
    """A client thread forecasting through the real HTTP stack until stopped; records every answer."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.answers: list[tuple[int, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            status, body = self.client.get_json("/api/forecast", level="store", series="store=*", horizon=6)
            self.answers.append((status, body.get("version")))

    def __enter__(self) -> ForecastLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def test_retrain_request_runs_once_and_every_worker_swaps_while_serving(deployment: Deployment) -> None:
    engine, server = deployment.engine, deployment.server
    before = master_versions(engine)
    wait_all_workers(server, lambda h: h["masters"] == before, timeout=30, what="workers on the first MASTER")
    leaders = wait_all_workers(server, lambda h: h["scheduler"]["running"], timeout=10, what="schedulers")
    assert sorted(h["scheduler"]["role"] for h in leaders.values()) == ["follower", "leader"]
    versions_before = _n_versions(engine)
    more = monthly_sales(months=66)  # six new months, so the retrained candidate replaces the MASTER
    import_sales_frame(engine, more[more["date"] >= "2024-01-01"], filename="more.csv", uploaded_by="test")
    client = Client(server.url, "admin", PASSWORD)
    with ForecastLoad(client) as load:
        job_id = request_job(engine, trigger="manual", requested_by="admin").job_id
        wait_for(lambda: not get_job(engine, job_id).active, timeout=90, what=f"job {job_id} to finish")
        job = get_job(engine, job_id)
        assert job.status == "succeeded", job.error
        after = master_versions(engine)
        assert any(o["promoted"] for o in job.outcome.values()), job.outcome
        promoted_at = time.time()
        wait_all_workers(server, lambda h: h["masters"] == after, timeout=POLL_SECONDS + 10, what="swap")
        swap_seconds = time.time() - promoted_at
    assert swap_seconds <= POLL_SECONDS + 5
    assert _jobs(engine) == [(job_id, "succeeded")]  # exactly one training ran...
    assert _n_versions(engine) == versions_before + 3  # ...registering one version per level
    assert job.progress_total > 0 and job.progress_step == job.progress_total
    statuses = {status for status, _ in load.answers}
    assert statuses == {200}, [a for a in load.answers if a[0] != 200][:5]
    assert {v for _, v in load.answers} <= {before["store"], after["store"]}
    assert len(load.answers) > 10


def test_simultaneous_cli_requests_give_one_training(deployment: Deployment) -> None:
    engine = deployment.engine
    versions_before, jobs_before = _n_versions(engine), len(_jobs(engine))
    procs = [
        subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "retrain", "--level", "store", *extra],
            cwd=PROJECT_ROOT,
            env=deployment.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in (["--wait"], [])
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    ids = {out.split(":", 1)[0] for out, _ in outputs}
    assert len(ids) == 1, outputs  # both print "Job N: ..."
    assert sum("already" in out for out, _ in outputs) == 1, outputs
    job_id = int(ids.pop().split()[1])
    wait_for(lambda: not get_job(engine, job_id).active, timeout=90, what=f"job {job_id} to finish")
    assert get_job(engine, job_id).status == "succeeded"
    waited = outputs[0][0]  # the --wait process followed the progress line to the end
    assert f"[100%] job {job_id} succeeded" in waited and f"Job {job_id} succeeded." in waited, waited
    assert len(_jobs(engine)) == jobs_before + 1
    assert _n_versions(engine) == versions_before + 1  # one store training, not two


def test_broken_artifact_is_refused_and_the_old_master_keeps_serving(deployment: Deployment) -> None:
    engine, server = deployment.engine, deployment.server
    serving = master_versions(engine)
    outcomes = run_training(engine, deployment.config, levels=["store"], promote=False, source="test")
    broken = outcomes["store"].version_id
    Path(get_version(engine, broken).artifact_path).write_bytes(b"\x00 truncated by a full disk")
    with pytest.raises(RegistryError, match="refusing to promote"):
        promote(engine, broken, reason="test", actor="test")
    # The file breaks *after* promotion (shared folder trouble): the workers must refuse it too.
    with engine.begin() as conn:
        conn.execute(update(RegistryAlias).where(RegistryAlias.level == "store").values(version_id=broken))
    client = Client(server.url, "admin", PASSWORD)
    try:
        refused = wait_all_workers(
            server,
            lambda h: h["models"]["refused"].get("store", {}).get("version") == broken,
            timeout=POLL_SECONDS + 10,
            what="workers refusing the broken artifact",
        )
        assert all(h["masters"]["store"] == serving["store"] for h in refused.values())
        for _ in range(10):
            status, body = client.get_json("/api/forecast", level="store", series="store=S1", horizon=3)
            assert status == 200 and body["version"] == serving["store"] and len(body["rows"]) == 3
    finally:
        with engine.begin() as conn:
            conn.execute(
                update(RegistryAlias)
                .where(RegistryAlias.level == "store")
                .values(version_id=serving["store"])
            )


def test_api_answers_clear_errors(deployment: Deployment) -> None:
    client = Client(deployment.server.url, "admin", PASSWORD)
    status, body = client.get_json("/api/forecast", level="store", series="store=S9", horizon=3)
    assert status == 404 and "unknown series" in body["error"]
    status, body = client.get_json("/api/forecast", level="store", series="store=S1", horizon="x")
    assert status == 400 and "horizon" in body["error"]
    status, location = refused_without_session(deployment.server.url + "/api/forecast?level=store&series=S1")
    assert status == 401, location  # never data without a session


def test_job_killed_midway_is_failed_at_restart(tmp_path: Path) -> None:
    dep = _prepare(tmp_path, slow_training=True)
    before = master_versions(dep.engine)
    server = start_server(dep.env, workers=1)  # one worker boots faster; the lease is what matters
    try:
        job_id = request_job(dep.engine, trigger="manual", requested_by="admin").job_id
        wait_for(lambda: get_job(dep.engine, job_id).progress_step > 0, timeout=60, what="training under way")
        os.killpg(server.process.pid, signal.SIGKILL)  # the whole group: master, workers, training child
        server.process.wait(10)
        assert get_job(dep.engine, job_id).status == "running"  # nobody could close it
        server = start_server(dep.env, workers=1)
        wait_for(lambda: get_job(dep.engine, job_id).status == "failed", timeout=30, what="recovery")
        job = get_job(dep.engine, job_id)
        assert "stopped: no heartbeat since" in job.error
        assert master_versions(dep.engine) == before
        assert request_job(dep.engine, trigger="manual", requested_by="admin").created  # slot freed
        assert worker_pids(server)
    finally:
        server.stop()
        dep.engine.dispose()
