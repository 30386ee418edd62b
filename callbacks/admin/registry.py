"""Admin › Models callbacks, registry part: the versions grid, compare, promote (rollback), report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from callbacks.guards import admin_only
from components import ids
from components.admin.common import format_number, format_pct, message
from components.admin.registry import backtest_figure, compare_table, report_view
from components.forecast_figures import GRAPH_CONFIG
from components.formatting import plotly_locale
from components.i18n import N_, _, day, text_language, timestamp, timezone
from data.i18n import readable_text
from models.artifacts import ArtifactError, load_artifact
from models.promotion import decision_from_dict, describe
from models.registry import RegistryError, VersionInfo, get_version, list_versions
from models.reports import METRIC_COLUMNS, REPORT_MD, render_markdown
from models.vocabulary import family_name, metric_name, settings_text
from services.promotion import plan_promotion, promote_version, scores_on_master_folds

REPORT_URL = "/admin/models/{id}/report.{ext}"
_PERCENT = {"wape", "smape", "bias", "coverage_80", "coverage_95"}


def _round_pct(value: Any) -> float | None:
    return None if value is None else round(100 * float(value), 2)


def _text(value: float | None, decimals: int) -> str:
    return "" if value is None else format_number(value, decimals)


def version_rows(
    versions: list[VersionInfo], same_folds: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """Rows of the registry grid: id, level, status, WAPE/MASE vs seasonal naive, the WAPE on the
    current MASTER's folds (``same_folds``, when known), data range, created.

    Numbers stay numbers (the grid sorts them); ``<field>_text`` is what the grid shows (pt-BR).
    """
    rows = []
    same_folds = same_folds or {}
    for v in versions:
        on_master = _round_pct(same_folds.get(v.id))
        metrics = v.metrics or {}
        fp = v.data_fingerprint or {}
        wape = _round_pct(metrics.get("wape"))
        mase = None if metrics.get("mase") is None else round(float(metrics["mase"]), 3)
        baseline = _round_pct((metrics.get("baseline") or {}).get("wape"))
        rows.append(
            {
                "id": v.id,
                "level": v.level,
                "status": v.status,
                "wape": wape,
                "wape_text": _text(wape, 2),
                "mase": mase,
                "mase_text": _text(mase, 3),
                "baseline_wape": baseline,
                "baseline_wape_text": _text(baseline, 2),
                "master_folds_wape": on_master,
                "master_folds_wape_text": _text(on_master, 2) or _("not scored"),
                "family": family_name((v.params or {}).get("family"), text_language()),
                "data_range": f"{day(fp.get('date_min'))} → {day(fp.get('date_max'))}",
                "created_at": v.created_at.isoformat(sep=" ", timespec="seconds"),
                "created_at_text": timestamp(v.created_at, zone=False),
                "source": _(v.source) if v.source else "",
                "decision": decision_text(v),
            }
        )
    return rows


def decision_text(info: VersionInfo) -> str:
    """The version's promotion decision in the reader's language and number format, rendered from the
    decision its report.json keeps; the stored sentence when there is none (or a manual promotion
    replaced it)."""
    stored = info.decision or ""
    try:
        report = json.loads(Path(info.report_path).read_text(encoding="utf-8")) if info.report_path else {}
    except (OSError, ValueError):
        return stored
    decision = report.get("decision") or {}
    if "outcome" not in decision or decision.get("reason") != stored:
        return stored
    return describe(decision_from_dict(decision), text_language())


def selected_ids(rows: list[dict] | None) -> list[str]:
    """Version ids of the grid's selected rows, in selection order."""
    return [r["id"] for r in rows or [] if isinstance(r, dict) and r.get("id")]


def _fmt(metric: str, value: Any) -> str:
    if value is None:
        return "–"
    return format_pct(value, 2) if metric in _PERCENT else format_number(value, 3)


def metric_rows(first: VersionInfo, second: VersionInfo) -> list[dict[str, Any]]:
    """The side-by-side metric table: each metric, its seasonal-naive baseline, and the facts."""
    rows = []
    for m in METRIC_COLUMNS:
        a, b = (first.metrics or {}).get(m), (second.metrics or {}).get(m)
        if a is not None or b is not None:
            rows.append({"metric": metric_name(m, text_language()), "values": [_fmt(m, a), _fmt(m, b)]})
    for label, get in (
        (
            _("Seasonal naive: typical error (WAPE)"),
            lambda v: _fmt("wape", ((v.metrics or {}).get("baseline") or {}).get("wape")),
        ),
        (_("Status"), lambda v: _(v.status)),
        (_("Model"), lambda v: settings_text(v.params, text_language())),
        (
            _("Data range"),
            lambda v: f"{day((v.data_fingerprint or {}).get('date_min'))} → "
            f"{day((v.data_fingerprint or {}).get('date_max'))}",
        ),
        (_("Created"), lambda v: timestamp(v.created_at)),
    ):
        rows.append({"metric": label, "values": [get(first), get(second)]})
    return rows


def total_series(forecaster: Any) -> str | None:
    """The series of all stores together for a forecaster (store level: ``store=*``; else the first ``*``)."""
    ids_ = list(forecaster.series_ids)
    return next((s for s in ids_ if s == "store=*"), None) or next(
        (s for s in ids_ if s.startswith("store=*")), ids_[0] if ids_ else None
    )


def compare_versions(engine: Any, first_id: str, second_id: str) -> html.Div:
    """Metrics side by side and, for two versions of one level, both backtests on the same series."""
    first, second = get_version(engine, first_id), get_version(engine, second_id)
    parts: list[Any] = [
        html.H6(_("Comparison")),
        compare_table(metric_rows(first, second), [first.id, second.id]),
    ]
    if first.level != second.level:
        parts.append(
            message(
                _("The versions belong to different levels; their backtests are not comparable."), "secondary"
            )
        )
        return html.Div(parts)
    try:
        models = [load_artifact(v.artifact_path, expected_level=v.level) for v in (first, second)]
    except ArtifactError as exc:
        parts.append(
            message(_("A model file cannot be loaded, so no backtest chart: %(error)s", error=exc), "warning")
        )
        return html.Div(parts)
    series = total_series(models[0])
    if series is None or series not in models[1].series_ids:
        parts.append(message(_("The two versions share no series to compare."), "secondary"))
        return html.Div(parts)
    backtests = {v.id: m.backtest(series) for v, m in zip((first, second), models, strict=True)}
    figure = backtest_figure(
        backtests, _("Backtest on %(series)s (out-of-sample CV forecasts)", series=series)
    )
    parts.append(dcc.Graph(figure=figure, config={**GRAPH_CONFIG, "locale": plotly_locale()}))
    return html.Div(parts)


def report_markdown(info: VersionInfo) -> str:
    """The version's training report as Markdown in the reader's language (rendered from report.json,
    or the report.md written at training time when the JSON is missing)."""
    if not info.report_path:
        raise RegistryError(N_("version %(id)s has no training report"), id=info.id)
    folder = Path(info.report_path).parent
    report_json = Path(info.report_path)
    if report_json.is_file():
        report = json.loads(report_json.read_text(encoding="utf-8"))
        return render_markdown(report, text_language(), timezone())
    md = folder / REPORT_MD
    if md.is_file():
        return md.read_text(encoding="utf-8")
    raise RegistryError(
        N_("the report files of version %(id)s are missing from %(folder)s"), id=info.id, folder=str(folder)
    )


def promote_question(engine: Any, version_id: str) -> str:
    """The confirmation sentence naming the version and the MASTER it replaces."""
    plan = plan_promotion(engine, version_id)
    if not plan.changes:
        return _(
            "%(version)s already is the MASTER of the %(level)s level.",
            version=plan.version_id,
            level=_(plan.level),
        )
    if plan.previous:
        return _(
            "Make %(version)s the MASTER of the %(level)s level, replacing %(previous)s? "
            "Every worker serves it within seconds.",
            version=plan.version_id,
            level=_(plan.level),
            previous=plan.previous,
        )
    return _(
        "Make %(version)s the MASTER of the %(level)s level? Every worker serves it within seconds.",
        version=plan.version_id,
        level=_(plan.level),
    )


def promote_step(
    engine: Any, trigger: Any, rows: list[dict] | None, reason: str | None, *, actor: str, publish: Any = None
) -> tuple:
    """One step of the "Make MASTER" dialog: open it, cancel, or confirm (promote and audit the reason).

    Returns the callback's outputs: (dialog open, question, message, models-changed stamp, reason field).
    The reason field is emptied at every step, so a later promotion (or rollback) never reuses the
    reason typed for an earlier one.
    """
    chosen = selected_ids(rows)
    if trigger == ids.ADMIN_PROMOTE_CANCEL:
        return False, no_update, no_update, no_update, ""
    if len(chosen) != 1:
        return (
            False,
            no_update,
            message(_("Select exactly one version to make MASTER."), "warning"),
            no_update,
            "",
        )
    try:
        if trigger == ids.ADMIN_PROMOTE:
            return True, promote_question(engine, chosen[0]), None, no_update, ""
        why = (reason or "").strip() or "manual promotion from the admin console"
        promote_version(engine, chosen[0], reason=f"{why} (by {actor})", actor=actor, publish=publish)
    except RegistryError as exc:
        return False, no_update, message(readable_text(exc, text_language()), "danger"), no_update, ""
    done = message(
        _("%(version)s is now MASTER; workers switch to it within seconds.", version=chosen[0]), "success"
    )
    return False, no_update, done, time.time(), ""


def register(app: Dash, services: Any) -> None:
    """Register the registry callbacks (admin-only on the server)."""
    engine = services.engine

    @app.callback(
        Output(ids.ADMIN_REGISTRY_GRID, "rowData"),
        Input(ids.ADMIN_REGISTRY_LEVEL, "value"),
        Input(ids.ADMIN_JOB_STATE, "data"),
        Input(ids.ADMIN_MODELS_CHANGED, "data"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def versions(level: str | None, _job: Any, _changed: Any, _clicks: Any) -> list[dict]:
        chosen = None if level in (None, "all") else level
        return version_rows(list_versions(engine, chosen), scores_on_master_folds(engine))

    @app.callback(
        Output(ids.ADMIN_PROMOTE_MODAL, "is_open"),
        Output(ids.ADMIN_PROMOTE_TEXT, "children"),
        Output(ids.ADMIN_REGISTRY_MESSAGE, "children"),
        Output(ids.ADMIN_MODELS_CHANGED, "data"),
        Output(ids.ADMIN_PROMOTE_REASON, "value"),
        Input(ids.ADMIN_PROMOTE, "n_clicks"),
        Input(ids.ADMIN_PROMOTE_CANCEL, "n_clicks"),
        Input(ids.ADMIN_PROMOTE_CONFIRM, "n_clicks"),
        State(ids.ADMIN_REGISTRY_GRID, "selectedRows"),
        State(ids.ADMIN_PROMOTE_REASON, "value"),
        prevent_initial_call=True,
    )
    @admin_only
    def promote_flow(
        _open: Any, _cancel: Any, _confirm: Any, rows: list[dict] | None, reason: str | None
    ) -> tuple:
        return promote_step(
            engine, ctx.triggered_id, rows, reason, actor=current_user.username, publish=services.config
        )

    @app.callback(
        Output(ids.ADMIN_COMPARE_OUT, "children"),
        Input(ids.ADMIN_COMPARE, "n_clicks"),
        State(ids.ADMIN_REGISTRY_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @admin_only
    def compare(_clicks: Any, rows: list[dict] | None) -> Any:
        chosen = selected_ids(rows)
        if len(chosen) != 2:
            return message(
                _("Select exactly two versions to compare (%(count)s selected).", count=len(chosen)),
                "warning",
            )
        try:
            return compare_versions(engine, chosen[0], chosen[1])
        except RegistryError as exc:
            return message(readable_text(exc, text_language()), "danger")

    @app.callback(
        Output(ids.ADMIN_REPORT_MODAL, "is_open"),
        Output(ids.ADMIN_REPORT_BODY, "children"),
        Input(ids.ADMIN_REPORT, "n_clicks"),
        Input(ids.ADMIN_REPORT_CLOSE, "n_clicks"),
        State(ids.ADMIN_REGISTRY_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @admin_only
    def report(_open: Any, _close: Any, rows: list[dict] | None) -> tuple:
        if ctx.triggered_id == ids.ADMIN_REPORT_CLOSE:
            return False, no_update
        chosen = selected_ids(rows)
        if len(chosen) != 1:
            return True, message(_("Select exactly one version to see its training report."), "warning")
        try:
            text = report_markdown(get_version(engine, chosen[0]))
        except RegistryError as exc:
            return True, message(readable_text(exc, text_language()), "danger")
        links = [
            (_("Download %(format)s", format=ext.upper()), REPORT_URL.format(id=chosen[0], ext=ext))
            for ext in ("md", "json")
        ]
        return True, report_view(text, links)
