"""Promote a version to MASTER by hand (an admin override, or a rollback to an earlier version).

The registry changes the alias and writes the ``model_promote`` audit row (who, why, the previous
MASTER) in one transaction and refuses a version whose artifact does not load; the CLI ``models
promote`` and Admin › Models call this module, so both act and audit the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from models.publishing import PublishSettings
from models.registry import RegistryError, get_version, master_versions, promote
from services.publishing import publish_after

__all__ = ["PromotionPlan", "RegistryError", "plan_promotion", "promote_version"]


@dataclass(frozen=True)
class PromotionPlan:
    """What making ``version_id`` MASTER does: its level, the MASTER it replaces, whether anything changes."""

    version_id: str
    level: str
    previous: str | None

    @property
    def changes(self) -> bool:
        """False when the version already is its level's MASTER."""
        return self.previous != self.version_id


def plan_promotion(engine: Engine, version_id: str) -> PromotionPlan:
    """What promoting ``version_id`` would change (for a confirmation); ``RegistryError`` if unknown."""
    info = get_version(engine, version_id)
    return PromotionPlan(version_id, info.level, master_versions(engine).get(info.level))


def promote_version(
    engine: Engine,
    version_id: str,
    *,
    actor: str,
    reason: str,
    publish: PublishSettings | None = None,
) -> PromotionPlan:
    """Make ``version_id`` the MASTER of its level, audited with ``actor`` and ``reason``.

    With ``publish`` (the app's settings) the new MASTER's forecasts are then published from the
    newest complete data, so every worker serves them from the forecast store (a failure there is
    logged; the promotion stands). A version that already is MASTER is left alone (nothing written).
    Raises ``RegistryError`` for an unknown version or an artifact that fails validation.
    """
    plan = plan_promotion(engine, version_id)
    if plan.changes:
        promote(engine, version_id, reason=reason, actor=actor)
        if publish is not None:
            publish_after(_Publisher(engine, publish), reason="promotion", levels=[plan.level])
    return plan


@dataclass(frozen=True)
class _Publisher:
    """The engine and settings ``publish_after`` reads."""

    engine: Engine
    config: PublishSettings
