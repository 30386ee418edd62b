"""Model registry: versions, the MASTER alias per level, and manual promotion.

MLflow vocabulary: every training run of a level registers a *version* (``model_versions`` row,
status ``candidate``); the ``registry_aliases`` row (level, "MASTER") says which version serves.
The alias row is the source of truth; ``model_versions.status`` is kept consistent with it in the
same transaction (MASTER / candidate / archived). This module only persists versions, the alias and
the decisions recorded on versions; the promotion rule itself is ``models.promotion``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from data.db import begin_write
from data.i18n import N_, Readable
from data.schema import AuditEvent, ModelVersion, RegistryAlias, utc_now
from models.artifacts import ArtifactError, load_artifact, save_artifact
from models.reports import MODEL_FILE, REPORT_JSON, build_report, jsonable, with_decision, write_reports

MASTER = "MASTER"


class RegistryError(Readable, RuntimeError):
    """A registry operation cannot be done (unknown version, refused promotion): ``str()`` in English
    (logs, the CLI), ``text(language)`` for the admin console."""


class UnknownVersionError(RegistryError, LookupError):
    """No version with that id; the message lists close matches."""


@dataclasses.dataclass(frozen=True)
class VersionInfo:
    """One registered version, detached from the database (safe to pass between threads)."""

    id: str
    level: str
    created_at: dt.datetime
    status: str
    source: str
    job_id: int | None
    params: dict[str, Any] | None
    metrics: dict[str, Any] | None
    data_fingerprint: dict[str, Any] | None
    artifact_path: str
    report_path: str | None
    decision: str | None
    promoted_at: dt.datetime | None
    tags: dict[str, Any] | None


def _info(row: Any) -> VersionInfo:
    return VersionInfo(**{f.name: getattr(row, f.name) for f in dataclasses.fields(VersionInfo)})


def new_version_id(level: str, now: dt.datetime | None = None) -> str:
    """A sortable, unique id such as ``store-20261122T021500.123-3f9a`` (UTC time + random suffix)."""
    now = now or utc_now()
    return f"{level}-{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}-{secrets.token_hex(2)}"


def register_version(
    engine: Engine,
    trained: Any,
    *,
    model_dir: str | Path,
    source: str,
    job_id: int | None = None,
) -> str:
    """Save the artifact and reports of ``trained``, then add its row as ``candidate``; return the id.

    Files come first so a row never points at a missing artifact; a failure before the insert leaves
    at most an orphan folder, never a registry entry.
    """
    created = utc_now()
    version_id = new_version_id(trained.level, created)
    folder = Path(model_dir) / trained.level / version_id
    forecaster = trained.forecaster.with_version(version_id)
    artifact = save_artifact(forecaster, folder / MODEL_FILE)
    report = build_report(
        trained, version_id=version_id, created_at=created.isoformat(), source=source, job_id=job_id
    )
    paths = write_reports(folder, report)
    with engine.begin() as conn:
        conn.execute(
            insert(ModelVersion).values(
                id=version_id,
                level=trained.level,
                created_at=created,
                status="candidate",
                source=source,
                job_id=job_id,
                params=report["best_parameters"],
                metrics={**report["metrics"], "baseline": report["baseline_metrics"]},
                data_fingerprint=report["data_fingerprint"],
                artifact_path=str(artifact.resolve()),
                report_path=str(paths["report_json"].resolve()),
                tags={"freq": trained.freq, "n_series": int(trained.n_series)},
            )
        )
    return version_id


def master_versions(engine: Engine) -> dict[str, str]:
    """``{level: version_id}`` of every MASTER alias — one indexed query, polled by every worker."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(RegistryAlias.level, RegistryAlias.version_id).where(RegistryAlias.alias == MASTER)
        )
        return {level: version for level, version in rows}


def get_version(engine: Engine, version_id: str) -> VersionInfo:
    """The version ``version_id``; raise ``UnknownVersionError`` (with close matches) when absent."""
    with engine.connect() as conn:
        row = conn.execute(select(ModelVersion).where(ModelVersion.id == version_id)).first()
        if row is None:
            ids = list(conn.execute(select(ModelVersion.id)).scalars())
    if row is None:
        close = difflib.get_close_matches(version_id, ids, n=5, cutoff=0.5)
        if close:
            raise UnknownVersionError(
                N_("no model version %(version)s; did you mean %(close)s?"),
                version=repr(version_id),
                close=", ".join(close),
            )
        raise UnknownVersionError(
            N_("no model version %(version)s; see `models list`."), version=repr(version_id)
        )
    return _info(row)


def list_versions(engine: Engine, level: str | None = None) -> list[VersionInfo]:
    """Registered versions, newest first, optionally of one level."""
    query = select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
    if level is not None:
        query = query.where(ModelVersion.level == level)
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(query)]


def master_version(engine: Engine, level: str) -> VersionInfo | None:
    """The MASTER version of ``level``, or None when the level has none yet."""
    version_id = master_versions(engine).get(level)
    return None if version_id is None else get_version(engine, version_id)


def promote(engine: Engine, version_id: str, *, reason: str, actor: str) -> None:
    """Make ``version_id`` the MASTER of its level in one transaction (also a rollback).

    Refuses (``RegistryError``) a version whose artifact fails ``load_artifact``: a broken artifact
    is never made MASTER. The previous MASTER becomes ``archived``; an audit row records who and why.
    """
    promote_many(engine, {version_id: reason}, actor=actor)


def promote_many(
    engine: Engine,
    reasons: dict[str, str],
    *,
    actor: str,
    decisions: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Make each version of ``{version_id: reason}`` MASTER of its level, all in one transaction.

    A training run promotes its winners together, so a run that fails (or one broken artifact) changes
    no MASTER at all. Every artifact is validated before anything is written. ``decisions`` (the
    promotion decisions as ``PromotionDecision.to_dict``) go into the audit rows too, so the audit log
    can say why in its reader's language; ``reason`` stays the English record.
    """
    infos = [get_version(engine, version_id) for version_id in reasons]
    levels = [info.level for info in infos]
    if len(set(levels)) != len(levels):
        raise RegistryError(
            N_("cannot promote two versions of one level at once: %(versions)s"),
            versions=str(sorted(reasons)),
        )
    for info in infos:
        try:
            load_artifact(info.artifact_path, expected_level=info.level)
        except ArtifactError as exc:
            raise RegistryError(
                N_("refusing to promote %(version)s: %(error)s"), version=info.id, error=str(exc)
            ) from exc
    now = utc_now()
    with engine.begin() as conn:
        begin_write(conn)  # SQLite: the MASTER read below and the writes after it are one snapshot
        for info in infos:
            decision = (decisions or {}).get(info.id)
            _make_master(
                conn, info.level, info.id, reason=reasons[info.id], actor=actor, now=now, decision=decision
            )


def _make_master(
    conn: Any,
    level: str,
    version_id: str,
    *,
    reason: str,
    actor: str,
    now: Any,
    decision: dict[str, Any] | None = None,
) -> None:
    """Inside ``conn``'s transaction: point the level's MASTER alias at ``version_id`` and audit it."""
    current = conn.execute(
        select(RegistryAlias.version_id)
        .where(RegistryAlias.level == level, RegistryAlias.alias == MASTER)
        .with_for_update()
    ).scalar_one_or_none()
    if current is not None and current != version_id:
        conn.execute(update(ModelVersion).where(ModelVersion.id == current).values(status="archived"))
    if current is None:
        conn.execute(
            insert(RegistryAlias).values(level=level, alias=MASTER, version_id=version_id, updated_at=now)
        )
    else:
        conn.execute(
            update(RegistryAlias)
            .where(RegistryAlias.level == level, RegistryAlias.alias == MASTER)
            .values(version_id=version_id, updated_at=now)
        )
    conn.execute(
        update(ModelVersion)
        .where(ModelVersion.id == version_id)
        .values(status=MASTER, promoted_at=now, decision=reason)
    )
    conn.execute(
        insert(AuditEvent).values(
            at=now,
            actor=actor,
            action="model_promote",
            detail={
                "level": level,
                "version": version_id,
                "previous": current,
                "reason": reason,
                **({"decision": jsonable(decision)} if decision else {}),
            },
        )
    )


def record_decision(engine: Engine, version_id: str, decision: dict[str, Any]) -> None:
    """Store a promotion decision (``reason`` text, ``promote`` flag and its fields) on the version row
    and in its report files, so the registry grid and the report say why a version serves or not."""
    info = get_version(engine, version_id)
    with engine.begin() as conn:
        conn.execute(
            update(ModelVersion).where(ModelVersion.id == version_id).values(decision=decision["reason"])
        )
    if info.report_path:
        report_file = Path(info.report_path)
        if report_file.name == REPORT_JSON and report_file.is_file():
            report = json.loads(report_file.read_text(encoding="utf-8"))
            write_reports(report_file.parent, with_decision(report, decision))


def record_report_section(engine: Engine, version_id: str, key: str, value: Any) -> None:
    """Add a section (e.g. the run's reconciliation check) to a version's report files, atomically."""
    info = get_version(engine, version_id)
    if info.report_path:
        report_file = Path(info.report_path)
        if report_file.name == REPORT_JSON and report_file.is_file():
            report = json.loads(report_file.read_text(encoding="utf-8"))
            write_reports(report_file.parent, {**report, key: value})
