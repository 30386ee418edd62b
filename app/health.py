"""Health checks: a minimal public answer for load balancers, the detail for administrators only.

``GET /healthz`` (public) says the worker answers and which MASTER versions it serves — nothing about
the host, the process or file paths. ``GET /admin/health`` (admin login) adds this worker's pid and
host, the database, the model holder's state (refused versions with their errors) and the scheduler.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask, Response, jsonify

from app.security import admin_required
from app.services import Services
from data.db import has_schema


def scheduler_state(services: Services) -> dict[str, Any]:
    """The scheduler's state in this process (leader or follower, next runs), or that it is off."""
    runner = services.extras.get("scheduler")
    if runner is None:
        role = "stopped" if services.config.scheduler_enabled else "disabled"
        return {"running": False, "role": role}
    return runner.state()


def public_health(services: Services) -> dict[str, Any]:
    """What anyone may know: the worker answers, and the versions it serves per level."""
    return {"status": "ok", "masters": services.holder.status()["versions"]}


def health_detail(services: Services) -> dict[str, Any]:
    """Everything an administrator needs to diagnose this worker."""
    models = services.holder.status()
    return {
        "status": "ok",
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "database": has_schema(services.engine),
        "masters": models["versions"],
        "models": models,
        "scheduler": scheduler_state(services),
    }


def register_health_routes(server: Flask, services: Services) -> None:
    """``/healthz`` (public) and ``/admin/health`` (admins only; the access guard refuses anonymous)."""

    @server.get("/healthz", endpoint="healthz")
    def healthz() -> Response:
        return jsonify(public_health(services))

    @server.get("/admin/health", endpoint="admin_health")
    @admin_required
    def admin_health() -> Response:
        return jsonify(health_detail(services))
