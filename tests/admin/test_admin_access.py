"""Server-side checks: every admin callback and admin route refuses a manager's session (HTTP 403).

The payloads are built from the app's own callback map, so a new admin callback is covered the
moment it is registered; each is posted the way Dash's renderer does (cookie + CSRF header).
"""

from __future__ import annotations

from typing import Any

from app import create_app
from tests.app.conftest import dash_post, logout


def _parse_outputs(key: str) -> Any:
    """Dash's ``output`` key → the ``outputs`` entry of a payload (a dict, or a list for several)."""
    if key.startswith("..") and key.endswith(".."):
        parts = [p for p in key[2:-2].split("...")]
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    component, prop = key.rsplit(".", 1)
    return {"id": component, "property": prop}


def admin_payloads() -> list[tuple[str, dict]]:
    """One request body per callback whose outputs include an admin component."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="admin-payloads-") as folder:  # removed once read
        app = create_app(
            {"TESTING": True, "INSTANCE_DIR": folder, "DATABASE_URL": f"sqlite:///{folder}/x.db"}
        )
        try:
            return _payloads_of(app)
        finally:
            app.server.extensions["trendsales"].engine.dispose()


def _payloads_of(app: Any) -> list[tuple[str, dict]]:
    """The admin callbacks' request bodies read from ``app``'s callback map."""
    payloads = []
    for key, spec in app.callback_map.items():
        if "callback" not in spec:  # a clientside callback (runs in the browser, never posted)
            continue
        outputs = _parse_outputs(key)
        ids_ = [o["id"] for o in (outputs if isinstance(outputs, list) else [outputs])]
        if not any(str(i).startswith("admin-") for i in ids_):
            continue
        inputs = [{"id": i["id"], "property": i["property"], "value": None} for i in spec["inputs"]]
        state = [{"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]]
        payload = {
            "output": key,
            "outputs": outputs,
            "inputs": inputs,
            "state": state,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        }
        payloads.append((key, payload))
    return payloads


ADMIN_CALLBACKS = admin_payloads()
ADMIN_ROUTES = ["/admin/uploads/1/raw", "/admin/models/store-x/report.md", "/admin/audit.csv"]


def test_every_admin_section_has_callbacks():
    keys = " ".join(k for k, _ in ADMIN_CALLBACKS)
    for part in (
        "admin-upload-preview",
        "admin-job-progress",
        "admin-registry-grid",
        "admin-promote-modal",
        "admin-users-grid",
        "admin-user-message",
        "admin-audit-grid",
        "admin-compare-out",
    ):
        assert part in keys
    assert len(ADMIN_CALLBACKS) >= 12


def test_every_admin_callback_refuses_a_manager(manager_client):
    refused = {key: dash_post(manager_client, payload).status_code for key, payload in ADMIN_CALLBACKS}
    assert set(refused.values()) == {403}, {k: v for k, v in refused.items() if v != 403}


def test_every_admin_callback_runs_for_an_admin(admin_client):
    answered = {key: dash_post(admin_client, payload) for key, payload in ADMIN_CALLBACKS}
    failed = {
        k: (r.status_code, r.get_data(as_text=True)[:300])
        for k, r in answered.items()
        if r.status_code not in (200, 204)
    }
    assert not failed


def test_admin_routes_refuse_managers_and_anonymous_users(client, manager_client):
    for path in ADMIN_ROUTES:
        assert manager_client.get(path).status_code == 403, path
    logout(manager_client)
    for path in ADMIN_ROUTES:
        anonymous = client.get(path)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login"), path


def test_manager_cannot_promote_through_a_forged_callback(manager_client, trained):
    services, first, second = trained
    payload = dict(ADMIN_CALLBACKS_BY_OUTPUT["promote"])
    payload["inputs"] = [dict(i) for i in payload["inputs"]]
    payload["state"] = [
        {**s, "value": [{"id": second}] if s["property"] == "selectedRows" else "forged"}
        for s in payload["state"]
    ]
    payload["changedPropIds"] = ["admin-promote-confirm.n_clicks"]
    assert dash_post(manager_client, payload).status_code == 403
    from models.registry import master_versions

    assert master_versions(services.engine)["store"] == first


ADMIN_CALLBACKS_BY_OUTPUT = {
    "promote": next(p for k, p in ADMIN_CALLBACKS if "admin-promote-modal.is_open" in k),
}
