"""The Dockerfile and compose.yaml, read by their parsers: what the issue asks of the deployment, and
that they agree with each other and with the code (paths copied, settings named, ports, volumes)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from app.config import Settings, env_name
from tests.support.container import (
    ENTRYPOINT,
    compose_file,
    dockerfile_stages,
    env_of,
    healthcheck_command,
)
from tests.support.live_server import PROJECT_ROOT

DASK_ADDRESS = "tcp://dask-scheduler:8786"  # CONTRACT §5: TRENDSALES_DASK_ADDRESS


def project_packages() -> set[str]:
    """Top-level folders of the application's code (every package but the tests and benchmarks)."""
    return {
        p.parent.name for p in PROJECT_ROOT.glob("*/__init__.py") if p.parent.name not in ("tests", "bench")
    }


def known_variables() -> set[str]:
    """Every environment variable the app reads: the settings, and gunicorn.conf.py's own."""
    settings = {env_name(f.name) for f in dataclasses.fields(Settings) if not f.metadata.get("internal")}
    gunicorn = set(
        re.findall(
            r"environ\.(?:get|setdefault)\(\s*\"(\w+)\"", (PROJECT_ROOT / "gunicorn.conf.py").read_text()
        )
    )
    return settings | gunicorn | {"TRENDSALES_DASK_ADDRESS"}


def test_the_image_is_built_in_stages_and_runs_as_an_unprivileged_user():
    stages = dockerfile_stages()
    names = [s.name for s in stages]
    assert len(stages) >= 2 and all(names), "every stage is named"
    build, runtime = stages[0], stages[-1]
    assert any("requirements.txt" in c.original for c in build.all("RUN"))
    for copy in runtime.all("COPY"):
        source = next((f.split("=", 1)[1] for f in copy.flags if f.startswith("--from=")), None)
        assert source is None or source in names[:-1], f"{copy.original}: no earlier stage {source!r}"
    users = runtime.all("USER")
    assert users, "the runtime stage sets a user"
    user = users[-1].value[0]
    assert user.split(":")[0] not in ("root", "0")
    assert any("useradd" in c.original and user in c.original for c in runtime.all("RUN"))
    last_user = max(c.start_line for c in users)
    assert all(c.start_line < last_user for c in runtime.all("RUN")), "nothing runs as root after USER"


def test_the_image_holds_every_package_and_starts_through_the_entry_script():
    runtime = dockerfile_stages()[-1]
    copied: set[str] = set()
    for copy in runtime.all("COPY"):
        if any(f.startswith("--from=") for f in copy.flags):
            continue
        for source in copy.value[:-1]:
            assert (PROJECT_ROOT / source).exists(), f"{copy.original}: {source} is not in the project"
            copied.add(source.rstrip("/"))
    assert project_packages() <= copied, f"not copied: {project_packages() - copied}"
    assert {"wsgi.py", "gunicorn.conf.py", "deploy"} <= copied
    (workdir,) = [c.value[0] for c in runtime.all("WORKDIR")]
    (entry,) = runtime.all("ENTRYPOINT")
    assert entry.json, "exec form: the script is PID 1 and gets docker stop's SIGTERM"
    script = Path(entry.value[0])
    assert script.relative_to(workdir) == ENTRYPOINT.relative_to(PROJECT_ROOT)
    assert ENTRYPOINT.stat().st_mode & 0o111 and ENTRYPOINT.read_text().startswith("#!/bin/sh")
    text = ENTRYPOINT.read_text()
    assert "flask --app wsgi init" in text and "exec gunicorn -c gunicorn.conf.py wsgi:server" in text
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True).returncode == 0


def test_the_image_exposes_its_port_and_checks_healthz():
    runtime = dockerfile_stages()[-1]
    env = env_of(runtime)
    (expose,) = runtime.all("EXPOSE")
    assert expose.value == (env["PORT"],) and env["HOST"] == "0.0.0.0"
    command = healthcheck_command(runtime)
    assert command[0] == "python" and "/healthz" in " ".join(command)
    assert any(f.startswith("--start-period=") for f in runtime.all("HEALTHCHECK")[0].flags)
    assert set(env) - {
        "PATH",
        "PYTHONPATH",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "HOST",
        "PORT",
    } <= (known_variables())
    # The check itself is plain Python: it fails while nothing answers on the port.
    closed = subprocess.run(
        [sys.executable, *command[1:]], env={"PORT": "1"}, capture_output=True, timeout=30
    )
    assert closed.returncode != 0


def test_compose_runs_the_app_postgresql_a_dask_scheduler_and_two_workers():
    compose = compose_file()
    services = compose["services"]
    assert {"app", "postgres", "dask-scheduler"} <= set(services)
    workers = [name for name, s in services.items() if s.get("command", [])[:2] == ["dask", "worker"]]
    assert len(workers) == 2
    for name in workers:
        assert services[name]["command"][2] == DASK_ADDRESS
        assert services[name]["build"] == "."
    scheduler = services["dask-scheduler"]
    assert scheduler["command"][:2] == ["dask", "scheduler"] and "8786" in scheduler["command"]
    app = services["app"]
    assert app["build"] == "." and app["environment"]["TRENDSALES_DASK_ADDRESS"] == DASK_ADDRESS
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    url = app["environment"]["TRENDSALES_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
    assert services["postgres"]["image"].startswith("postgres:") and services["postgres"]["healthcheck"]
    assert any(p.endswith(":8050") for p in app["ports"])


def test_compose_shares_the_model_volume_and_names_only_real_settings():
    compose = compose_file()
    services = compose["services"]
    model_dir = env_of(dockerfile_stages()[-1])["TRENDSALES_MODEL_DIR"]

    def mounts(service: dict) -> dict[str, str]:
        return {v.split(":")[0]: v.split(":")[1] for v in service.get("volumes", [])}

    sharing = [name for name, s in services.items() if mounts(s).get("models") == model_dir]
    assert {"app", "dask-worker-1", "dask-worker-2"} <= set(sharing)
    assert set(compose["volumes"]) >= {"models", "uploads", "pgdata"}
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if key.startswith("TRENDSALES_"):
                assert key in known_variables(), f"{name}: {key} is not a setting"
            if key.endswith(("PASSWORD", "SECRET_KEY")):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}: {key} must come from .env"
