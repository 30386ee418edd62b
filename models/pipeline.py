"""The training pipeline: load sales once, train → register → decide each level, then promote.

``run_training`` is the one entry point used by the CLI, the scheduler and ``make run``. A failure
in one level is recorded in that level's outcome and the other levels still train and register, but
a run promotes all its winners in one transaction, and only when every level succeeded: a failed
(or killed, or timed-out) run changes no MASTER.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import Engine

from data.storage import dataset_frequency, load_sales
from models.features import parse_holidays
from models.registry import (
    Decision,
    decide_promotion,
    master_version,
    promote_many,
    record_decision,
    register_version,
)
from models.reports import params_key
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


class TrainingSettings(Protocol):
    """The settings training reads (``app.config.Settings`` has them; validated there)."""

    model_dir: str
    train_n_jobs: int
    train_folds: int | None
    train_horizon: int | None
    train_families: tuple[str, ...] | None
    train_grids: Any
    holidays: str


def training_config(settings: TrainingSettings) -> TrainingConfig:
    """Build the engine's ``TrainingConfig`` from the settings; unset sizes keep the engine defaults."""
    kwargs: dict[str, Any] = {"n_jobs": settings.train_n_jobs}
    if settings.train_folds is not None:
        kwargs["n_folds"] = settings.train_folds
    if settings.train_horizon is not None:
        kwargs["horizon"] = settings.train_horizon
    if settings.train_grids is not None:
        kwargs["grids"] = settings.train_grids
    if settings.train_families is not None:
        kwargs["families"] = tuple(settings.train_families)
    try:
        parse_holidays(settings.holidays)
    except ValueError as exc:
        raise TrainingError(f"setting HOLIDAYS: {exc}") from exc
    kwargs["holidays"] = settings.holidays
    return TrainingConfig(**kwargs)


def _check_levels(levels: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(levels)) if levels else list(LEVELS)
    unknown = [lv for lv in chosen if lv not in LEVELS]
    if unknown:
        raise TrainingError(f"unknown level(s) {', '.join(unknown)}; expected some of {', '.join(LEVELS)}")
    return chosen


def run_training(
    engine: Engine,
    config: TrainingSettings,
    *,
    levels: Iterable[str] | None = None,
    promote: bool = True,
    source: str = "cli",
    job_id: int | None = None,
    progress: Progress | None = None,
) -> dict[str, LevelOutcome]:
    """Train the given levels (default: all) on all sales, register each, and promote the winners.

    ``config`` is the app's settings (``model_dir`` required). ``progress(label, step, total)`` gets
    overall steps across levels: the engine's own steps per level plus register/decide/promote.
    Raises ``TrainingError`` when there are no sales or the request is invalid; a level that fails
    gets an outcome with ``error`` set and the others carry on.
    """
    chosen = _check_levels(levels)
    model_dir = config.model_dir
    if not model_dir:
        raise TrainingError("TRENDSALES_MODEL_DIR is not set: nowhere to save models")
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
    staged: dict[str, tuple[LevelOutcome, Decision | None]] = {}
    for index, level in enumerate(chosen):
        staged[level] = _run_level(
            engine,
            sales,
            level,
            freq,
            train_config,
            model_dir,
            source,
            job_id,
            tracker.engine(index, level),
            tracker.pipeline(index, level),
            refresh=promote,
        )
    outcomes = _settle(engine, staged, allow_promotion=promote, announce=tracker.announce)
    tracker.finish()
    return outcomes


def _run_level(
    engine: Engine,
    sales: Any,
    level: str,
    freq: str,
    train_config: TrainingConfig,
    model_dir: str,
    source: str,
    job_id: int | None,
    progress: Progress,
    steps: Progress,
    *,
    refresh: bool = True,
) -> tuple[LevelOutcome, Decision | None]:
    """Train, register and judge one level (no promotion yet); failures become an outcome with ``error``."""
    started = time.perf_counter()
    try:
        trained = train_level(sales, level, freq=freq, config=train_config, progress=progress)
        steps("saving version", 1, 2)
        version_id = register_version(engine, trained, model_dir=model_dir, source=source, job_id=job_id)
    except Exception as exc:
        logger.error("training level %s failed", level, exc_info=True)
        failed = LevelOutcome(
            level,
            None,
            {},
            {},
            False,
            f"training failed: {type(exc).__name__}: {exc} (MASTER untouched)",
            {"total": time.perf_counter() - started},
            error=f"{type(exc).__name__}: {exc}",
        )
        return failed, None
    durations = {k: float(v) for k, v in trained.durations.items()}
    try:
        steps("comparing with MASTER", 2, 2)
        decision = decide_promotion(engine, trained, sales, config=train_config)
    except Exception as exc:
        logger.error("comparison with the MASTER of level %s failed", level, exc_info=True)
        reason = f"registered, but not promoted: {type(exc).__name__}: {exc}"
        durations["total"] = time.perf_counter() - started
        return _outcome(trained, version_id, False, reason, durations, f"{type(exc).__name__}: {exc}"), None
    refresh = _refresh_master(
        engine, sales, trained, decision, train_config, model_dir, source, job_id, steps
    )
    if refresh is not None:
        record_decision(engine, version_id, decision.to_dict())  # the losing candidate keeps its reason
        trained, version_id, decision = refresh
    durations["total"] = time.perf_counter() - started
    return _outcome(trained, version_id, False, decision.reason, durations), decision


def _refresh_master(
    engine: Engine,
    sales: Any,
    trained: Any,
    decision: Decision,
    train_config: TrainingConfig,
    model_dir: str,
    source: str,
    job_id: int | None,
    steps: Progress,
) -> tuple[Any, str, Decision] | None:
    """When the MASTER's configuration beat the candidate but newer data exists, refit that configuration.

    Keeping the old MASTER would serve forecasts that ignore the new sales until a candidate wins. The
    configuration that won on the same folds, refitted on all data, is promoted instead ("refresh").
    Returns None when there is nothing to refresh (candidate promoted, same data, or a failure: then the
    MASTER is simply kept, as the rule says).
    """
    if decision.promote or decision.master_wape is None or decision.candidate_wape is None:
        return None
    if decision.master_wape >= decision.candidate_wape:
        return None
    master = master_version(engine, trained.level)
    if master is None or not master.params or master.id != decision.master_version:
        return None
    old = (master.data_fingerprint or {}).get("sha256")
    if not old or old == trained.fingerprint.get("sha256"):
        return None
    try:
        steps(f"refitting MASTER {master.id}'s configuration on the new data", 2, 2)
        config = dataclasses.replace(train_config, fixed=dict(master.params), horizon=trained.folds.horizon)
        refreshed = train_level(sales, trained.level, freq=trained.freq, config=config)
        if params_key(refreshed.best_params) != params_key(master.params):
            return None  # seasonal naive beat it on these folds: keep the MASTER, as decided
        version_id = register_version(engine, refreshed, model_dir=model_dir, source=source, job_id=job_id)
    except Exception:
        logger.error("refitting the MASTER configuration of %s failed", trained.level, exc_info=True)
        return None
    reason = (
        f"{decision.reason.removesuffix(' → MASTER kept')}: MASTER {master.id}'s configuration wins, "
        f"so it was refitted on the data to {refreshed.fingerprint.get('date_max')} "
        f"(MASTER trained to {(master.data_fingerprint or {}).get('date_max')}) → promoted to refresh"
    )
    wape = float(refreshed.metrics["wape"])
    return refreshed, version_id, Decision(True, reason, wape, decision.master_wape, master.id)


def _settle(
    engine: Engine,
    staged: dict[str, tuple[LevelOutcome, Decision | None]],
    *,
    allow_promotion: bool,
    announce: Callable[[str], None],
) -> dict[str, LevelOutcome]:
    """Record every decision and promote the run's winners together — or none of them.

    Winners are promoted only when promotion is allowed and no level of the run failed; otherwise each
    winner stays a candidate and its reason says why. The promotion itself is one transaction.
    """
    failed = [level for level, (outcome, _) in staged.items() if not outcome.ok]
    outcomes = {level: outcome for level, (outcome, _) in staged.items()}
    winners: dict[str, str] = {}
    for level, (outcome, decision) in staged.items():
        if decision is None:
            continue
        reason = decision.reason
        if decision.promote and not allow_promotion:
            reason = f"{reason} — but promotion was switched off (--no-promote): kept as candidate"
        elif decision.promote and failed:
            reason = (
                f"{reason} — but not promoted: {', '.join(failed)} failed in this run, and a run "
                "promotes all its winners or none (every MASTER kept)"
            )
        elif decision.promote:
            winners[level] = reason
        outcomes[level] = dataclasses.replace(outcome, reason=reason)
    error = None
    if winners:
        announce(f"promoting {', '.join(winners)}")
        try:
            promote_many(
                engine, {outcomes[lv].version_id: why for lv, why in winners.items()}, actor=PROMOTION_ACTOR
            )
        except Exception as exc:
            logger.error("promoting %s failed; every MASTER kept", ", ".join(winners), exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
    for level, (_, decision) in staged.items():
        if decision is None:
            continue
        outcome = outcomes[level]
        if level in winners and error is None:
            outcome = dataclasses.replace(outcome, promoted=True)
        elif level in winners:
            reason = f"{outcome.reason} — but promotion failed, every MASTER kept: {error}"
            outcome = dataclasses.replace(outcome, reason=reason, error=error)
        outcomes[level] = outcome
        try:
            record_decision(
                engine,
                outcome.version_id,
                {**decision.to_dict(), "promote": outcome.promoted, "reason": outcome.reason},
            )
        except Exception:  # the registry row and MASTER are settled; only the report lacks the decision
            logger.error("could not record the decision of %s", outcome.version_id, exc_info=True)
    return outcomes


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
    register/decide), so the total is known up front even though the engine reports its own
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
            text = label if label.startswith(f"{level}: ") else f"{level}: {label}"  # the engine names it
            self._emit(text, base + int(fraction * self.ENGINE_SHARE))

        return report

    def pipeline(self, index: int, level: str) -> Progress:
        """Callback for the pipeline's own steps (``step`` of ``total``) after training level ``index``."""
        base = index * self.SHARE + self.ENGINE_SHARE
        rest = self.SHARE - self.ENGINE_SHARE

        def report(label: str, step: int, total: int) -> None:
            self._emit(f"{level}: {label}", base + int(rest * step / max(total, 1)))

        return report

    def announce(self, label: str) -> None:
        """Report a run-wide step (e.g. promoting the winners) without moving the bar."""
        self._emit(label, self._last)

    def finish(self) -> None:
        """Report completion."""
        self._emit("done", self._total)
