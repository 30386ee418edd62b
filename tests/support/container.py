"""The container's files read by their own parsers (Dockerfile: Docker's Go parser through the
``dockerfile`` package; compose: PyYAML), and the entry script run outside a container."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dockerfile
import yaml

from tests.support.live_server import BIN, PROJECT_ROOT, LiveServer, free_port, wait_for

ENTRYPOINT = PROJECT_ROOT / "deploy" / "entrypoint.sh"


@dataclass(frozen=True)
class Stage:
    """One build stage: its base image, its name and its instructions after ``FROM``."""

    image: str
    name: str | None
    commands: tuple[Any, ...]

    def all(self, instruction: str) -> list[Any]:
        """Every command of this stage with ``instruction`` (``"COPY"``), in order."""
        return [c for c in self.commands if c.cmd == instruction]


def dockerfile_stages(path: Path = PROJECT_ROOT / "Dockerfile") -> list[Stage]:
    """The Dockerfile's stages, as Docker's own parser reads them."""
    stages: list[Stage] = []
    current: list[Any] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            if stages:
                stages[-1] = Stage(stages[-1].image, stages[-1].name, tuple(current))
            value = command.value
            name = value[2] if len(value) == 3 and value[1].upper() == "AS" else None
            stages.append(Stage(value[0], name, ()))
            current = []
        else:
            current.append(command)
    stages[-1] = Stage(stages[-1].image, stages[-1].name, tuple(current))
    return stages


def env_of(stage: Stage) -> dict[str, str]:
    """The ``ENV`` values a stage sets (``KEY=value`` pairs)."""
    values: dict[str, str] = {}
    for command in stage.all("ENV"):
        pairs = command.value
        values.update(zip(pairs[0::2], pairs[1::2], strict=True))
    return values


def compose_file(path: Path = PROJECT_ROOT / "compose.yaml") -> dict[str, Any]:
    """compose.yaml as YAML (anchors and merge keys resolved)."""
    return yaml.safe_load(path.read_text())


def healthcheck_command(stage: Stage) -> list[str]:
    """The exec-form command of the stage's ``HEALTHCHECK CMD [...]``."""
    (check,) = stage.all("HEALTHCHECK")
    assert check.json and check.value[0] == "CMD", check.original
    return list(check.value[1:])


@dataclass
class EntryRun:
    """The entry script running as a container would run it; ``stop()`` sends what ``docker stop`` sends."""

    server: LiveServer
    process: subprocess.Popen

    def stop(self) -> int:
        """SIGTERM to PID 1's stand-in (the script exec'd gunicorn), then its exit code."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode


def entry_environment(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A production environment like compose.yaml's app service, on a free port of 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDSALES_")}
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "TRENDSALES_ENV": "production",
            "TRENDSALES_SECRET_KEY": "container-test-secret-" + "x" * 32,
            "TRENDSALES_ADMIN_PASSWORD": "admin-pass-123",
            "TRENDSALES_INSTANCE_DIR": str(instance),
            "TRENDSALES_DATABASE_URL": database_url,
            "TRENDSALES_WORKERS": "1",
            "TRENDSALES_SCHEDULER_ENABLED": "0",
            "TRENDSALES_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def run_entrypoint(env: dict[str, str], *, cwd: Path, timeout: float = 180) -> EntryRun:
    """Start deploy/entrypoint.sh (from ``cwd``: it must find the project itself) and wait for /healthz."""
    log_path = cwd / f"entrypoint-{env['PORT']}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(ENTRYPOINT)], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LiveServer(f"http://{env['HOST']}:{env['PORT']}", process, log_path, env)
    run = EntryRun(server, process)

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the entry script exited with {process.returncode}:\n{server.log()}")
        try:
            return server.get("/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        wait_for(healthy, timeout=timeout, what="the entry script's gunicorn to answer /healthz")
    except BaseException:
        run.stop()
        raise
    return run
