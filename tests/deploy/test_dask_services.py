"""compose.yaml's Dask scheduler and worker commands, run through the image's entry script as the
containers run them (outside a container): the worker joins the scheduler and runs the project's code."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.container import ENTRYPOINT, compose_file, entry_environment
from tests.support.live_server import PROJECT_ROOT, free_port, wait_for


@contextmanager
def service(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run ``ENTRYPOINT command`` in its own process group; stop the group afterwards."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(ENTRYPOINT), *command], env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def test_the_compose_worker_joins_the_compose_scheduler_and_runs_project_code(tmp_path):
    from distributed import Client

    services = compose_file()["services"]
    port = str(free_port())
    scheduler = [port if a == "8786" else a for a in services["dask-scheduler"]["command"]]
    worker = [
        a.replace("dask-scheduler:8786", f"127.0.0.1:{port}") for a in services["dask-worker-1"]["command"]
    ]
    env = entry_environment(tmp_path, "sqlite:///unused.db", PYTHONPATH=str(PROJECT_ROOT))
    with (
        service([*scheduler, "--host", "127.0.0.1", "--dashboard-address", ":0"], env, tmp_path / "s.log"),
        service([*worker, "--dashboard-address", ":0"], env, tmp_path / "w.log"),
    ):
        client = Client(f"tcp://127.0.0.1:{port}", timeout=60)
        try:
            wait_for(lambda: len(client.scheduler_info()["workers"]) == 1, timeout=90, what="the worker")
            (info,) = client.scheduler_info()["workers"].values()
            assert info["nthreads"] == 1
            from models.series import series_id

            assert (
                client.submit(series_id, "store", store="Loja Centro").result(timeout=60)
                == "store=Loja Centro"
            )
        finally:
            client.close()
