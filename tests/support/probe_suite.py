"""The probe groups in the order they run (``run_probes``): the login throttle last, since it locks the
manager's name out for the throttle window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.probe_access import (
    probe_anonymous,
    probe_csrf,
    probe_health,
    probe_manager_admin,
    probe_sessions,
    probe_throttle,
    probe_tokens,
)
from tests.support.probe_views import probe_malformed, probe_markup, probe_scope
from tests.support.probes import Probes, ProbeSetup, login, server_callbacks

Run = Callable[[Probes, ProbeSetup, dict[str, Any]], None]

GROUPS: tuple[Run, ...] = (
    probe_anonymous,
    probe_health,
    probe_manager_admin,
    probe_csrf,
    probe_sessions,
    probe_malformed,
    probe_scope,
    probe_tokens,
    probe_markup,
    probe_throttle,
)


def run_probes(setup: ProbeSetup, routes: list[tuple[str, str]]) -> Probes:
    """Run every probe group against ``setup``'s server; ``routes``: (method, path) tried anonymously."""
    out = Probes()
    ctx: dict[str, Any] = {
        "routes": routes,
        "admin": login(setup.url, setup.admin),
        "manager": login(setup.url, setup.manager),
        "scoped": login(setup.url, setup.scoped),
    }
    ctx["callbacks"] = server_callbacks(ctx["manager"], setup.url)
    for group in GROUPS:
        try:
            group(out, setup, ctx)
        except Exception as exc:  # a probe that cannot run is a failure to look at, not a crash
            out.add(group.__name__, "probe group raised", False, f"{type(exc).__name__}: {exc}")
    return out
