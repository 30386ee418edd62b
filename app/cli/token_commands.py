"""``tokens create|list|revoke``: personal API tokens for ``/api/*`` (the operator acts for any user)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

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
        raise click.ClickException(exc.text(get_services().config.language)) from None
    expires = f"{new.info.expires_at:%Y-%m-%d %H:%M} UTC" if new.info.expires_at else _("never")
    click.echo(
        _(
            "Token %(id)s for %(user)s (%(label)s), expires %(expires)s.",
            id=new.info.id,
            user=name,
            label=label,
            expires=expires,
        )
    )
    click.echo(_("Secret (shown only once):"))
    click.echo(new.secret)


@tokens_cli.command("list")
@click.option("--user", "owner", help="Only this user's tokens.")
def tokens_list(owner: str | None) -> None:
    """List tokens: id, owner, label, state, expiry and last use (never the secrets)."""
    rows = tokens.list_tokens(get_services().sessions, owner)
    user, label, state = _("user"), _("label"), _("state")
    expires_head, used_head = _("expires (UTC)"), _("last used (UTC)")
    click.echo(f"{'id':<6}{user:<20}{label:<20}{state:<9}{expires_head:<18}{used_head}")
    for t in rows:
        expires = f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else _("never")
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
        click.echo(f"{t.id:<6}{t.owner:<20}{t.name[:19]:<20}{_(t.state()):<9}{expires:<18}{used}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID at once (audited)."""
    try:
        info = tokens.revoke_token(get_services().sessions, token_id, actor="cli", system=True)
    except tokens.TokenError as exc:
        raise click.ClickException(exc.text(get_services().config.language)) from None
    click.echo(
        _("Token %(id)s of %(user)s (%(label)s) revoked.", id=info.id, user=info.owner, label=info.name)
    )
