"""Start and stop a real gunicorn serving the app on a free localhost port (for browser and
multi-process tests). Waits on conditions (the health check answering), never on fixed sleeps."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str = "") -> None:
    """Poll ``condition`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what or condition}")


def app_environment(instance_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a server or CLI process on its own instance folder and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDSALES_")}
    env.update(
        {
            "TRENDSALES_ENV": "demo",
            "TRENDSALES_INSTANCE_DIR": str(instance_dir),
            "TRENDSALES_DATABASE_URL": f"sqlite:///{instance_dir / 'trendsales.db'}",
            "TRENDSALES_LOG_LEVEL": "WARNING",
            # Tests that need the retraining runner pass TRENDSALES_SCHEDULER_ENABLED="1".
            "TRENDSALES_SCHEDULER_ENABLED": "0",
            # Tests written against the English text; the i18n tests ask for pt_BR explicitly.
            "TRENDSALES_LANGUAGE": "en",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    env.update(extra)
    return env


def flask_cli(env: dict[str, str], *args: str, input_text: str | None = None) -> subprocess.CompletedProcess:
    """Run ``flask --app wsgi ARGS`` in a subprocess with ``env``; raise with its output on failure."""
    proc = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@dataclass
class LiveServer:
    """A running gunicorn process group; ``stop()`` ends every worker."""

    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False)
    _admin: urllib.request.OpenerDirector | None = field(default=None, repr=False)

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        """GET a path; returns (status, body), also for error statuses."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def admin_get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        """GET a path as the admin of ``TRENDSALES_ADMIN_USERNAME``/``_PASSWORD`` in the server's
        environment (logged in once through the real form; the session cookie serves every worker)."""
        if self._admin is None:
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            with opener.open(self.url + "/login", timeout=timeout) as resp:
                token = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)
            form = {
                "username": self.env.get("TRENDSALES_ADMIN_USERNAME", "admin"),
                "password": self.env["TRENDSALES_ADMIN_PASSWORD"],
                "csrf_token": token,
            }
            with opener.open(
                self.url + "/login", data=urllib.parse.urlencode(form).encode(), timeout=timeout
            ) as resp:
                assert "/login" not in resp.geturl(), "admin login failed"
            self._admin = opener
        try:
            with self._admin.open(self.url + path, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Terminate the master and its workers, escalating to SIGKILL if they linger."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_server(
    env: dict[str, str],
    *,
    workers: int = 1,
    threads: int = 4,
    timeout: float = 60,
    app: str = "wsgi:server",
    ready: Callable[[LiveServer], bool] | None = None,
) -> LiveServer:
    """Start gunicorn (project config) on a free port; wait until /healthz answers, every worker is
    forked, and ``ready`` holds."""
    port = free_port()
    log_path = Path(env["TRENDSALES_INSTANCE_DIR"]) / f"gunicorn-{port}.log"
    server_env = dict(env, HOST="127.0.0.1", PORT=str(port), TRENDSALES_WORKERS=str(workers))
    server_env["TRENDSALES_THREADS"] = str(threads)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", app],
            cwd=PROJECT_ROOT,
            env=server_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, server_env)

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        try:
            return (
                server.get("/healthz", timeout=2)[0] == 200
                and len(worker_pids(server)) == workers
                and (ready is None or ready(server))
            )
        except OSError:
            return False

    try:
        wait_for(healthy, timeout=timeout, what="gunicorn /healthz")
    except BaseException:
        server.stop()
        raise
    return server


def worker_pids(server: LiveServer) -> set[int]:
    """Pids of the gunicorn master's direct children (its workers, not their training children)."""
    try:
        return {child.pid for child in psutil.Process(server.process.pid).children(recursive=False)}
    except psutil.NoSuchProcess:
        return set()


def health(server: LiveServer) -> dict[str, Any]:
    """One admin health answer, ``/admin/health`` (from whichever worker accepted the connection)."""
    status, body = server.admin_get("/admin/health", timeout=5)
    assert status == 200, body
    return json.loads(body)


def wait_all_workers(server: LiveServer, condition: Any, *, timeout: float, what: str) -> dict[int, dict]:
    """Poll /admin/health until every worker pid has answered with ``condition(answer)`` true."""
    pids = worker_pids(server)
    good: dict[int, dict] = {}

    def check() -> bool:
        answer = health(server)
        if condition(answer):
            good[answer["pid"]] = answer
        else:
            good.pop(answer["pid"], None)
        return pids <= set(good)

    wait_for(check, timeout=timeout, interval=0.02, what=what)
    return good
