"""Use case "publish the forecasts": after a data change or a manual promotion, re-publish the MASTERs.

Imports, undos and manual promotions call ``publish_after`` once their own transaction has committed:
the MASTERs' forecasts move to the newest complete data (``models.origin.move_origin``) and are written
to the forecast store, which every worker serves within its poll interval. Publishing never undoes or
fails the change that triggered it: a failure is logged, the previous snapshot keeps serving, and the
scheduler's ``publish_due`` tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import Engine

from models.publishing import Published, PublishSettings, publish_masters

__all__ = ["PublishServices", "PublishSettings", "Published", "publish_after"]

logger = logging.getLogger(__name__)


class PublishServices(Protocol):
    """What publishing needs from ``app.services.Services``."""

    engine: Engine

    @property
    def config(self) -> PublishSettings:
        """The app's settings."""
        ...


def publish_after(
    services: PublishServices, *, reason: str, levels: Iterable[str] | None = None
) -> tuple[Published, ...]:
    """Publish the MASTERs of ``levels`` (default: all) for ``reason`` (``data`` or ``promotion``).

    Returns what was published (empty when there is no MASTER yet or publishing failed).
    """
    try:
        return tuple(publish_masters(services.engine, services.config, reason=reason, levels=levels))
    except Exception:
        logger.error("publishing the forecasts after a %s change failed", reason, exc_info=True)
        return ()
