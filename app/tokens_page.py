"""Account › API tokens: create (shown once), list and revoke one's tokens; admins act for any user."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.services import get_services
from components.i18n import text_language
from data.i18n import N_
from services import accounts, tokens

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
TOKEN_STATES = (N_("active"), N_("expired"), N_("revoked"))  # TokenInfo.state(), translated in the page


def _page(secret: str | None = None, status: int = 200) -> tuple[str, int]:
    services = get_services()
    owner = None if current_user.is_admin else current_user.username
    owners = [a.username for a in accounts.list_accounts(services.sessions) if a.active]
    page = render_template(
        "tokens.html",
        tokens=tokens.list_tokens(services.sessions, owner),
        secret=secret,
        is_admin=current_user.is_admin,
        owners=owners,
        me=current_user.username,
        default_days=services.config.api_token_days,
    )
    return page, status


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    """The user's tokens (every token for an admin) and the create form."""
    return _page()


@bp.post("")
@login_required
def create() -> tuple[str, int]:
    """Create a token for oneself (an admin: for any user); its secret is shown on this page once."""
    owner = request.form.get("owner") if current_user.is_admin else None
    try:
        days = int(request.form.get("days") or get_services().config.api_token_days)
        new = tokens.create_token(
            get_services().sessions,
            owner or current_user.username,
            request.form.get("name", ""),
            expires_days=days,
            actor=current_user.username,
        )
    except ValueError as exc:  # TokenError, or days that are not a number
        flash(
            exc.text(text_language())
            if isinstance(exc, tokens.TokenError)
            else _("Days valid must be a whole number."),
            "danger",
        )
        return _page(status=400)
    return _page(secret=new.secret)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response | tuple[str, int]:
    """Revoke one of the user's tokens (an admin: anyone's)."""
    try:
        info = tokens.revoke_token(get_services().sessions, token_id, actor=current_user.username)
    except tokens.TokenError as exc:
        flash(exc.text(text_language()), "danger")
        return _page(status=404)
    flash(_("Token %(id)s (%(name)s) revoked.", id=info.id, name=info.name), "success")
    return redirect(url_for("tokens.index"))
