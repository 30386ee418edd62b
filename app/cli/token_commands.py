"""``tokens create|list|revoke``: personal API tokens for ``/api/*`` (the operator acts for any user)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services import get_services
from services import tokens

tokens_cli = AppGroup("tokens", help="Manage API tokens (Authorization: Bearer on /api/* only).")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="What the token is for (shown in lists).")
@click.option("--expires", "days", type=int, help="Lifetime in days (default: TRENDSALES_API_TOKEN_DAYS).")
def tokens_create(name: str, label: str, days: int | None) -> None:
    """Create a token acting as user NAME (same role and stores); the secret is printed once."""
    services = get_services()
    try:
        new = tokens.create_token(
            services.sessions,
            name,
            label,
            expires_days=days or services.config.api_token_days,
            actor="cli",
            system=True,
        )
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {new.info.id} for {name} ({label}), expires {new.info.expires_at:%Y-%m-%d %H:%M} UTC.")
    click.echo("Secret (shown only once):")
    click.echo(new.secret)


@tokens_cli.command("list")
@click.option("--user", "owner", help="Only this user's tokens.")
def tokens_list(owner: str | None) -> None:
    """List tokens: id, owner, label, state, expiry and last use (never the secrets)."""
    rows = tokens.list_tokens(get_services().sessions, owner)
    click.echo(f"{'id':<6}{'user':<20}{'label':<20}{'state':<9}{'expires (UTC)':<18}last used (UTC)")
    for t in rows:
        expires = f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "never"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
        click.echo(f"{t.id:<6}{t.owner:<20}{t.name[:19]:<20}{t.state():<9}{expires:<18}{used}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID at once (audited)."""
    try:
        info = tokens.revoke_token(get_services().sessions, token_id, actor="cli", system=True)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {info.id} of {info.owner} ({info.name}) revoked.")
