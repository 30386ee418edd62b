"""Configuration rules and the account/database CLI commands."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from app.config import ConfigError, load_config
from data.db import session_scope
from data.schema import AuditEvent, User
from tests.support.live_server import BIN, PROJECT_ROOT, app_environment


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("TRENDSALES_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="TRENDSALES_SECRET_KEY is not set"):
        load_config({"ENV": "production", "INSTANCE_DIR": str(tmp_path)})


def test_demo_mode_generates_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("TRENDSALES_SECRET_KEY", raising=False)
    first = load_config({"ENV": "demo", "INSTANCE_DIR": str(tmp_path)}).secret_key
    second = load_config({"ENV": "demo", "INSTANCE_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("TRENDSALES_SECRET_KEY", "from-env")
    monkeypatch.setenv("TRENDSALES_DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("TRENDSALES_MAX_UPLOAD_MB", "3.5")
    config = load_config({"INSTANCE_DIR": str(tmp_path)})
    assert config.secret_key == "from-env"
    assert config.database_url == "sqlite:///:memory:"
    assert config.max_upload_mb == 3.5


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("TRENDSALES_MAX_UPLOAD_MB", "lots", "could not convert"),
        ("TRENDSALES_SESSION_HOURS", "-1", "positive"),
        ("TRENDSALES_SECURE_COOKIES", "maybe", "true/false"),
        ("TRENDSALES_OFFPEAK_START", "25:00", "hours 0-23"),
        ("TRENDSALES_TRAIN_FOLDS", "two", "invalid literal"),
        ("TRENDSALES_TRAIN_GRIDS", "{not json", "Expecting property name"),
        ("TRENDSALES_ENV", "staging", "production or demo"),
        ("TRENDSALES_LOG_LEVEL", "loud", "DEBUG, INFO"),
    ],
)
def test_a_bad_environment_value_is_refused_naming_the_variable(tmp_path, variable, value, why):
    environ = {variable: value, "TRENDSALES_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match=f"{variable}='{value}' is not valid: .*{why}"):
        load_config(environ=environ)


def test_every_default_lives_in_the_settings_and_the_environment_is_read_once(tmp_path):
    environ = {
        "TRENDSALES_INSTANCE_DIR": str(tmp_path),
        "TRENDSALES_SECRET_KEY": "k",
        "TRENDSALES_TRAIN_FAMILIES": "theta, ets",
        "TRENDSALES_TRAIN_FOLDS": "0",
        "TRENDSALES_OFFPEAK_END": "5:30",
    }
    settings = load_config(environ=environ)
    assert settings.train_families == ("theta", "ets")
    assert settings.train_folds is None  # 0 = the engine's default
    assert settings.offpeak_end == "05:30"
    assert settings.scheduler_lease_seconds == 30.0 and settings.retrain_min_new_rows == 1000
    assert settings.model_dir == str(tmp_path / "models")
    assert settings.max_upload_bytes == 100 * 1024 * 1024
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.model_dir = "elsewhere"  # type: ignore[misc]


def test_an_unknown_override_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting 'TRAIN_FOLD'"):
        load_config({"INSTANCE_DIR": str(tmp_path), "TRAIN_FOLD": 2})


def test_init_is_idempotent_and_prints_a_generated_admin_password_once(server):
    sessions = server.extensions["trendsales"].sessions
    with session_scope(sessions) as session:
        session.query(User).delete()
    runner = server.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Admin account created" in first.output
    password = first.output.split("password: ")[1].split()[0]
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0 and "Admin account created" not in second.output
    from tests.app.conftest import login

    assert login(server.test_client(), "admin", password).status_code == 302


def test_users_create_reads_password_from_stdin(server):
    runner = server.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "ana", "--role", "manager", "--password-stdin"], input="ana-password-1\n"
    )
    assert result.exit_code == 0, result.output
    with server.extensions["trendsales"].sessions() as session:
        user = session.query(User).filter_by(username="ana").one()
        assert user.role == "manager" and user.active
        assert session.query(AuditEvent).filter_by(action="user_created").count() == 1


def test_users_create_rejects_bad_input_with_exit_code(server):
    runner = server.test_cli_runner()
    result = runner.invoke(args=["users", "create", "bob", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "at least 8" in result.output
    duplicate = runner.invoke(args=["users", "create", "admin", "--password-stdin"], input="long-enough-1\n")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output


def test_users_reset_approve_and_deactivate_commands(server):
    runner = server.test_cli_runner()
    reset = runner.invoke(args=["users", "reset-password", "manager"])
    assert reset.exit_code == 0 and "Temporary password" in reset.output
    with server.extensions["trendsales"].sessions() as session:
        assert session.query(User).filter_by(username="manager").one().must_change_password
    assert runner.invoke(args=["users", "deactivate", "manager"]).exit_code == 0
    last_admin = runner.invoke(args=["users", "deactivate", "admin"])
    assert last_admin.exit_code == 1 and "last active administrator" in last_admin.output
    assert runner.invoke(args=["users", "approve", "manager"]).exit_code == 1  # not a pending request
    listing = runner.invoke(args=["users", "list"])
    assert "manager" in listing.output and "inactive" in listing.output


def _production_env(instance) -> dict[str, str]:
    """A shell next to a production server: no TRENDSALES_SECRET_KEY, TRENDSALES_ENV=production."""
    env = app_environment(instance, TRENDSALES_ENV="production")
    env.pop("TRENDSALES_SECRET_KEY", None)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_cli_commands_need_no_secret_key_but_serving_does(tmp_path):
    env = _production_env(tmp_path)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    missing = _run(env, *flask, "models", "list")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "has no Trend Sales tables yet: run `flask --app wsgi init`" in missing.stderr
    assert _run(env, *flask, "init").returncode == 0
    listed = _run(env, *flask, "models", "list")
    assert listed.returncode == 0, listed.stderr
    served = _run(env, str(BIN / "python"), "-c", "import wsgi")  # what gunicorn and `flask run` do
    assert served.returncode == 1 and "TRENDSALES_SECRET_KEY is not set" in served.stderr
    assert not (tmp_path / "secret_key").exists()  # no key was generated or kept for production


def test_workers_starting_together_on_a_fresh_instance_share_one_secret_key(tmp_path):
    """Sixteen processes generate the demo key at once: all end with the same key, no temp file left."""
    import multiprocessing

    from app.config import _demo_secret_key

    context = multiprocessing.get_context("fork")
    with context.Pool(8) as pool:
        keys = pool.map(_demo_secret_key, [tmp_path] * 16)
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]
