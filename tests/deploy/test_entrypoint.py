"""The container's entry script run outside a container: it migrates, bootstraps the admin and serves
with a real gunicorn, whose health the image's HEALTHCHECK command confirms (SQLite here; PostgreSQL in
tests/postgres/test_container_entry.py)."""

from __future__ import annotations

import subprocess
import sys

import psutil
from alembic.script import ScriptDirectory

from data.db import MIGRATIONS_DIR, current_revision, make_engine
from tests.support.container import (
    ENTRYPOINT,
    dockerfile_stages,
    entry_environment,
    healthcheck_command,
    run_entrypoint,
)
from tests.support.live_server import free_port


def head_revision() -> str:
    """The newest migration of the project."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def check_served(run, database_url: str) -> None:
    """What a started container must show: schema at head, the admin can log in, gunicorn is PID 1,
    and the image's own HEALTHCHECK command succeeds against it."""
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    status, _ = run.server.admin_get("/admin/health")
    assert status == 200, run.server.log()
    assert "gunicorn" in " ".join(psutil.Process(run.process.pid).cmdline())  # exec'd, not a child
    command = healthcheck_command(dockerfile_stages()[-1])
    check = subprocess.run(
        [sys.executable, *command[1:]], env={"PORT": run.server.env["PORT"]}, capture_output=True, timeout=30
    )
    assert check.returncode == 0, check.stderr


def test_the_entry_script_migrates_bootstraps_and_serves_on_sqlite(tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{tmp_path / 'app.db'}"
    run = run_entrypoint(entry_environment(instance, url), cwd=tmp_path)
    try:
        check_served(run, url)
    finally:
        code = run.stop()
    assert code == 0, run.server.log()  # a graceful stop


def test_the_entry_script_runs_given_commands_instead(tmp_path):
    env = entry_environment(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    done = subprocess.run([str(ENTRYPOINT), "python", "-c", "print('dask here')"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "dask here")
    assert not (tmp_path / "x.db").exists()  # no migration for the scheduler and workers


def test_the_entry_script_gives_up_when_the_database_never_answers(tmp_path):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    env = entry_environment(tmp_path, url, INIT_ATTEMPTS="2")
    done = subprocess.run(
        [str(ENTRYPOINT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    assert "attempt 1 of 2" in done.stderr and "failed 2 times; giving up" in done.stderr
