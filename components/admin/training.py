"""Admin › Training: the retrain button with its confirmation, live progress, outcome, schedule and jobs."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.admin.common import grid, section, time_column
from components.i18n import N_, _, timestamp

# Job statuses and triggers as stored (scheduler.jobstore), translated where shown.
JOB_WORDS = (
    N_("running"),
    N_("queued"),
    N_("succeeded"),
    N_("failed"),
    N_("skipped"),
    N_("cancelled"),
    N_("manual"),
    N_("schedule"),
    N_("cli"),
)
IDLE_POLL_MS = 5000
ACTIVE_POLL_MS = 1000
JOB_COLUMNS = [
    {"field": "id", "headerName": N_("Job"), "minWidth": 90, "flex": 0.3},
    {"field": "trigger", "headerName": N_("Trigger"), "minWidth": 120, "flex": 0.5},
    {"field": "requested_by", "headerName": N_("Requested by"), "minWidth": 150, "flex": 0.7},
    {"field": "status", "headerName": N_("Status"), "minWidth": 120, "flex": 0.5},
    time_column("created_at", headerName=N_("Created"), minWidth=170, flex=0.8),
    {"field": "duration", "headerName": N_("Duration"), "minWidth": 120, "flex": 0.4},
    {"field": "outcome", "headerName": N_("Outcome"), "minWidth": 240, "flex": 3, "tooltipField": "outcome"},
    {"field": "error", "headerName": N_("Error"), "minWidth": 160, "flex": 2, "tooltipField": "error"},
]


def retrain_section() -> dbc.Card:
    """Retrain button, confirmation modal, live progress of the current (or last) job, and the schedule."""
    modal = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("Retrain all levels now?"))),
            dbc.ModalBody(
                _(
                    "Every level is trained on all stored sales; each new candidate becomes MASTER only "
                    "when it beats the current MASTER on the same folds. Training runs in the background."
                )
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(_("Cancel"), id=ids.ADMIN_RETRAIN_CANCEL, color="secondary", outline=True),
                    dbc.Button(_("Start retraining"), id=ids.ADMIN_RETRAIN_CONFIRM, color="primary"),
                ]
            ),
        ],
        id=ids.ADMIN_RETRAIN_MODAL,
        is_open=False,
    )
    progress = html.Div(
        [
            html.Div(id=ids.ADMIN_JOB_STATUS, className="mb-1"),
            html.Div(
                dbc.Progress(
                    id=ids.ADMIN_JOB_PROGRESS,
                    value=0,
                    striped=True,
                    animated=False,
                    className="mb-2",
                    style={"height": "1.4rem"},
                ),
                **{"data-ts-progress": _("Training progress")},
            ),
            html.Div(id=ids.ADMIN_JOB_OUTCOME),
            html.Div(id=ids.ADMIN_JOB_CANCEL_MESSAGE),
        ]
    )
    return section(
        _("Retrain models"),
        [
            html.Div(
                [
                    dbc.Button(
                        [html.I(className="bi bi-cpu me-1"), _("Retrain now")],
                        id=ids.ADMIN_RETRAIN,
                        color="primary",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-stop-circle me-1"), _("Cancel training")],
                        id=ids.ADMIN_JOB_CANCEL,
                        color="danger",
                        outline=True,
                        disabled=True,
                    ),
                    html.Div(id=ids.ADMIN_SCHEDULE, className="small", style={"minWidth": 0}),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            html.Div(id=ids.ADMIN_RETRAIN_MESSAGE),
            progress,
            modal,
            dcc.Store(id=ids.ADMIN_RETRAIN_REQUESTED, data=0),
            dcc.Store(id=ids.ADMIN_JOB_STATE),
            dcc.Interval(id=ids.ADMIN_JOB_POLL, interval=ACTIVE_POLL_MS),
        ],
        icon="bi-cpu",
    )


def jobs_section() -> dbc.Card:
    """History of scheduled and manual training runs."""
    return section(
        _("Training jobs"), [grid(ids.ADMIN_JOBS_GRID, JOB_COLUMNS, height="300px")], icon="bi-list-task"
    )


def status_line(view: dict[str, Any]) -> html.Div:
    """'Job 12 · running · step 3/9: training store · 0:42 elapsed', with a colored status badge."""
    if not view.get("job_id"):
        trained = view.get("trained_at")
        text = (
            _(
                "No training job has run from here yet; the models in use were trained on %(when)s "
                "(first run or the command line).",
                when=timestamp(trained),
            )
            if trained is not None
            else _("No model has been trained yet: press Retrain now.")
        )
        return html.Div(text, className="text-body-secondary small")
    color = {
        "running": "primary",
        "queued": "info",
        "succeeded": "success",
        "failed": "danger",
        "skipped": "secondary",
        "cancelled": "warning",
    }.get(view["status"], "secondary")
    return html.Div(
        [
            dbc.Badge(_(view["status"]), color=color, className="me-2"),
            html.Span(
                _(
                    "Job %(job)s (%(trigger)s, by %(who)s)",
                    job=view["job_id"],
                    trigger=_(view["trigger"]),
                    who=view["requested_by"],
                ),
                className="me-2",
            ),
            html.Span(view.get("label") or "", className="me-2 fw-semibold"),
            html.Span(view.get("elapsed_text") or "", className="text-body-secondary me-2"),
            html.Span(view.get("eta_text") or "", className="text-body-secondary", id="admin-job-eta"),
        ],
        className="small",
    )


def outcome_list(view: dict[str, Any]) -> html.Div | None:
    """Per level: promoted or not and why (or the job's error)."""
    items = []
    for level in view.get("levels", []):
        icon, color = (
            ("bi-arrow-up-circle-fill", "text-success")
            if level["promoted"]
            else (
                ("bi-x-circle-fill", "text-danger")
                if level["error"]
                else ("bi-dash-circle", "text-secondary")
            )
        )
        items.append(
            html.Li(
                [
                    html.I(className=f"bi {icon} {color} me-1"),
                    html.Strong(f"{_(level['level'])}: "),
                    html.Span(level["text"]),
                ],
                className="admin-outcome-level",
            )
        )
    parts: list[Any] = []
    if items:
        parts.append(html.Ul(items, className="list-unstyled small mb-1"))
    if view.get("error"):
        parts.append(dbc.Alert(view["error"], color="danger", className="py-1 small mb-1"))
    return html.Div(parts) if parts else None


def schedule_text(info: dict[str, Any]) -> html.Div:
    """Next scheduled run and what the data gate would decide now."""
    gate_icon = "bi-check-circle text-success" if info.get("gate_train") else "bi-pause-circle text-secondary"
    return html.Div(
        [
            html.Div([html.I(className="bi bi-calendar-event me-1"), info["next_run"]]),
            html.Div([html.I(className=f"bi {gate_icon} me-1"), info["gate"]]),
        ]
    )
