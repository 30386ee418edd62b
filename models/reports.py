"""Training reports: what was tried, what won, how it compares with seasonal naive, and why it was promoted.

One report per training run and level, written next to the model artifact:

    MODEL_DIR/<level>/<version>/
        model.joblib          the fitted LevelForecaster (models.artifacts)
        best_parameters.json  the winning configuration ({"family": ..., ...})
        report.json           everything below, machine-readable
        report.md             the same for people

The report is built from a ``TrainedLevel`` as a plain JSON-able dict (``build_report``), rendered to
Markdown (``render_markdown``) and written atomically (``write_reports``). The promotion decision is
added later with ``with_decision`` because it is only known after the version is registered.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from data.i18n import N_, format_number, format_percent, format_timestamp, translate
from models.artifacts import write_json_atomic, write_text_atomic
from models.reconciliation import coherence_line
from models.vocabulary import family_name, metric_name, settings_text

MODEL_FILE = "model.joblib"
PARAMS_FILE = "best_parameters.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SEASONAL_NAIVE = "seasonal_naive"
METRIC_COLUMNS = ("wape", "mase", "smape", "bias", "coverage_80", "coverage_95", "width_80")
_PERCENT_METRICS = {"wape", "smape", "bias", "coverage_80", "coverage_95"}
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "statsmodels", "joblib", "hierarchicalforecast")


def library_versions() -> dict[str, str]:
    """Versions of Python and the numeric libraries, so a report says what produced the model."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, timestamps and NaN into plain JSON values (NaN → None)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def params_key(params: Any, family: str | None = None) -> str:
    """A canonical string for a configuration, so CV rows can be matched to ``best_params``."""
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except json.JSONDecodeError:
            params = {"params": params}
    merged = dict(params or {})
    if family is not None:
        merged.setdefault("family", family)
    return json.dumps(jsonable(merged), sort_keys=True, default=str)


def _present_metrics(frame: pd.DataFrame) -> list[str]:
    return [c for c in METRIC_COLUMNS if c in frame.columns]


def _split_overall(cv_table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Per-fold rows, and the engine's pooled ``fold == "all"`` rows when it wrote them."""
    if "fold" not in cv_table.columns:
        return cv_table, None
    is_all = cv_table["fold"].astype(str) == "all"
    return cv_table.loc[~is_all], (cv_table.loc[is_all] if is_all.any() else None)


def _keys(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [params_key(p, f) for p, f in zip(frame["params"], frame["family"], strict=True)],
        index=frame.index,
        dtype=object,
    )


def summarise_cv(cv_table: pd.DataFrame) -> list[dict[str, Any]]:
    """Overall metrics per candidate configuration, best WAPE first.

    Uses the engine's pooled "all" rows (metrics over all folds at once); without them, the mean
    over folds.
    """
    if cv_table is None or cv_table.empty:
        return []
    folds, overall = _split_overall(cv_table)
    metrics = _present_metrics(cv_table)
    fold_keys = _keys(folds)
    n_folds = fold_keys.value_counts()
    if overall is None:
        summary = folds[metrics].groupby(fold_keys, sort=False).mean()
        families = folds["family"].groupby(fold_keys, sort=False).first()
    else:
        keys = _keys(overall)
        summary = overall[metrics].set_axis(keys.to_numpy())
        families = overall["family"].set_axis(keys.to_numpy())
    if "wape" in summary.columns:
        summary = summary.sort_values("wape", kind="stable", na_position="last")
    rows = []
    for key, row in summary.iterrows():
        rows.append(
            {
                "family": str(families[key]),
                "params": json.loads(key),
                "n_folds": int(n_folds.get(key, 0)),
                **{m: jsonable(row[m]) for m in metrics},
            }
        )
    return rows


def _fold_rows(cv_table: pd.DataFrame, mask: pd.Series) -> list[dict[str, Any]]:
    cols = [c for c in ("fold", "cutoff", *METRIC_COLUMNS) if c in cv_table.columns]
    part = cv_table.loc[mask, cols]
    return [jsonable(rec) for rec in part.to_dict("records")]


def per_fold(cv_table: pd.DataFrame, best_params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per-fold metrics of the winning configuration and of seasonal naive."""
    if cv_table is None or cv_table.empty:
        return {"winner": [], SEASONAL_NAIVE: []}
    folds, _ = _split_overall(cv_table)
    winner = _keys(folds) == params_key(best_params)
    naive = folds["family"] == SEASONAL_NAIVE
    return {"winner": _fold_rows(folds, winner), SEASONAL_NAIVE: _fold_rows(folds, naive)}


def _pct(value: Any, language: str = "en") -> str:
    return translate(language, "n/a") if value is None else format_percent(float(value), 1, language)


def _fmt(metric: str, value: Any, language: str = "en") -> str:
    if value is None:
        return translate(language, "n/a")
    return _pct(value, language) if metric in _PERCENT_METRICS else format_number(float(value), 3, language)


def baseline_sentence(metrics: dict[str, Any], baseline: dict[str, Any], language: str = "en") -> str:
    """One plain sentence comparing the winner's CV WAPE and MASE with seasonal naive's (in ``language``,
    numbers in its format)."""
    wape, base = metrics.get("wape"), baseline.get("wape")
    if wape is None or base is None:
        return translate(language, "No seasonal-naive comparison is available for this run.")
    if base > 0:
        change = (base - wape) / base
        words = translate(
            language,
            N_("%(change)s lower error than seasonal naive")
            if change > 0
            else N_("%(change)s higher error than seasonal naive"),
            change=format_percent(abs(change), 0, language),
        )
    else:
        words = translate(language, "seasonal naive is exact on these folds")
    mase, base_mase = metrics.get("mase"), baseline.get("mase")
    mase_part = ""
    if mase is not None and base_mase is not None:
        mase_part = "; " + translate(
            language,
            "MASE %(mase)s vs %(base)s",
            mase=format_number(float(mase), 3, language),
            base=format_number(float(base_mase), 3, language),
        )
    return translate(
        language,
        "CV WAPE %(wape)s vs seasonal naive %(base)s (%(words)s)%(mase)s.",
        wape=_pct(wape, language),
        base=_pct(base, language),
        words=words,
        mase=mase_part,
    )


def build_report(
    trained: Any,
    *,
    version_id: str,
    created_at: str,
    source: str,
    job_id: int | None = None,
    decision: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a person needs to trust (or question) one trained level, as a JSON-able dict."""
    metrics = jsonable(dict(trained.metrics))
    baseline = jsonable(dict(trained.baseline_metrics))
    return {
        "version": version_id,
        "level": trained.level,
        "freq": trained.freq,
        "created_at": created_at,
        "source": source,
        "job_id": job_id,
        "n_series": int(trained.n_series),
        "best_parameters": jsonable(dict(trained.best_params)),
        "metrics": metrics,
        "baseline_metrics": baseline,
        "baseline_comparison": baseline_sentence(metrics, baseline),
        "intervals": {k: metrics.get(k) for k in ("coverage_80", "coverage_95", "width_80")},
        "folds": jsonable(trained.folds.to_dict()),
        "cv_table": summarise_cv(trained.cv_table),
        "per_fold": per_fold(trained.cv_table, dict(trained.best_params)),
        "durations": jsonable(dict(trained.durations)),
        "data_fingerprint": jsonable(dict(trained.fingerprint)),
        "libraries": library_versions(),
        "decision": jsonable(decision) if decision else None,
    }


def with_decision(report: dict[str, Any], decision: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` carrying the promotion decision (promote, reason, WAPEs)."""
    return {**report, "decision": jsonable(decision)}


# Column headings of the report's tables (metrics are named by ``metric_name``).
COLUMN_NAMES = {
    "family": N_("Model"),
    "params": N_("Settings"),
    "n_folds": N_("Folds"),
    "fold": N_("Fold"),
    "cutoff": N_("Cut-off"),
}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>])")


def markdown_text(value: Any) -> str:
    """``value`` as literal Markdown text (brackets, pipes, stars… escaped): a configuration such as
    ``members=[…](…)`` must not render as a link or break a table."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def _column_name(column: str, language: str) -> str:
    if column in METRIC_COLUMNS:
        return metric_name(column, language)
    return translate(language, COLUMN_NAMES[column]) if column in COLUMN_NAMES else column


def _table(rows: list[dict[str, Any]], columns: list[str], language: str = "en") -> list[str]:
    if not rows:
        return [translate(language, "(none)")]
    header = [_column_name(c, language) for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if col in METRIC_COLUMNS:
                cells.append(_fmt(col, value, language))
            elif col == "family":
                cells.append(markdown_text(family_name(value, language)))
            elif isinstance(value, dict):
                inner = {k: v for k, v in value.items() if k != "family"}
                cells.append(markdown_text(settings_text(inner, language)) if inner else "-")
            else:
                cells.append("-" if value is None else markdown_text(value))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict[str, Any], language: str = "en", timezone: str = "UTC") -> str:
    """The report as human-readable Markdown (same facts as report.json) in ``language``, numbers in its
    format; report.json stays language-free, so the admin console renders it in each reader's language."""

    metrics, fp = report["metrics"], report.get("data_fingerprint") or {}
    decision = report.get("decision")
    source = translate(language, "source: %(source)s", source=report["source"])
    if report.get("job_id") is not None:
        source += translate(language, ", job %(job)s", job=report["job_id"])
    if decision:
        verdict = (
            translate(language, "**Promoted to MASTER.**")
            if decision["promote"]
            else translate(language, "**Not promoted.**")
        )
        decision_text = f"{verdict} {_decision_reason(decision, language)}"
    else:
        decision_text = translate(language, "No promotion decision recorded yet.")
    lines = [
        translate(
            language,
            "# Training report — %(level)s level, version `%(version)s`",
            level=translate(language, report["level"]),
            version=report["version"],
        ),
        "",
        translate(
            language,
            "Created %(created)s (%(source)s); frequency %(freq)s; %(series)s series.",
            created=_created(report["created_at"], language, timezone),
            source=source,
            freq=report["freq"],
            series=format_number(report["n_series"], 0, language),
        ),
        "",
        translate(language, "## Decision"),
        "",
        decision_text,
        "",
        translate(language, "## Winner"),
        "",
        translate(
            language,
            "Configuration: %(config)s.",
            config=markdown_text(settings_text(report["best_parameters"], language)),
        ),
        "",
        baseline_sentence(metrics, report["baseline_metrics"], language),
        "",
        "| "
        + " | ".join(translate(language, h) for h in (N_("Metric"), N_("Winner"), N_("Seasonal naive")))
        + " |",
        "|---|---|---|",
    ]
    base = report["baseline_metrics"]
    for m in METRIC_COLUMNS:
        if m in metrics or m in base:
            lines.append(
                f"| {metric_name(m, language)} | {_fmt(m, metrics.get(m), language)} "
                f"| {_fmt(m, base.get(m), language)} |"
            )
    iv = report["intervals"]
    cutoffs = ", ".join(map(str, report["folds"].get("cutoffs", [])))
    lines += [
        "",
        translate(language, "## Prediction intervals"),
        "",
        translate(
            language,
            "Share of actual values inside the 80%% interval: %(cov80)s; "
            "inside the 95%% interval: %(cov95)s; mean 80%% width relative to revenue: %(width)s.",
            cov80=_pct(iv.get("coverage_80"), language),
            cov95=_pct(iv.get("coverage_95"), language),
            width=_fmt("width_80", iv.get("width_80"), language),
        ),
        "",
        translate(language, "## Cross-validation (mean over folds, best WAPE first)"),
        "",
        translate(
            language,
            "Folds: cutoffs %(cutoffs)s; horizon %(horizon)s steps.",
            cutoffs=cutoffs,
            horizon=report["folds"].get("horizon"),
        ),
        "",
        *_table(report["cv_table"], ["family", "params", "n_folds", "wape", "mase", "coverage_80"], language),
        "",
        translate(language, "## Per fold"),
        "",
        translate(language, "Winner:"),
        "",
        *_table(report["per_fold"]["winner"], ["fold", "cutoff", "wape", "mase", "coverage_80"], language),
        "",
        translate(language, "Seasonal naive:"),
        "",
        *_table(
            report["per_fold"][SEASONAL_NAIVE], ["fold", "cutoff", "wape", "mase", "coverage_80"], language
        ),
        "",
        translate(language, "## Coherence across levels"),
        "",
        coherence_line(report.get("reconciliation"), report["level"], language),
        *_coherence_table(report.get("reconciliation"), report["level"]),
        "",
        translate(language, "## Durations (seconds)"),
        "",
        ", ".join(f"{k}: {format_number(float(v), 2, language)}" for k, v in report["durations"].items())
        or translate(language, "(none)"),
        "",
        translate(language, "## Data"),
        "",
        translate(
            language,
            "%(rows)s rows, %(series)s series, %(start)s to %(end)s, sha256 `%(sha)s`.",
            rows=format_number(fp.get("rows"), 0, language),
            series=format_number(fp.get("series"), 0, language),
            start=fp.get("date_min"),
            end=fp.get("date_max"),
            sha=fp.get("sha256"),
        ),
        *reporting_lines(fp, language),
        "",
        translate(language, "## Libraries"),
        "",
        ", ".join(f"{k} {v}" for k, v in report["libraries"].items()),
        "",
    ]
    return "\n".join(lines)


def _created(created_at: str, language: str, timezone: str) -> str:
    """The report's creation time (ISO, naive UTC) in ``timezone`` with the zone named."""
    try:
        when = dt.datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        return str(created_at)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return format_timestamp(when, timezone, language)


def _coherence_table(coherence: dict[str, Any] | None, level: str) -> list[str]:
    """Back-test WAPE of this level per reconciliation method tried (empty when not checked)."""
    row = ((coherence or {}).get("scores") or {}).get(level)
    if not row:
        return []
    return ["", "| method | WAPE |", "|---|---|", *(f"| {m} | {_pct(w)} |" for m, w in row.items())]


def _decision_reason(decision: dict[str, Any], language: str) -> str:
    """The stored decision rendered again in ``language`` (the English sentence for older reports)."""
    if "outcome" not in decision:
        return decision.get("reason") or ""
    from models.promotion import decision_from_dict, describe  # promotion imports this module

    return describe(decision_from_dict(decision), language)


def _stores(dates: dict[str, str], language: str = "en") -> str:
    return ", ".join(
        translate(language, "%(store)s (to %(date)s)", store=store, date=date)
        for store, date in sorted(dates.items())
    )


def reporting_lines(fingerprint: dict[str, Any], language: str = "en") -> list[str]:
    """Which date the level was trained through and why (the stores' reporting), for the Data section."""
    if "complete_through" not in fingerprint:
        return []
    text = translate(
        language,
        "Trained through %(end)s: every store had reported up to %(complete)s.",
        end=fingerprint.get("date_max"),
        complete=fingerprint["complete_through"],
    )
    if fingerprint.get("stores_ahead"):
        text += " " + translate(
            language,
            "Later days only some stores had reported were left out: %(stores)s.",
            stores=_stores(fingerprint["stores_ahead"], language),
        )
    if fingerprint.get("stores_closed"):
        text += " " + translate(
            language,
            "Counted as closed (silent, no sales since): %(stores)s.",
            stores=_stores(fingerprint["stores_closed"], language),
        )
    return ["", text]


def write_reports(folder: str | Path, report: dict[str, Any]) -> dict[str, Path]:
    """Write best_parameters.json, report.json and report.md atomically into ``folder``."""
    out = Path(folder)
    return {
        "best_parameters": write_json_atomic(report["best_parameters"], out / PARAMS_FILE),
        "report_json": write_json_atomic(report, out / REPORT_JSON),
        "report_md": write_text_atomic(render_markdown(report), out / REPORT_MD),
    }
