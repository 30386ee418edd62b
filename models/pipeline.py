"""The training pipeline: load sales once, train → register → decide each level, then promote.

``run_training`` is the one entry point used by the CLI, the scheduler and ``make run``. A failure
in one level is recorded in that level's outcome and the other levels still train and register, but
a run promotes all its winners in one transaction, and only when every level succeeded: a failed
(or killed, or timed-out) run changes no MASTER.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from data.db import check_writable
from data.events import event_pairs
from data.progress import Progress
from data.queries import date_range, list_products
from data.reporting import Reporting, load_reporting
from data.schema import LEVELS
from data.storage import dataset_frequency
from models.artifacts import load_artifact
from models.compute import ClusterUnavailable, bound_heap, check_cluster, release_memory
from models.features import parse_holidays
from models.partitions import PartitionedSales
from models.promotion import (
    Hold,
    PromotionDecision,
    describe,
    held,
    judge,
    record,
    refreshed,
    should_refresh,
)
from models.publishing import publish_masters
from models.reconciliation import reconcile_masters
from models.registry import (
    get_version,
    master_version,
    promote_many,
    record_decision,
    record_report_section,
    register_version,
)
from models.reports import params_key
from models.training import TrainedLevel, TrainingConfig, train_level

logger = logging.getLogger(__name__)

PROMOTION_ACTOR = "training pipeline"


class TrainingError(RuntimeError):
    """Training cannot start (no sales, bad level, bad configuration)."""


@dataclasses.dataclass(frozen=True)
class LevelOutcome:
    """What happened to one level in one run (JSON-able via ``to_dict``).

    ``decision`` is the promotion decision when the level trained and was judged; ``error`` says what
    failed otherwise (``failed_at``: ``"training"`` — nothing registered — or ``"comparison"``).
    """

    level: str
    version_id: str | None
    metrics: dict[str, Any]
    baseline_metrics: dict[str, Any]
    durations: dict[str, float]
    decision: PromotionDecision | None = None
    error: str | None = None
    failed_at: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    n_series: int = 0
    trained_through: str | None = None  # ISO date of the last sales date the level was trained on
    reconciliation: dict[str, Any] | None = None  # Coherence.to_dict() of this run's three versions

    @property
    def ok(self) -> bool:
        """True when the level trained and registered (promoted or not)."""
        return self.error is None

    @property
    def promoted(self) -> bool:
        """True when this run made the level's version MASTER."""
        return self.decision is not None and self.decision.promoted

    @property
    def reason(self) -> str:
        """Promoted or not, and why, in plain words (the decision rendered, or what failed)."""
        if self.decision is not None:
            return describe(self.decision)
        if self.failed_at == "training":
            return f"training failed: {self.error} (MASTER untouched)"
        return f"registered, but not promoted: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for job records and JSON, with ``promoted`` and ``reason`` spelled out."""
        out = dataclasses.asdict(self)
        out["decision"] = None if self.decision is None else self.decision.to_dict()
        return {**out, "promoted": self.promoted, "reason": self.reason}


class TrainingSettings(Protocol):
    """The settings training reads (``app.config.Settings`` has them; validated there)."""

    model_dir: str
    train_n_jobs: int
    train_folds: int | None
    train_horizon: int | None
    train_families: tuple[str, ...] | None
    train_grids: Any
    holidays: str
    store_silent_days: int
    forecast_retention_days: int
    forecast_publish_hours: float
    dask_address: str | None
    dask_connect_seconds: float
    train_partition_rows: int


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
    kwargs["dask_address"] = settings.dask_address
    kwargs["dask_connect_seconds"] = settings.dask_connect_seconds
    return TrainingConfig(**kwargs)


def _check_levels(levels: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(levels)) if levels else list(LEVELS)
    unknown = [lv for lv in chosen if lv not in LEVELS]
    if unknown:
        raise TrainingError(f"unknown level(s) {', '.join(unknown)}; expected some of {', '.join(LEVELS)}")
    return chosen


def check_can_save(engine: Engine, model_dir: str) -> None:
    """Fail at once, before any training, when the versions could not be saved: the model folder or the
    database is not writable (otherwise the run would learn it only after every level trained)."""
    folder = Path(model_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise TrainingError(
            f"the model folder {model_dir} is not writable ({exc.strerror or exc}); "
            "fix its permissions or TRENDSALES_MODEL_DIR before training"
        ) from exc
    try:
        check_writable(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise TrainingError(f"the database is not writable ({reason}); fix it before training") from exc


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
    """Train the given levels (default: all) on the complete sales, register each, promote the winners.

    Training sees the sales up to the date every store has reported (``data.reporting``): days only
    some stores have reported yet are left out, so no series is zero-filled past its store's last
    report; each level's report says the date it was trained through and which stores were ahead.
    ``config`` is the app's settings (``model_dir`` required). ``progress(step, total, label)`` gets
    overall steps across levels: the engine's own steps per level plus register/decide/promote.
    Raises ``TrainingError`` when there are no sales or the request is invalid; a level that fails
    gets an outcome with ``error`` set and the others carry on.
    """
    chosen = _check_levels(levels)
    bound_heap()  # large temporaries go back to the system when freed (models.compute)
    model_dir = config.model_dir
    if not model_dir:
        raise TrainingError("TRENDSALES_MODEL_DIR is not set: nowhere to save models")
    check_can_save(engine, model_dir)
    train_config = dataclasses.replace(training_config(config), events=event_pairs(engine))
    if train_config.dask_address:
        try:
            check_cluster(train_config.dask_address, train_config.dask_connect_seconds)
        except ClusterUnavailable as exc:
            raise TrainingError(str(exc)) from exc
    if date_range(engine) is None:
        raise TrainingError(
            "there are no sales in the database: import a sales file (or `data sample`) first"
        )
    reporting = load_reporting(engine, silent_days=config.store_silent_days)
    # read per partition of stores, never as one frame of every row (models.partitions)
    sales = PartitionedSales(engine, through=reporting.complete_through, max_rows=config.train_partition_rows)
    freq = dataset_frequency(engine)
    if freq is None:
        raise TrainingError("the dataset frequency is unknown: re-import the sales files")
    tracker = _ProgressTracker(progress, len(chosen))
    staged: dict[str, LevelOutcome] = {}
    for index, level in enumerate(chosen):
        staged[level] = _run_level(
            engine,
            sales,
            level,
            _RunSettings(freq, train_config, model_dir, source, job_id, reporting_facts(reporting)),
            tracker.engine(index, level),
            tracker.pipeline(index, level),
        )
        release_memory()  # the next level starts from what is in use, not this one's high-water mark
    staged = _with_coherence(engine, staged)
    outcomes = _settle(engine, staged, allow_promotion=promote, announce=tracker.announce)
    release_memory()
    _publish_promoted(engine, config, outcomes, tracker.announce)
    tracker.finish()
    return outcomes


def _publish_promoted(
    engine: Engine,
    config: TrainingSettings,
    outcomes: dict[str, LevelOutcome],
    announce: Callable[[str], None],
) -> None:
    """Publish the forecasts of the levels this run promoted (the new MASTERs start serving from them).

    Never fails the run: the MASTER is settled; a level left unpublished serves from its artifact
    until the scheduler's ``publish_due`` publishes it.
    """
    promoted = [level for level, outcome in outcomes.items() if outcome.promoted]
    if not promoted:
        return
    announce(f"publishing the forecasts of {', '.join(promoted)}")
    try:
        publish_masters(engine, config, reason="promotion", levels=promoted)
    except Exception:
        logger.error("publishing the forecasts of %s failed", ", ".join(promoted), exc_info=True)


def _with_coherence(engine: Engine, staged: dict[str, LevelOutcome]) -> dict[str, LevelOutcome]:
    """When the run trained every level, reconcile its three versions on their CV folds and record,
    per level, which method was chosen and whether it helped accuracy (outcome and report).

    The published (served and archived) numbers are reconciled again from the MASTERs when they are
    published (``models.publishing.publish_masters``), on their newest origin; this is the run's
    evidence. Never fails the run: a problem is logged and the outcomes are unchanged.
    """
    if set(staged) != set(LEVELS) or not all(o.ok for o in staged.values()):
        return staged
    try:
        models = {
            lv: load_artifact(get_version(engine, o.version_id).artifact_path, expected_level=lv)
            for lv, o in staged.items()
        }
        categories = dict(list_products(engine))
        coherence = reconcile_masters(models, categories).coherence.to_dict()
        for outcome in staged.values():
            record_report_section(engine, outcome.version_id, "reconciliation", coherence)
    except Exception:
        logger.error("checking the run's reconciliation failed", exc_info=True)
        return staged
    return {lv: dataclasses.replace(o, reconciliation=coherence) for lv, o in staged.items()}


@dataclasses.dataclass(frozen=True)
class _RunSettings:
    """What every level of one run shares: frequency, engine settings and where versions go."""

    freq: str
    train_config: TrainingConfig
    model_dir: str
    source: str
    job_id: int | None
    cut: dict[str, Any] = dataclasses.field(default_factory=dict)  # ``reporting_facts`` of the sales

    def train(
        self, sales: Any, level: str, config: TrainingConfig, progress: Progress | None = None
    ) -> TrainedLevel:
        """Train ``level`` with the engine; the reporting facts of the run join its data fingerprint."""
        trained = train_level(sales, level, freq=self.freq, config=config, progress=progress)
        if not self.cut:
            return trained
        return dataclasses.replace(trained, fingerprint={**trained.fingerprint, **self.cut})

    def register(self, engine: Engine, trained: TrainedLevel) -> str:
        """Register ``trained`` as a candidate version of this run; return its id."""
        return register_version(
            engine, trained, model_dir=self.model_dir, source=self.source, job_id=self.job_id
        )


def _run_level(
    engine: Engine,
    sales: Any,
    level: str,
    run: _RunSettings,
    progress: Progress,
    steps: Progress,
) -> LevelOutcome:
    """Train, register and judge one level (no promotion yet); failures become an outcome with ``error``."""
    started = time.perf_counter()
    try:
        trained = run.train(sales, level, run.train_config, progress)
        steps(1, 2, "saving version")
        version_id = run.register(engine, trained)
    except Exception as exc:
        logger.error("training level %s failed", level, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
        total = {"total": time.perf_counter() - started}
        return LevelOutcome(level, None, {}, {}, total, error=error, failed_at="training")
    durations = {k: float(v) for k, v in trained.durations.items()}
    try:
        steps(2, 2, "comparing with MASTER")
        decision = judge(engine, trained, sales, version_id=version_id, config=run.train_config)
    except Exception as exc:
        logger.error("comparison with the MASTER of level %s failed", level, exc_info=True)
        durations["total"] = time.perf_counter() - started
        error = f"{type(exc).__name__}: {exc}"
        return _outcome(trained, version_id, durations, error=error, failed_at="comparison")
    if should_refresh(decision):
        refresh = _refresh_master(engine, sales, trained, decision, run, steps)
        if refresh is not None:
            record_decision(engine, version_id, record(decision))  # the losing candidate keeps its reason
            refit, refit_id = refresh
            trained, version_id, decision = refit, refit_id, refreshed(decision, refit, refit_id)
    durations["total"] = time.perf_counter() - started
    return _outcome(trained, version_id, durations, decision=decision)


def _refresh_master(
    engine: Engine,
    sales: Any,
    trained: TrainedLevel,
    decision: PromotionDecision,
    run: _RunSettings,
    steps: Progress,
) -> tuple[TrainedLevel, str] | None:
    """Refit the MASTER's configuration (which beat the candidate) on the newer data and register it.

    Returns None when that is impossible (the MASTER changed meanwhile or has no parameters, seasonal
    naive beat the refit on these windows, or a failure): the MASTER is then simply kept, as decided.
    """
    master = master_version(engine, trained.level)
    if master is None or master.id != decision.master_version or not master.params:
        return None
    try:
        steps(2, 2, f"refitting MASTER {master.id}'s configuration on the new data")
        config = dataclasses.replace(
            run.train_config, fixed=dict(master.params), horizon=trained.folds.horizon
        )
        refit = run.train(sales, trained.level, config)
        if params_key(refit.best_params) != params_key(master.params):
            return None
        return refit, run.register(engine, refit)
    except Exception:
        logger.error("refitting the MASTER configuration of %s failed", trained.level, exc_info=True)
        return None


def _settle(
    engine: Engine,
    staged: dict[str, LevelOutcome],
    *,
    allow_promotion: bool,
    announce: Callable[[str], None],
) -> dict[str, LevelOutcome]:
    """Record every decision and promote the run's winners together — or none of them.

    Winners are promoted only when promotion is allowed and no level of the run failed; otherwise each
    winner is recorded as held back and says why. The promotion itself is one transaction.
    """
    failed = tuple(level for level, outcome in staged.items() if not outcome.ok)
    outcomes = dict(staged)
    winners: dict[str, PromotionDecision] = {}
    for level, outcome in staged.items():
        decision = outcome.decision
        if decision is None or not decision.wins:
            continue
        if not allow_promotion:
            decision = held(decision, Hold.SWITCHED_OFF)
        elif failed:
            decision = held(decision, Hold.RUN_FAILED, failed_levels=failed)
        else:
            winners[level] = decision
        outcomes[level] = dataclasses.replace(outcome, decision=decision)
    if winners:
        announce(f"promoting {', '.join(winners)}")
        try:
            promote_many(
                engine,
                {d.version_id: describe(d) for d in winners.values()},
                actor=PROMOTION_ACTOR,
                decisions={d.version_id: d.to_dict() for d in winners.values()},
            )
        except Exception as exc:
            logger.error("promoting %s failed; every MASTER kept", ", ".join(winners), exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
            for level, decision in winners.items():
                stopped = held(decision, Hold.PROMOTION_FAILED, error=error)
                outcomes[level] = dataclasses.replace(outcomes[level], decision=stopped, error=error)
    for outcome in outcomes.values():
        if outcome.decision is None:
            continue
        try:
            record_decision(engine, outcome.decision.version_id, record(outcome.decision))
        except Exception:  # the registry row and MASTER are settled; only the report lacks the decision
            logger.error("could not record the decision of %s", outcome.version_id, exc_info=True)
    return outcomes


def _outcome(
    trained: TrainedLevel,
    version_id: str,
    durations: dict[str, float],
    *,
    decision: PromotionDecision | None = None,
    error: str | None = None,
    failed_at: str | None = None,
) -> LevelOutcome:
    return LevelOutcome(
        level=trained.level,
        version_id=version_id,
        metrics=dict(trained.metrics),
        baseline_metrics=dict(trained.baseline_metrics),
        durations=durations,
        decision=decision,
        error=error,
        failed_at=failed_at,
        params=dict(trained.best_params),
        n_series=int(trained.n_series),
        trained_through=trained.fingerprint.get("date_max"),
    )


def reporting_facts(reporting: Reporting) -> dict[str, Any]:
    """What a level's data fingerprint records about the cut: complete-through, the stores ahead of
    it (their later days left out) and the silent stores counted as closed."""
    through = reporting.complete_through
    return {
        "complete_through": through.isoformat() if through else None,
        "stores_ahead": {r.store: r.last_date.isoformat() for r in reporting.ahead},
        "stores_closed": {r.store: r.last_date.isoformat() for r in reporting.silent},
    }


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

    def _emit(self, step: int, label: str) -> None:
        step = max(self._last, min(step, self._total))
        self._last = step
        if self._callback is not None:
            self._callback(step, self._total, label)

    def engine(self, index: int, level: str) -> Progress:
        """Callback handed to ``train_level`` for level number ``index``."""
        base = index * self.SHARE

        def report(step: int, total: int, label: str) -> None:
            fraction = step / total if total else 1.0
            text = label if label.startswith(f"{level}: ") else f"{level}: {label}"  # the engine names it
            self._emit(base + int(fraction * self.ENGINE_SHARE), text)

        return report

    def pipeline(self, index: int, level: str) -> Progress:
        """Callback for the pipeline's own steps (``step`` of ``total``) after training level ``index``."""
        base = index * self.SHARE + self.ENGINE_SHARE
        rest = self.SHARE - self.ENGINE_SHARE

        def report(step: int, total: int, label: str) -> None:
            self._emit(base + int(rest * step / max(total, 1)), f"{level}: {label}")

        return report

    def announce(self, label: str) -> None:
        """Report a run-wide step (e.g. promoting the winners) without moving the bar."""
        self._emit(self._last, label)

    def finish(self) -> None:
        """Report completion."""
        self._emit(self._total, "done")
