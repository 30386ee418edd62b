"""The promotion policy: whether a freshly trained candidate replaces its level's MASTER.

``score_master`` scores the MASTER's configuration on the candidate's own CV windows; ``decide`` is a
pure function of the candidate and that score and returns a ``PromotionDecision`` with typed fields.
A training run may then replace a losing MASTER by its own configuration refitted on newer data
(``refreshed``) or hold a winner back (``held``: promotion switched off, another level failed, the
promotion transaction failed). ``describe`` renders a decision as the sentence the CLI prints and the
registry, the reports and the audit log store; nothing parses that sentence back.
"""

from __future__ import annotations

import dataclasses
import math
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from data.i18n import N_, format_percent, translate, translate_plural
from models.registry import VersionInfo, master_version
from models.reports import SEASONAL_NAIVE, params_key
from models.training import TrainedLevel, TrainingConfig, rescore


class Outcome(StrEnum):
    """What the rule decided for one candidate.

    The first three judge the candidate against seasonal naive: the level has no MASTER yet, or its
    MASTER could not be re-scored (``PromotionDecision.rescore_error`` then says why).
    """

    FIRST_MODEL = "first_model"  # beats seasonal naive
    FIRST_NAIVE = "first_naive"  # nothing beat seasonal naive, so seasonal naive itself serves
    NOT_PROMOTED = "not_promoted"  # loses to seasonal naive
    PROMOTED = "promoted"  # beats the MASTER on the same windows
    TIE_NEWER_DATA = "tie_newer_data"  # ties with the MASTER but is trained on newer data: replaces it
    TIE_KEPT = "tie_kept"  # ties with the MASTER on unchanged data: MASTER kept
    KEPT = "kept"  # loses to the MASTER: MASTER kept
    REFRESHED = "refreshed"  # loses, but the MASTER's configuration refitted on the newer data replaces it


# The rule of ``decide`` in plain words, shown next to the registry's numbers.
TIE_RULE = N_(
    "Own WAPE (%) is each version's back-test error, on the data it was trained with, so versions "
    'trained on different data are not comparable by it. "On MASTER\'s folds" puts versions on the '
    "same folds (back-test windows) as the current MASTER. A new model replaces the MASTER only when "
    "its error on the same folds is lower; when both are equal, it replaces the MASTER only if it was "
    "trained on newer sales, so forecasts start from the latest data."
)


WINNING = frozenset(
    {Outcome.FIRST_MODEL, Outcome.FIRST_NAIVE, Outcome.PROMOTED, Outcome.TIE_NEWER_DATA, Outcome.REFRESHED}
)


class Hold(StrEnum):
    """Why a winning decision was not carried out by its training run."""

    SWITCHED_OFF = "switched_off"  # ``--no-promote``
    RUN_FAILED = "run_failed"  # another level of the run failed: a run promotes all its winners or none
    PROMOTION_FAILED = "promotion_failed"  # the promotion transaction itself failed


@dataclasses.dataclass(frozen=True)
class MasterScore:
    """A level's MASTER scored on a candidate's CV windows, or the error that prevented it."""

    version_id: str
    wape: float | None
    same_config: bool
    data_sha256: str | None
    data_to: str | None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class PromotionDecision:
    """The promotion rule's verdict for one candidate, with every number it was based on.

    ``windows`` are the CV cutoffs (ISO dates, ``horizon`` steps each) on which the candidate, the
    MASTER and seasonal naive (``baseline_wape``) were all scored. ``version_id`` is the version that
    becomes MASTER when the decision ``wins``; ``promoted`` is true once nothing holds it back.
    """

    level: str
    outcome: Outcome
    candidate_version: str
    candidate_wape: float
    baseline_wape: float | None
    windows: tuple[str, ...]
    horizon: int
    candidate_data_to: str | None
    master_version: str | None = None
    master_wape: float | None = None
    master_data_to: str | None = None
    same_config: bool = False
    newer_data: bool = False
    rescore_error: str | None = None
    refreshed_version: str | None = None
    refreshed_wape: float | None = None
    hold: Hold | None = None
    failed_levels: tuple[str, ...] = ()
    promotion_error: str | None = None

    @property
    def wins(self) -> bool:
        """True when the rule says the level's MASTER should change."""
        return self.outcome in WINNING

    @property
    def promoted(self) -> bool:
        """True when the decision wins and its run did not hold it back."""
        return self.wins and self.hold is None

    @property
    def version_id(self) -> str:
        """The version this decision is about: the refitted MASTER configuration, else the candidate."""
        return self.refreshed_version or self.candidate_version

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (enums as their values) for reports and job records."""
        out = dataclasses.asdict(self)
        out["outcome"] = self.outcome.value
        out["hold"] = None if self.hold is None else self.hold.value
        out["windows"], out["failed_levels"] = list(self.windows), list(self.failed_levels)
        return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def score_master(
    master: VersionInfo, trained: TrainedLevel, sales: pd.DataFrame, config: TrainingConfig
) -> MasterScore:
    """Score ``master``'s configuration on exactly the candidate's windows and data.

    Both WAPEs then come from the same numbers. A MASTER with the candidate's configuration scores
    what the candidate scored; a configuration that cannot be re-scored yields ``error`` instead.
    """
    fingerprint = master.data_fingerprint or {}
    score = MasterScore(
        version_id=master.id,
        wape=None,
        same_config=params_key(master.params) == params_key(trained.best_params),
        data_sha256=fingerprint.get("sha256"),
        data_to=fingerprint.get("date_max"),
    )
    if score.same_config:
        return dataclasses.replace(score, wape=float(trained.metrics["wape"]))
    try:
        scored = rescore(
            master.params or {}, sales, trained.level, freq=trained.freq, folds=trained.folds, config=config
        )
    except Exception as exc:
        return dataclasses.replace(score, error=f"{type(exc).__name__}: {exc}")
    return dataclasses.replace(score, wape=float(scored["wape"]))


def _against_naive(trained: TrainedLevel, cand: float, base: float | None, first: bool = False) -> Outcome:
    if base is None or (cand < base and not _same(cand, base)):
        return Outcome.FIRST_MODEL
    if first or trained.best_params.get("family") == SEASONAL_NAIVE:  # the first model always serves
        return Outcome.FIRST_NAIVE
    return Outcome.NOT_PROMOTED


def decide(trained: TrainedLevel, version_id: str, master: MasterScore | None) -> PromotionDecision:
    """The promotion rule: promote only when the candidate beats the MASTER on the same windows.

    Ties keep the MASTER, unless the candidate was trained on different (newer) data — then the
    equally accurate candidate replaces it so forecasts start from the latest data. Without a MASTER
    the first model of a level is always promoted (flagged when it does not beat seasonal naive), so
    that every level serves after its first training whatever the history; when the MASTER could not
    be re-scored the candidate must beat seasonal naive, or be seasonal naive because nothing beat it.
    """
    cand = float(trained.metrics["wape"])
    base = trained.baseline_metrics.get("wape")
    decision = PromotionDecision(
        level=trained.level,
        outcome=Outcome.NOT_PROMOTED,
        candidate_version=version_id,
        candidate_wape=cand,
        baseline_wape=None if base is None else float(base),
        windows=tuple(pd.Timestamp(c).date().isoformat() for c in trained.folds.cutoffs),
        horizon=int(trained.folds.horizon),
        candidate_data_to=trained.fingerprint.get("date_max"),
    )
    if master is None:
        return dataclasses.replace(
            decision, outcome=_against_naive(trained, cand, decision.baseline_wape, True)
        )
    new_sha = trained.fingerprint.get("sha256")
    decision = dataclasses.replace(
        decision,
        master_version=master.version_id,
        master_data_to=master.data_to,
        same_config=master.same_config,
        newer_data=bool(master.data_sha256 and new_sha and master.data_sha256 != new_sha),
        rescore_error=master.error,
    )
    if master.wape is None:
        return dataclasses.replace(decision, outcome=_against_naive(trained, cand, decision.baseline_wape))
    if cand < master.wape and not _same(cand, master.wape):
        outcome = Outcome.PROMOTED
    elif _same(cand, master.wape):
        outcome = Outcome.TIE_NEWER_DATA if decision.newer_data else Outcome.TIE_KEPT
    else:
        outcome = Outcome.KEPT
    return dataclasses.replace(decision, outcome=outcome, master_wape=master.wape)


def judge(
    engine: Engine, trained: TrainedLevel, sales: pd.DataFrame, *, version_id: str, config: TrainingConfig
) -> PromotionDecision:
    """Decide for the registered candidate ``version_id``: read its level's MASTER, score it, ``decide``."""
    master = master_version(engine, trained.level)
    score = None if master is None else score_master(master, trained, sales, config)
    return decide(trained, version_id, score)


def should_refresh(decision: PromotionDecision) -> bool:
    """True when the MASTER's configuration won but the candidate saw newer data: refit that configuration.

    Keeping the old MASTER would serve forecasts that ignore the new sales until a candidate wins.
    """
    return decision.outcome is Outcome.KEPT and decision.newer_data


def refreshed(decision: PromotionDecision, refit: TrainedLevel, version_id: str) -> PromotionDecision:
    """The decision to promote ``refit`` (the MASTER's configuration refitted on all data) instead."""
    return dataclasses.replace(
        decision,
        outcome=Outcome.REFRESHED,
        refreshed_version=version_id,
        refreshed_wape=float(refit.metrics["wape"]),
    )


def held(
    decision: PromotionDecision,
    hold: Hold,
    *,
    failed_levels: tuple[str, ...] = (),
    error: str | None = None,
) -> PromotionDecision:
    """The same decision, recorded as not carried out by its run and why."""
    return dataclasses.replace(decision, hold=hold, failed_levels=failed_levels, promotion_error=error)


def _pct(value: float | None, language: str, decimals: int = 1) -> str:
    return translate(language, "n/a") if value is None else format_percent(value, decimals, language)


def _pcts(first: float | None, second: float | None, language: str) -> tuple[str, str]:
    """Two percentages with just enough decimals to tell them apart (``11,08%`` vs ``11,09%``), so a
    win by a hair never reads "11,1% vs 11,1% → promoted"."""
    for decimals in (1, 2, 3, 4):
        a, b = _pct(first, language, decimals), _pct(second, language, decimals)
        if a != b:
            break
    return a, b


def _versus_naive(d: PromotionDecision, language: str) -> str:
    folds = translate_plural(language, "%(num)s fold", "%(num)s folds", len(d.windows))
    cand = _pct(d.candidate_wape, language)
    if d.outcome is Outcome.FIRST_MODEL:
        if d.baseline_wape is None:
            return translate(
                language, "candidate WAPE %(cand)s on %(folds)s → promoted", cand=cand, folds=folds
            )
        return translate(
            language,
            "candidate WAPE %(cand)s vs seasonal naive %(base)s on %(folds)s → promoted",
            cand=cand,
            base=_pct(d.baseline_wape, language),
            folds=folds,
        )
    if d.outcome is Outcome.FIRST_NAIVE:
        return translate(
            language,
            "no candidate beat seasonal naive (WAPE %(cand)s on %(folds)s); promoted as the "
            "first MASTER so the level can serve",
            cand=cand,
            folds=folds,
        )
    return translate(
        language,
        "candidate WAPE %(cand)s does not beat seasonal naive %(base)s on %(folds)s "
        "→ not promoted; the level has no MASTER yet",
        cand=cand,
        base=_pct(d.baseline_wape, language),
        folds=folds,
    )


_VERDICTS = {
    Outcome.PROMOTED: N_("%(versus)s → promoted"),
    Outcome.TIE_NEWER_DATA: N_(
        "%(versus)s: a tie, but the candidate is trained on newer data (to %(cand_to)s, MASTER to "
        "%(master_to)s) → promoted to refresh"
    ),
    Outcome.TIE_KEPT: N_("%(versus)s: a tie on unchanged data → MASTER kept"),
    Outcome.KEPT: N_("%(versus)s → MASTER kept"),
    Outcome.REFRESHED: N_(
        "%(versus)s: MASTER %(master)s's configuration wins, so it was refitted on the data to %(cand_to)s "
        "(MASTER trained to %(master_to)s) → promoted to refresh"
    ),
}


def _verdict(d: PromotionDecision, language: str) -> str:
    if d.outcome in (Outcome.FIRST_MODEL, Outcome.FIRST_NAIVE, Outcome.NOT_PROMOTED):
        if d.rescore_error is not None:
            return translate(
                language,
                "MASTER %(master)s's configuration could not be re-scored on these folds (%(error)s); "
                "judged against seasonal naive instead: %(verdict)s",
                master=d.master_version,
                error=d.rescore_error,
                verdict=_versus_naive(d, language),
            )
        return translate(
            language,
            "first model of level %(level)s: %(verdict)s",
            level=translate(language, d.level),
            verdict=_versus_naive(d, language),
        )
    folds = translate_plural(language, "the same %(num)s fold", "the same %(num)s folds", len(d.windows))
    master = d.master_version
    if d.same_config:
        versus = translate(
            language,
            "candidate uses MASTER %(master)s's configuration (WAPE %(cand)s on %(folds)s)",
            master=master,
            cand=_pct(d.candidate_wape, language),
            folds=folds,
        )
    elif d.outcome in (Outcome.TIE_NEWER_DATA, Outcome.TIE_KEPT):
        versus = translate(
            language,
            "candidate WAPE %(cand)s vs MASTER %(master)s %(master_wape)s on %(folds)s",
            cand=_pct(d.candidate_wape, language),
            master=master,
            master_wape=_pct(d.master_wape, language),
            folds=folds,
        )
    else:
        cand, theirs = _pcts(d.candidate_wape, d.master_wape, language)
        versus = translate(
            language,
            "candidate WAPE %(cand)s vs MASTER %(master)s %(master_wape)s on %(folds)s",
            cand=cand,
            master=master,
            master_wape=theirs,
            folds=folds,
        )
    return translate(
        language,
        _VERDICTS[d.outcome],
        versus=versus,
        master=master,
        cand_to=d.candidate_data_to,
        master_to=d.master_data_to,
    )


def describe(decision: PromotionDecision, language: str = "en") -> str:
    """The decision in plain words: the numbers compared, the verdict, and what held it back if anything.

    In English by default (what the registry and the audit log store); the admin console and the CLI
    render the stored decision again in their reader's ``language`` (numbers in its format)."""
    text = _verdict(decision, language)
    if decision.hold is Hold.SWITCHED_OFF:
        return translate(
            language, "%(text)s — but promotion was switched off (--no-promote): kept as candidate", text=text
        )
    if decision.hold is Hold.RUN_FAILED:
        return translate(
            language,
            "%(text)s — but not promoted: %(levels)s failed in this run, and a run promotes all its winners "
            "or none (every MASTER kept)",
            text=text,
            levels=", ".join(decision.failed_levels),
        )
    if decision.hold is Hold.PROMOTION_FAILED:
        return translate(
            language,
            "%(text)s — but promotion failed, every MASTER kept: %(error)s",
            text=text,
            error=decision.promotion_error,
        )
    return text


def decision_from_dict(data: dict[str, Any]) -> PromotionDecision:
    """A decision back from ``PromotionDecision.to_dict`` (job records, report.json), to render it again."""
    known = {f.name for f in dataclasses.fields(PromotionDecision)}
    values = {k: v for k, v in data.items() if k in known}
    values["outcome"] = Outcome(values["outcome"])
    values["hold"] = None if values.get("hold") is None else Hold(values["hold"])
    values["windows"] = tuple(values.get("windows") or ())
    values["failed_levels"] = tuple(values.get("failed_levels") or ())
    return PromotionDecision(**values)


def record(decision: PromotionDecision) -> dict[str, Any]:
    """What the registry stores with a version: the typed fields plus ``promote`` and the sentence."""
    return {**decision.to_dict(), "promote": decision.promoted, "reason": describe(decision)}
