"""Train now: train, register and promote from the caller's process (the CLI ``train`` and first run).

The whole work, promotion policy included, is ``models.pipeline.run_training`` (also what scheduled
and requested jobs run); this module is the use case the adapters call, so they need no ``models``
import to train. No audit row: a training's trace is its versions, their decisions and the
``model_promote`` audit rows the registry writes when a MASTER changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from data.progress import Progress
from models.pipeline import LevelOutcome, TrainingError, run_training
from models.promotion import Outcome, PromotionDecision, describe

__all__ = [
    "LevelOutcome",
    "Outcome",
    "PromotionDecision",
    "TrainingError",
    "describe",
    "train_now",
]


def train_now(
    engine: Engine,
    config: Any,
    *,
    levels: Iterable[str] | None = None,
    promote: bool = True,
    source: str = "cli",
    progress: Progress | None = None,
) -> dict[str, LevelOutcome]:
    """Train ``levels`` (default all) here and now; return each level's outcome and decision.

    Raises ``TrainingError`` when training cannot start (no sales, unknown level, bad settings).
    """
    return run_training(engine, config, levels=levels, promote=promote, source=source, progress=progress)
