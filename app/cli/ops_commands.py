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

from app.services import get_services
from data.schema import JOB_STATUSES, LEVELS
from models.vocabulary import progress_text
from services.retraining import (
    JobError,
    JobInfo,
    cancel_retrain,
    get_job,
    list_jobs,
    request_retrain,
    run_here,
    scheduler_alive,
)

POLL_SECONDS = 0.5


def _cli_actor() -> str:
    """Who asks, as recorded on jobs and in the audit log: ``cli:<login name>``."""
    return f"cli:{getpass.getuser()}"[:80]


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _percent(job: JobInfo) -> str:
    return f"{100 * job.progress_step / job.progress_total:3.0f}%" if job.progress_total else "  -%"


def _outcome_lines(job: JobInfo) -> list[str]:
    """One line per level: promoted or not, and why."""
    lines = []
    for level, out in (job.outcome or {}).items():
        if not isinstance(out, dict) or "promoted" not in out:
            continue
        verdict = "PROMOTED" if out.get("promoted") else "not promoted"
        lines.append(f"  {level}: {out.get('version_id') or '-'} {verdict} — {out.get('reason')}")
    return lines


def follow_job(job_id: int, *, timeout: float | None = None) -> JobInfo:
    """Print the job's progress line whenever it changes, until the job ends (or ``timeout``)."""
    services = get_services()
    started = time.monotonic()
    last = None
    while True:
        job = get_job(services, job_id)
        label = progress_text(job.progress_label, services.config.language)
        line = f"[{_percent(job)}] job {job.id} {job.status}: {label}"
        if line != last:
            click.echo(line)
            last = line
        if not job.active:
            return job
        if timeout is not None and time.monotonic() - started > timeout:
            _fail(
                f"job {job_id} is still {job.status} after {timeout:g} s (it goes on; `jobs show {job_id}`)"
            )
        time.sleep(POLL_SECONDS)


def _warn_without_scheduler() -> None:
    """Say so when no live scheduler holds the lease: nothing would pick the request up."""
    if not scheduler_alive(get_services()):
        click.echo(
            "Warning: no running server holds the scheduler lease, so nothing will pick this job up "
            "until one starts (or use --here to run it in this process).",
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
        _fail(str(exc))
    click.echo(f"Job {result.job_id}: {result.message}")
    if here:
        if not run_here(services, result.job_id):
            click.echo(f"Job {result.job_id} was already taken by another runner; following it.")
        wait = True
    elif wait:
        _warn_without_scheduler()
    if not wait:
        return
    job = follow_job(result.job_id, timeout=timeout)
    for line in _outcome_lines(job):
        click.echo(line)
    if job.status in ("failed", "cancelled"):
        _fail(f"job {job.id} {job.status}: {job.error}")
    click.echo(f"Job {job.id} {job.status}.")


jobs_cli = AppGroup("jobs", help="Training jobs (retrain requests and their runs).")


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--status", type=click.Choice(JOB_STATUSES), default=None)
def jobs_list(limit: int, status: str | None) -> None:
    """Newest jobs: id, status, trigger, who, created, progress, error."""
    jobs = list_jobs(get_services(), limit=limit, status=status)
    if not jobs:
        click.echo("No training jobs yet.")
        return
    click.echo(
        f"{'id':>5}  {'status':<9}  {'trigger':<8}  {'requested by':<18}  {'created (UTC)':<19}  progress"
    )
    for job in jobs:
        detail = job.error if job.error else (job.progress_label or "")
        click.echo(
            f"{job.id:>5}  {job.status:<9}  {job.trigger:<8}  {job.requested_by[:18]:<18}  "
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
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(job.to_dict(), indent=2, default=str))
        return
    click.echo(f"Job {job.id}: {job.status} ({job.trigger}, requested by {job.requested_by})")
    click.echo(f"  created {job.created_at}, started {job.started_at}, finished {job.finished_at}")
    click.echo(f"  runner {job.runner or '-'}, last heartbeat {job.heartbeat_at}")
    click.echo(f"  progress [{_percent(job)}] {job.progress_label or ''}")
    for line in _outcome_lines(job):
        click.echo(line)
    if job.error:
        click.echo(f"  error: {job.error}")


@jobs_cli.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Cancel a queued or running job (a running training stops within seconds and promotes nothing)."""
    try:
        job = cancel_retrain(get_services(), job_id, actor=_cli_actor())
    except JobError as exc:
        _fail(str(exc))
    click.echo(f"Job {job.id} {job.status}.")
