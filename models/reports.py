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

import json
import math
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from models.artifacts import write_json_atomic, write_text_atomic
from models.vocabulary import family_name, metric_name, settings_text

MODEL_FILE = "model.joblib"
PARAMS_FILE = "best_parameters.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SEASONAL_NAIVE = "seasonal_naive"
METRIC_COLUMNS = ("wape", "mase", "smape", "bias", "coverage_80", "coverage_95", "width_80")
_PERCENT_METRICS = {"wape", "smape", "bias", "coverage_80", "coverage_95"}
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "statsmodels", "joblib")


def library_versions() -> dict[str, str]:
    """Versions of Python and the numeric libraries, so a report says what produced the model."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, timestamps and NaN into plain JSON values (NaN → None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
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
    return json.dumps(_jsonable(merged), sort_keys=True, default=str)


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
                **{m: _jsonable(row[m]) for m in metrics},
            }
        )
    return rows


def _fold_rows(cv_table: pd.DataFrame, mask: pd.Series) -> list[dict[str, Any]]:
    cols = [c for c in ("fold", "cutoff", *METRIC_COLUMNS) if c in cv_table.columns]
    part = cv_table.loc[mask, cols]
    return [_jsonable(rec) for rec in part.to_dict("records")]


def per_fold(cv_table: pd.DataFrame, best_params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per-fold metrics of the winning configuration and of seasonal naive."""
    if cv_table is None or cv_table.empty:
        return {"winner": [], SEASONAL_NAIVE: []}
    folds, _ = _split_overall(cv_table)
    winner = _keys(folds) == params_key(best_params)
    naive = folds["family"] == SEASONAL_NAIVE
    return {"winner": _fold_rows(folds, winner), SEASONAL_NAIVE: _fold_rows(folds, naive)}


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * float(value):.1f}%"


def _fmt(metric: str, value: Any) -> str:
    if value is None:
        return "n/a"
    return _pct(value) if metric in _PERCENT_METRICS else f"{float(value):.3f}"


def baseline_sentence(metrics: dict[str, Any], baseline: dict[str, Any]) -> str:
    """One plain sentence comparing the winner's CV WAPE and MASE with seasonal naive's."""
    wape, base = metrics.get("wape"), baseline.get("wape")
    if wape is None or base is None:
        return "No seasonal-naive comparison is available for this run."
    if base > 0:
        change = (base - wape) / base
        direction = "lower" if change > 0 else "higher"
        words = f"{abs(change) * 100:.0f}% {direction} error than seasonal naive"
    else:
        words = "seasonal naive is exact on these folds"
    mase, base_mase = metrics.get("mase"), baseline.get("mase")
    mase_part = ""
    if mase is not None and base_mase is not None:
        mase_part = f"; MASE {float(mase):.3f} vs {float(base_mase):.3f}"
    return f"CV WAPE {_pct(wape)} vs seasonal naive {_pct(base)} ({words}){mase_part}."


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
    metrics = _jsonable(dict(trained.metrics))
    baseline = _jsonable(dict(trained.baseline_metrics))
    return {
        "version": version_id,
        "level": trained.level,
        "freq": trained.freq,
        "created_at": created_at,
        "source": source,
        "job_id": job_id,
        "n_series": int(trained.n_series),
        "best_parameters": _jsonable(dict(trained.best_params)),
        "metrics": metrics,
        "baseline_metrics": baseline,
        "baseline_comparison": baseline_sentence(metrics, baseline),
        "intervals": {k: metrics.get(k) for k in ("coverage_80", "coverage_95", "width_80")},
        "folds": _jsonable(trained.folds.to_dict()),
        "cv_table": summarise_cv(trained.cv_table),
        "per_fold": per_fold(trained.cv_table, dict(trained.best_params)),
        "durations": _jsonable(dict(trained.durations)),
        "data_fingerprint": _jsonable(dict(trained.fingerprint)),
        "libraries": library_versions(),
        "decision": _jsonable(decision) if decision else None,
    }


def with_decision(report: dict[str, Any], decision: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` carrying the promotion decision (promote, reason, WAPEs)."""
    return {**report, "decision": _jsonable(decision)}


COLUMN_NAMES = {
    "family": "Model",
    "params": "Settings",
    "n_folds": "Folds",
    "fold": "Fold",
    "cutoff": "Cut-off",
}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>])")


def markdown_text(value: Any) -> str:
    """``value`` as literal Markdown text (brackets, pipes, stars… escaped): a configuration such as
    ``members=[…](…)`` must not render as a link or break a table."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def _column_name(column: str) -> str:
    return metric_name(column) if column in METRIC_COLUMNS else COLUMN_NAMES.get(column, column)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    if not rows:
        return ["(none)"]
    lines = ["| " + " | ".join(_column_name(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if col in METRIC_COLUMNS:
                cells.append(_fmt(col, value))
            elif col == "family":
                cells.append(markdown_text(family_name(value)))
            elif isinstance(value, dict):
                inner = {k: v for k, v in value.items() if k != "family"}
                cells.append(markdown_text(settings_text(inner)) if inner else "-")
            else:
                cells.append("-" if value is None else markdown_text(value))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The report as human-readable Markdown (same facts as report.json)."""
    metrics, fp = report["metrics"], report.get("data_fingerprint") or {}
    decision = report.get("decision")
    lines = [
        f"# Training report — {report['level']} level, version `{report['version']}`",
        "",
        f"Created {report['created_at']} (source: {report['source']}"
        + (f", job {report['job_id']}" if report.get("job_id") is not None else "")
        + f"); frequency {report['freq']}; {report['n_series']} series.",
        "",
        "## Decision",
        "",
        (("**Promoted to MASTER.** " if decision["promote"] else "**Not promoted.** ") + decision["reason"])
        if decision
        else "No promotion decision recorded yet.",
        "",
        "## Winner",
        "",
        f"Configuration: {markdown_text(settings_text(report['best_parameters']))}.",
        "",
        report["baseline_comparison"],
        "",
        "| Metric | Winner | Seasonal naive |",
        "|---|---|---|",
    ]
    base = report["baseline_metrics"]
    for m in METRIC_COLUMNS:
        if m in metrics or m in base:
            lines.append(f"| {metric_name(m)} | {_fmt(m, metrics.get(m))} | {_fmt(m, base.get(m))} |")
    iv = report["intervals"]
    lines += [
        "",
        "## Prediction intervals",
        "",
        f"Share of actual values inside the 80% interval: {_pct(iv.get('coverage_80'))}; "
        f"inside the 95% interval: {_pct(iv.get('coverage_95'))}; "
        f"mean 80% width relative to revenue: {_fmt('width_80', iv.get('width_80'))}.",
        "",
        "## Cross-validation (mean over folds, best WAPE first)",
        "",
        f"Folds: cutoffs {', '.join(map(str, report['folds'].get('cutoffs', [])))}; "
        f"horizon {report['folds'].get('horizon')} steps.",
        "",
        *_table(report["cv_table"], ["family", "params", "n_folds", "wape", "mase", "coverage_80"]),
        "",
        "## Per fold",
        "",
        "Winner:",
        "",
        *_table(report["per_fold"]["winner"], ["fold", "cutoff", "wape", "mase", "coverage_80"]),
        "",
        "Seasonal naive:",
        "",
        *_table(report["per_fold"][SEASONAL_NAIVE], ["fold", "cutoff", "wape", "mase", "coverage_80"]),
        "",
        "## Durations (seconds)",
        "",
        ", ".join(f"{k}: {float(v):.2f}" for k, v in report["durations"].items()) or "(none)",
        "",
        "## Data",
        "",
        f"{fp.get('rows')} rows, {fp.get('series')} series, {fp.get('date_min')} to {fp.get('date_max')}, "
        f"sha256 `{fp.get('sha256')}`.",
        *reporting_lines(fp),
        "",
        "## Libraries",
        "",
        ", ".join(f"{k} {v}" for k, v in report["libraries"].items()),
        "",
    ]
    return "\n".join(lines)


def _stores(dates: dict[str, str]) -> str:
    return ", ".join(f"{store} (to {date})" for store, date in sorted(dates.items()))


def reporting_lines(fingerprint: dict[str, Any]) -> list[str]:
    """Which date the level was trained through and why (the stores' reporting), for the Data section."""
    if "complete_through" not in fingerprint:
        return []
    text = (
        f"Trained through {fingerprint.get('date_max')}: every store had reported up to "
        f"{fingerprint['complete_through']}."
    )
    if fingerprint.get("stores_ahead"):
        ahead = _stores(fingerprint["stores_ahead"])
        text += f" Later days only some stores had reported were left out: {ahead}."
    if fingerprint.get("stores_closed"):
        text += f" Counted as closed (silent, no sales since): {_stores(fingerprint['stores_closed'])}."
    return ["", text]


def write_reports(folder: str | Path, report: dict[str, Any]) -> dict[str, Path]:
    """Write best_parameters.json, report.json and report.md atomically into ``folder``."""
    out = Path(folder)
    return {
        "best_parameters": write_json_atomic(report["best_parameters"], out / PARAMS_FILE),
        "report_json": write_json_atomic(report, out / REPORT_JSON),
        "report_md": write_text_atomic(render_markdown(report), out / REPORT_MD),
    }
