"""``retrain`` (record a retrain request; optionally follow it) and ``jobs list|show|cancel`` commands.

``retrain`` only records the request and prints its job id at once; the running server's scheduler
(the leader worker) picks it up within seconds. ``--wait`` follows the job's progress until it ends
(exit code 1 when it failed); ``--here`` runs it in this process instead (no server needed).
"""

from __future__ import annotations

import getpass
import json
import sys
import time

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.services import get_services
from data.schema import JOB_STATUSES, LEVELS
from models.vocabulary import progress_text
from services.retraining import (
    JobError,
    JobInfo,
    RetrainRequest,
    cancel_retrain,
    get_job,
    list_jobs,
    outcome_reason,
    request_retrain,
    run_here,
    scheduler_alive,
    skip_reason,
)

POLL_SECONDS = 0.5


def _cli_actor() -> str:
    """Who asks, as recorded on jobs and in the audit log: ``cli:<login name>``."""
    return f"cli:{getpass.getuser()}"[:80]


def _language() -> str:
    return get_services().config.language


def _fail(message: str) -> None:
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(1)


def _status(status: str) -> str:
    """A job status word (queued, running, succeeded, …) in the configured language."""
    return _(status)


def _percent(job: JobInfo) -> str:
    return f"{100 * job.progress_step / job.progress_total:3.0f}%" if job.progress_total else "  -%"


def _outcome_lines(job: JobInfo) -> list[str]:
    """One line per level: promoted or not, and why."""
    lines = []
    for level, out in (job.outcome or {}).items():
        if not isinstance(out, dict) or "promoted" not in out:
            continue
        verdict = _("PROMOTED") if out.get("promoted") else _("not promoted")
        reason = outcome_reason(out, _language())
        lines.append(f"  {_(level)}: {out.get('version_id') or '-'} {verdict} — {reason}")
    return lines


def follow_job(job_id: int, *, timeout: float | None = None) -> JobInfo:
    """Print the job's progress line whenever it changes, until the job ends (or ``timeout``)."""
    services = get_services()
    started = time.monotonic()
    last = None
    while True:
        job = get_job(services, job_id)
        label = progress_text(job.progress_label, services.config.language)
        line = f"[{_percent(job)}] " + _(
            "job %(job)s %(status)s: %(label)s", job=job.id, status=_status(job.status), label=label
        )
        if line != last:
            click.echo(line)
            last = line
        if not job.active:
            return job
        if timeout is not None and time.monotonic() - started > timeout:
            _fail(
                _(
                    "job %(job)s is still %(status)s after %(seconds)s s (it goes on; `jobs show %(job)s`)",
                    job=job_id,
                    status=_status(job.status),
                    seconds=format(timeout, "g"),
                )
            )
        time.sleep(POLL_SECONDS)


def _warn_without_scheduler() -> None:
    """Say so when no live scheduler holds the lease: nothing would pick the request up."""
    if not scheduler_alive(get_services()):
        click.echo(
            _(
                "Warning: no running server holds the scheduler lease, so nothing will pick this job up "
                "until one starts (or use --here to run it in this process)."
            ),
            err=True,
        )


@click.command("retrain")
@click.option(
    "--level", "levels", multiple=True, type=click.Choice(LEVELS), help="Level(s) to train (default all)."
)
@click.option("--wait", is_flag=True, help="Follow the job's progress until it ends.")
@click.option("--here", is_flag=True, help="Run the job in this process instead of the server's scheduler.")
@click.option(
    "--timeout", type=float, default=None, help="With --wait: give up following after this many seconds."
)
@with_appcontext
def retrain_cmd(levels: tuple[str, ...], wait: bool, here: bool, timeout: float | None) -> None:
    """Ask for a retrain: prints the job id at once (a running job is joined, not duplicated)."""
    services = get_services()
    try:
        result = request_retrain(services, actor=_cli_actor(), trigger="cli", levels=levels)
    except JobError as exc:
        _fail(exc.text(_language()))
    click.echo(_request_line(result))
    if here:
        if not run_here(services, result.job_id):
            click.echo(_("Job %(job)s was already taken by another runner; following it.", job=result.job_id))
        wait = True
    elif wait:
        _warn_without_scheduler()
    if not wait:
        return
    job = follow_job(result.job_id, timeout=timeout)
    for line in _outcome_lines(job):
        click.echo(line)
    if job.status in ("failed", "cancelled"):
        _fail(_("job %(job)s %(status)s: %(error)s", job=job.id, status=_status(job.status), error=job.error))
    click.echo(_("Job %(job)s %(status)s.", job=job.id, status=_status(job.status)))


def _request_line(result: RetrainRequest) -> str:
    """``Job N: …`` — the job created, or the active one the request joined (scripts read the id)."""
    if result.created:
        return _("Job %(job)s: retrain job %(job)s queued", job=result.job_id)
    job = get_job(get_services(), result.job_id)
    return _(
        "Job %(job)s: a retrain is already %(status)s (job %(job)s, requested by %(user)s); "
        "your request joins it",
        job=result.job_id,
        status=_status(result.status),
        user=job.requested_by,
    )


jobs_cli = AppGroup("jobs", help="Training jobs (retrain requests and their runs).")


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--status", type=click.Choice(JOB_STATUSES), default=None)
def jobs_list(limit: int, status: str | None) -> None:
    """Newest jobs: id, status, trigger, who, created, progress, error."""
    jobs = list_jobs(get_services(), limit=limit, status=status)
    if not jobs:
        click.echo(_("No training jobs yet."))
        return
    language = _language()
    status, trigger, who = _("status"), _("trigger"), _("requested by")
    created, progress = _("created (UTC)"), _("progress")
    click.echo(f"{'id':>5}  {status:<9}  {trigger:<8}  {who:<18}  {created:<19}  {progress}")
    for job in jobs:
        detail = (
            job.error or skip_reason(job.outcome, language) or progress_text(job.progress_label, language)
        )
        click.echo(
            f"{job.id:>5}  {_status(job.status):<9}  {job.trigger:<8}  {job.requested_by[:18]:<18}  "
            f"{job.created_at:%Y-%m-%d %H:%M:%S}  [{_percent(job)}] {detail}"
        )


@jobs_cli.command("show")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the whole job row as JSON.")
def jobs_show(job_id: int, as_json: bool) -> None:
    """One job in full: status, times, progress, per-level outcome, error."""
    try:
        job = get_job(get_services(), job_id)
    except JobError as exc:
        _fail(exc.text(_language()))
    if as_json:
        click.echo(json.dumps(job.to_dict(), indent=2, default=str))
        return
    language = _language()
    click.echo(
        _(
            "Job %(job)s: %(status)s (%(trigger)s, requested by %(user)s)",
            job=job.id,
            status=_status(job.status),
            trigger=job.trigger,
            user=job.requested_by,
        )
    )
    click.echo(
        "  "
        + _(
            "created %(created)s, started %(started)s, finished %(finished)s",
            created=job.created_at,
            started=job.started_at,
            finished=job.finished_at,
        )
    )
    click.echo(
        "  "
        + _("runner %(runner)s, last heartbeat %(beat)s", runner=job.runner or "-", beat=job.heartbeat_at)
    )
    label = progress_text(job.progress_label, language) if job.progress_label else ""
    click.echo("  " + _("progress [%(percent)s] %(label)s", percent=_percent(job), label=label))
    for line in _outcome_lines(job):
        click.echo(line)
    if job.error:
        click.echo("  " + _("error: %(error)s", error=job.error))


@jobs_cli.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Cancel a queued or running job (a running training stops within seconds and promotes nothing)."""
    try:
        job = cancel_retrain(get_services(), job_id, actor=_cli_actor())
    except JobError as exc:
        _fail(exc.text(_language()))
    click.echo(_("Job %(job)s %(status)s.", job=job.id, status=_status(job.status)))
