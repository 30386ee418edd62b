"""The training pipeline: load sales once, then train → register → decide → promote, level by level.

``run_training`` is the one entry point used by the CLI, the scheduler and ``make run``. A failure
in one level is recorded in that level's outcome and never touches any MASTER: promotion happens
only after that level trained and registered successfully.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine

from data.storage import dataset_frequency, load_sales
from models.registry import decide_promotion, promote, record_decision, register_version
from models.series import LEVELS
from models.training import TrainingConfig, train_level

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
PROMOTION_ACTOR = "training pipeline"


class TrainingError(RuntimeError):
    """Training cannot start (no sales, bad level, bad configuration)."""


@dataclasses.dataclass(frozen=True)
class LevelOutcome:
    """What happened to one level in one run (JSON-able via ``to_dict``)."""

    level: str
    version_id: str | None
    metrics: dict[str, Any]
    baseline_metrics: dict[str, Any]
    promoted: bool
    reason: str
    durations: dict[str, float]
    error: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    n_series: int = 0

    @property
    def ok(self) -> bool:
        """True when the level trained and registered (promoted or not)."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for job records and JSON."""
        return dataclasses.asdict(self)


def _int_or_none(config: dict[str, Any], key: str) -> int | None:
    value = config.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise TrainingError(f"configuration {key} must be a whole number, got {value!r}") from exc
    if number < 1:
        raise TrainingError(f"configuration {key} must be at least 1, got {number}")
    return number


def training_config(config: dict[str, Any]) -> TrainingConfig:
    """Build the engine's ``TrainingConfig`` from the app config (``TRAIN_N_JOBS``, ``TRAIN_FOLDS``,
    ``TRAIN_HORIZON``, optional ``TRAIN_GRIDS``/``TRAIN_FAMILIES``); missing keys keep the defaults."""
    kwargs: dict[str, Any] = {}
    n_jobs = _int_or_none(config, "TRAIN_N_JOBS")
    if n_jobs is not None:
        kwargs["n_jobs"] = n_jobs
    folds = _int_or_none(config, "TRAIN_FOLDS")
    if folds is not None:
        kwargs["n_folds"] = folds
    horizon = _int_or_none(config, "TRAIN_HORIZON")
    if horizon is not None:
        kwargs["horizon"] = horizon
    if config.get("TRAIN_GRIDS") is not None:
        kwargs["grids"] = config["TRAIN_GRIDS"]
    if config.get("TRAIN_FAMILIES") is not None:
        kwargs["families"] = tuple(config["TRAIN_FAMILIES"])
    return TrainingConfig(**kwargs)


def _check_levels(levels: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(levels)) if levels else list(LEVELS)
    unknown = [lv for lv in chosen if lv not in LEVELS]
    if unknown:
        raise TrainingError(f"unknown level(s) {', '.join(unknown)}; expected some of {', '.join(LEVELS)}")
    return chosen


def run_training(
    engine: Engine,
    config: dict[str, Any],
    *,
    levels: Iterable[str] | None = None,
    promote: bool = True,
    source: str = "cli",
    job_id: int | None = None,
    progress: Progress | None = None,
) -> dict[str, LevelOutcome]:
    """Train the given levels (default: all) on all sales, register each, and promote the winners.

    ``config`` is the app config dict (``MODEL_DIR`` required). ``progress(label, step, total)`` gets
    overall steps across levels: the engine's own steps per level plus register/decide/promote.
    Raises ``TrainingError`` when there are no sales or the request is invalid; a level that fails
    gets an outcome with ``error`` set and the others carry on.
    """
    chosen = _check_levels(levels)
    model_dir = config.get("MODEL_DIR")
    if not model_dir:
        raise TrainingError("configuration MODEL_DIR is not set: nowhere to save models")
    train_config = training_config(config)
    sales = load_sales(engine)
    if sales is None or sales.empty:
        raise TrainingError(
            "there are no sales in the database: import a sales file (or `data sample`) first"
        )
    freq = dataset_frequency(engine)
    if freq is None:
        raise TrainingError("the dataset frequency is unknown: re-import the sales files")
    tracker = _ProgressTracker(progress, len(chosen))
    outcomes: dict[str, LevelOutcome] = {}
    for index, level in enumerate(chosen):
        outcomes[level] = _run_level(
            engine,
            sales,
            level,
            freq,
            train_config,
            model_dir,
            promote,
            source,
            job_id,
            tracker.engine(index, level),
            tracker.pipeline(index, level),
        )
    tracker.finish()
    return outcomes


def _run_level(
    engine: Engine,
    sales: Any,
    level: str,
    freq: str,
    train_config: TrainingConfig,
    model_dir: str,
    allow_promotion: bool,
    source: str,
    job_id: int | None,
    progress: Progress,
    steps: Progress,
) -> LevelOutcome:
    """Train, register, decide and maybe promote one level; failures become an outcome with ``error``."""
    started = time.perf_counter()
    try:
        trained = train_level(sales, level, freq=freq, config=train_config, progress=progress)
        steps("saving version", 1, 3)
        version_id = register_version(engine, trained, model_dir=model_dir, source=source, job_id=job_id)
    except Exception as exc:
        logger.error("training level %s failed", level, exc_info=True)
        return LevelOutcome(
            level,
            None,
            {},
            {},
            False,
            f"training failed: {type(exc).__name__}: {exc} (MASTER untouched)",
            {"total": time.perf_counter() - started},
            error=f"{type(exc).__name__}: {exc}",
        )
    durations = {k: float(v) for k, v in trained.durations.items()}
    try:
        steps("comparing with MASTER", 2, 3)
        decision = decide_promotion(engine, trained, sales, config=train_config)
        promoted = decision.promote and allow_promotion
        reason = decision.reason
        if decision.promote and not allow_promotion:
            reason = f"{reason} — but promotion was switched off (--no-promote): kept as candidate"
        record_decision(engine, version_id, {**decision.to_dict(), "promote": promoted, "reason": reason})
        if promoted:
            steps("promoting", 3, 3)
            promote(engine, version_id, reason=reason, actor=PROMOTION_ACTOR)
    except Exception as exc:
        logger.error("promotion step of level %s failed", level, exc_info=True)
        reason = f"registered, but not promoted: {type(exc).__name__}: {exc}"
        durations["total"] = time.perf_counter() - started
        return _outcome(trained, version_id, False, reason, durations, f"{type(exc).__name__}: {exc}")
    durations["total"] = time.perf_counter() - started
    return _outcome(trained, version_id, promoted, reason, durations)


def _outcome(
    trained: Any,
    version_id: str,
    promoted: bool,
    reason: str,
    durations: dict[str, float],
    error: str | None = None,
) -> LevelOutcome:
    return LevelOutcome(
        level=trained.level,
        version_id=version_id,
        metrics=dict(trained.metrics),
        baseline_metrics=dict(trained.baseline_metrics),
        promoted=promoted,
        reason=reason,
        durations=durations,
        error=error,
        params=dict(trained.best_params),
        n_series=int(trained.n_series),
    )


class _ProgressTracker:
    """Maps per-level progress onto overall steps across levels for one ``progress`` callback.

    Each level gets an equal share of ``SHARE`` overall steps (90% for the engine's own steps, 10% for
    register/decide/promote), so the total is known up front even though the engine reports its own
    step count only once it starts.
    """

    SHARE = 100
    ENGINE_SHARE = 90

    def __init__(self, callback: Progress | None, n_levels: int) -> None:
        self._callback = callback
        self._total = n_levels * self.SHARE
        self._last = 0

    def _emit(self, label: str, step: int) -> None:
        step = max(self._last, min(step, self._total))
        self._last = step
        if self._callback is not None:
            self._callback(label, step, self._total)

    def engine(self, index: int, level: str) -> Progress:
        """Callback handed to ``train_level`` for level number ``index``."""
        base = index * self.SHARE

        def report(label: str, step: int, total: int) -> None:
            fraction = step / total if total else 1.0
            self._emit(f"{level}: {label}", base + int(fraction * self.ENGINE_SHARE))

        return report

    def pipeline(self, index: int, level: str) -> Progress:
        """Callback for the pipeline's own steps (``step`` of ``total``) after training level ``index``."""
        base = index * self.SHARE + self.ENGINE_SHARE
        rest = self.SHARE - self.ENGINE_SHARE

        def report(label: str, step: int, total: int) -> None:
            self._emit(f"{level}: {label}", base + int(rest * step / max(total, 1)))

        return report

    def finish(self) -> None:
        """Report completion."""
        self._emit("done", self._total)
