"""``monitor``: live accuracy of the archived forecasts by horizon band, next to the back-test.

Every archived snapshot (what was published) is scored against the complete actuals that arrived;
one line per level, store, model version and horizon band: live WAPE, bias and 80/95% coverage, and
the back-test's figures for the same band (coverage: the version's CV coverage over all bands).
``--check-drift`` judges drift now (as the nightly gate does), stores and audits the verdicts.
"""

from __future__ import annotations

import math

import click
from flask.cli import with_appcontext

from app.services import get_services
from data.schema import LEVELS
from services.monitoring import AccuracyReport, accuracy_report, drift_flags, refresh_drift

HEADER = (
    f"{'level':<9}{'store':<10}{'version':<34}{'band':<10}{'points':>8}"
    f"{'WAPE':>8}{'bt WAPE':>9}{'bias':>8}{'bt bias':>9}{'cov80':>7}{'bt80':>6}{'cov95':>7}{'bt95':>6}"
)


def _pct(value: float, width: int) -> str:
    text = "-" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"
    return f"{text:>{width}}"


def report_lines(report: AccuracyReport) -> list[str]:
    """The table as text lines (header first); a sentence when nothing could be scored yet."""
    if not report.rows:
        if report.snapshots == 0:
            return ["No archived forecasts to score yet (forecasts are archived when a model is promoted)."]
        return [f"No archived forecast has complete actuals yet (complete through {report.through})."]
    bands = ", ".join(b.label for b in report.bands)
    lines = [
        f"Live accuracy through {report.through} ({report.snapshots} archived origins; bands: {bands}); "
        "bt = back-test",
        HEADER,
    ]
    for row in report.rows:
        store = "all" if row.store == "*" else row.store
        lines.append(
            f"{row.level:<9}{store[:9]:<10}{row.version[:33]:<34}{row.band:<10}{row.points:>8}"
            f"{_pct(row.wape, 8)}{_pct(row.bt_wape, 9)}{_pct(row.bias, 8)}{_pct(row.bt_bias, 9)}"
            f"{_pct(row.coverage_80, 7)}{_pct(row.bt_coverage_80, 6)}"
            f"{_pct(row.coverage_95, 7)}{_pct(row.bt_coverage_95, 6)}"
        )
    return lines


@click.command("monitor")
@click.option("--level", type=click.Choice(LEVELS), help="One level (default: all).")
@click.option("--store", help="One store's series (default: all stores together).")
@click.option("--each-store", is_flag=True, help="One block per store, and all stores together.")
@click.option("--check-drift", is_flag=True, help="Judge drift now and store the verdicts (audited).")
@with_appcontext
def monitor_cmd(level: str | None, store: str | None, each_store: bool, check_drift: bool) -> None:
    """Live accuracy of archived forecasts by horizon band vs the back-test; drift flags."""
    services = get_services()
    try:
        report = accuracy_report(services, level=level, store=store, each_store=each_store)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report_lines(report):
        click.echo(line)
    states = refresh_drift(services) if check_drift else drift_flags(services)
    for lv, state in sorted(states.items()):
        if level is None or lv == level:
            mark = "DRIFT" if state.flagged else "ok"
            click.echo(f"drift {lv}: {mark} — {state.reason}")
