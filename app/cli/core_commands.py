"""``init`` (create/upgrade the database, make sure an admin exists) and ``users`` commands."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.cli.progress import ProgressLine
from app.services import get_services
from data.db import upgrade_database
from data.i18n import format_number
from services import accounts, imports, scoping


def _fail(message: str) -> None:
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(1)


def ensure_admin_account() -> None:
    """Create the first admin when none exists; a generated password is printed once."""
    services = get_services()
    generated = accounts.ensure_admin(
        services.sessions,
        username=services.config.admin_username,
        password=services.config.admin_password,
    )
    if generated:
        name = services.config.admin_username
        click.echo("=" * 64)
        click.echo(
            "  "
            + _(
                "Admin account created: user '%(name)s', password: %(password)s",
                name=name,
                password=generated,
            )
        )
        click.echo("  " + _("This password is shown only once. Change it after logging in."))
        click.echo("=" * 64)


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load the demo data and train the first models when empty.")
@with_appcontext
def init_cmd(demo: bool) -> None:
    """Create or upgrade the database and make sure an admin account exists (idempotent)."""
    services = get_services()
    upgrade_database(services.engine)
    click.echo(_("Database is up to date."))
    ensure_admin_account()
    if demo:
        load_demo_if_empty()
        train_if_no_master()


users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "manager"]), default="manager", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def users_create(name: str, role: str, password_stdin: bool) -> None:
    """Add a user with a role; the password is prompted (or read from stdin)."""
    password = _read_password(password_stdin)
    try:
        accounts.create_account(get_services().sessions, name, password, role=role, actor="cli")
    except accounts.AccountError as exc:
        _fail(exc.text(get_services().config.language))
    click.echo(_("User %(name)s created with role %(role)s.", name=repr(name), role=role))


@users_cli.command("list")
def users_list() -> None:
    """List users with role, status and last login."""
    users = accounts.list_accounts(get_services().sessions)
    scopes = scoping.scopes_by_user(get_services().sessions)
    click.echo(f"{'user':<24}{'role':<10}{'status':<12}{'last login':<28}stores")
    for u in users:
        status = "active" if u.active else ("requested" if u.access_requested else "inactive")
        stores = scopes.get(u.username, scoping.ALL_STORES).describe()
        click.echo(f"{u.username:<24}{u.role:<10}{status:<12}{u.last_login_at or '-'!s:<28}{stores}")


@users_cli.command("approve")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "manager"]), default="manager", show_default=True)
def users_approve(name: str, role: str) -> None:
    """Approve a pending access request."""
    try:
        accounts.approve_request(get_services().sessions, name, actor="cli", role=role)
    except accounts.AccountError as exc:
        _fail(exc.text(get_services().config.language))
    click.echo(_("Access approved for %(name)s (%(role)s).", name=repr(name), role=role))


@users_cli.command("reset-password")
@click.argument("name")
def users_reset_password(name: str) -> None:
    """Give a user a temporary password that must be changed at next login."""
    try:
        temporary = accounts.reset_password(get_services().sessions, name, actor="cli")
    except accounts.AccountError as exc:
        _fail(exc.text(get_services().config.language))
    click.echo(_("Temporary password for %(name)s: %(password)s", name=repr(name), password=temporary))


@users_cli.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Deactivate a user (the last active admin cannot be deactivated)."""
    try:
        accounts.set_active(get_services().sessions, name, False, actor="cli")
    except accounts.AccountError as exc:
        _fail(exc.text(get_services().config.language))
    click.echo(_("User %(name)s deactivated.", name=repr(name)))


@users_cli.command("scope")
@click.argument("name")
@click.option("--stores", help='Comma-separated stores the manager may see, e.g. "Loja Centro,Loja Praia".')
@click.option("--all", "every", is_flag=True, help="Let the manager see every store (the default).")
def users_scope(name: str, stores: str | None, every: bool) -> None:
    """Limit a manager to some stores (--stores) or give them every store (--all); audited."""
    if every == (stores is not None):
        _fail(_("give exactly one of --stores or --all"))
    services = get_services()
    chosen = None if every else (stores or "").split(",")
    try:
        scope = scoping.set_user_scope(
            services.sessions, name, chosen, known_stores=scoping.store_names(services.engine), actor="cli"
        )
    except scoping.ScopeError as exc:
        _fail(exc.text(services.config.language))
    click.echo(_("%(user)s now sees %(stores)s.", user=name, stores=_(scope.describe())))


def load_demo_if_empty() -> None:
    """Load the embedded demo data when the sales table is empty (first `make run`)."""
    services = get_services()
    if imports.sales_overview(services).get("rows", 0) > 0:
        return
    click.echo(_("Loading the demo data (first run)…"))
    result = imports.load_demo(services, actor="system", seed=7)
    rows = format_number(result.rows_new, 0, get_services().config.language)
    click.echo(_("Demo data loaded: %(rows)s rows.", rows=rows))


def train_if_no_master() -> None:
    """Train and promote the first models when no level has a MASTER yet (first `make run`)."""
    from models import registry
    from services.training import train_now

    services = get_services()
    if registry.master_versions(services.engine):
        return
    click.echo(_("Training the first models (first run; this takes about a minute)…"))
    # Nothing is being served yet, so the first training may use every core.
    n_jobs = max(services.config.train_n_jobs, os.cpu_count() or 1)
    config = services.config.replace(train_n_jobs=n_jobs)
    progress = ProgressLine(services.config.language)
    outcomes = train_now(services.engine, config, source="init", progress=progress)
    progress.close()
    for level, outcome in outcomes.items():
        click.echo(f"  {level}: {outcome.version_id} — {outcome.reason}")
