"""Deactivate and Reset password ask first, name the user, and refuse the admin's own account."""

from __future__ import annotations

from dash import no_update

from callbacks.admin.users import SELF_RESET, users_step
from components import ids
from data.accounts import OWN_ACCOUNT_REFUSED, find_user


def step(services, trigger, **kwargs):
    return users_step(services.sessions, trigger, actor="admin", **kwargs)


def is_active(services, name: str) -> bool:
    with services.sessions() as session:
        return find_user(session, name).active


def test_deactivate_asks_first_and_acts_only_on_confirm(services):
    shown, changed, _, is_open, question, pending = step(
        services, ids.ADMIN_USER_DEACTIVATE, target="manager"
    )
    assert shown is None  # no stale message under the dialog
    assert is_open is True and question.startswith("Deactivate manager?") and changed is no_update
    assert pending == {"action": ids.ADMIN_USER_DEACTIVATE, "target": "manager"}
    assert is_active(services, "manager")  # one click changed nothing
    # Confirm acts on the user the dialog named, even if the dropdown changed meanwhile.
    done = step(services, ids.ADMIN_USER_CONFIRM, pending=pending, target="admin")
    assert done[0].children == "User manager deactivated." and done[0].color == "success"
    assert done[1] is not no_update and done[3] is False and done[5] is None
    assert not is_active(services, "manager")


def test_cancel_closes_the_dialog_and_changes_nothing(services):
    pending = step(services, ids.ADMIN_USER_DEACTIVATE, target="manager")[5]
    assert step(services, ids.ADMIN_USER_CONFIRM_CANCEL, pending=pending) == (
        no_update,
        no_update,
        no_update,
        False,
        no_update,
        None,
    )
    assert is_active(services, "manager")
    assert step(services, ids.ADMIN_USER_CONFIRM, pending=None)[3] is False  # nothing waiting


def test_an_admin_cannot_deactivate_or_reset_their_own_account_and_is_told_why(services):
    for action, text in (
        (ids.ADMIN_USER_DEACTIVATE, OWN_ACCOUNT_REFUSED),
        (ids.ADMIN_USER_RESET, SELF_RESET),
    ):
        refused, _, _, is_open, _, pending = step(services, action, target="Admin")
        assert is_open is False and pending is None
        assert refused.children == text and refused.color == "danger"
    assert is_active(services, "admin")
    # A forged confirmation is refused too, by the same rule.
    forged = step(
        services, ids.ADMIN_USER_CONFIRM, pending={"action": ids.ADMIN_USER_DEACTIVATE, "target": "admin"}
    )
    assert forged[0].children == OWN_ACCOUNT_REFUSED and is_active(services, "admin")


def test_reset_password_asks_first_then_shows_the_temporary_password(services):
    _, _, _, is_open, question, pending = step(services, ids.ADMIN_USER_RESET, target="manager")
    assert is_open and question.startswith("Reset the password of manager?")
    with services.sessions() as session:
        assert not find_user(session, "manager").must_change_password
    done = step(services, ids.ADMIN_USER_CONFIRM, pending=pending)
    assert done[0].children.startswith("Temporary password for manager")
    with services.sessions() as session:
        assert find_user(session, "manager").must_change_password


def test_no_user_chosen_and_account_errors_are_messages(services):
    refused = step(services, ids.ADMIN_USER_RESET, target=None)
    assert refused[0].children == "Choose a user first." and refused[3] is False
    gone = step(
        services, ids.ADMIN_USER_CONFIRM, pending={"action": ids.ADMIN_USER_DEACTIVATE, "target": "ghost"}
    )
    assert gone[0].children == "No user named 'ghost'." and gone[0].color == "danger"


def test_other_buttons_still_act_at_once(services):
    created = step(services, ids.ADMIN_USER_CREATE, name="carla", role="manager", password="carla-pass-123")
    assert created[0].children == "User carla created as manager." and created[2] == ""
    assert created[3] is no_update  # the dialog is left alone
