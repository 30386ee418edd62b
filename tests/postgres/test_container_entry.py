"""The container's entry script against PostgreSQL, as compose.yaml runs it: migrations, admin, gunicorn."""

from __future__ import annotations

from tests.deploy.test_entrypoint import check_served
from tests.support.container import entry_environment, run_entrypoint


def test_the_entry_script_migrates_bootstraps_and_serves_on_postgresql(postgres_server, tmp_path):
    url = postgres_server.create_database("ts_container_entry")
    run = run_entrypoint(entry_environment(tmp_path / "instance", url), cwd=tmp_path)
    try:
        check_served(run, url)
    finally:
        code = run.stop()
    assert code == 0, run.server.log()
