"""Offline replay of the engine's per-series selection on the real-data suite's windows (development tool).

For each dataset and bench cutoff (the same windows as ``bench_real_series.py``), the engine's CV runs
once on the data up to the cutoff (every candidate's fold paths), and every candidate is refitted on all
of it and forecasts the window. Selection rules are then replayed on the stored folds without refitting:
a rule's forecast of a series is the refit path of the configuration it chose. ``dump`` stores the
folds; ``replay`` scores rules. The engine's own rule (``models.training._select`` + the level floor)
reproduces the suite's ``ours`` column, which checks the replay.

Run: ``.venv/bin/python bench/selection_replay.py dump --quick --out /tmp/replay.pkl [--datasets …]
[--holdout]``, then ``… replay --out /tmp/replay.pkl [--csv bench/results/real_series_….csv]`` (the
engine's rule per dataset, with its ratios to the peers of a bench run on the same windows). A variant is a
function of one window's state returning each series' configuration index (see ``engine_choice``).
``… table --out /tmp/replay.pkl [--datasets …]``: per window, what the engine serves (its mix) and each
family's WAPE on the folds next to its WAPE on the window, on the bench's series (the diagnosis view: do
the folds rank the families as the window does?).
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import holdout_data  # noqa: E402
import real_data  # noqa: E402
from bench_real_series import _cutoffs, to_sales  # noqa: E402


def dump_window(ds: real_data.Dataset, cutoff: pd.Timestamp, extra_panels: dict | None = None) -> dict:
    """The engine's CV state at one cutoff, every configuration's refit paths and the window's truth."""
    from models.backtest import apply_fallbacks, cross_validate, raw_predict
    from models.candidates import COMBINATION
    from models.candidates.combination import combine
    from models.compute import LocalCompute
    from models.evaluation import fold_truth, make_folds
    from models.selection import horizon_weights, intermittent_series, local_scopes
    from models.series import sales_panel
    from models.training import (
        DEFAULT_CONFIG,
        _score_all,
        candidate_configs,
        fold_horizon,
        min_train_steps,
    )

    config = DEFAULT_CONFIG
    train = ds.df[ds.df["ds"] <= cutoff]
    sales, served = to_sales(train)
    panel = sales_panel(sales, "store", ds.freq, config.holidays, config.events)
    horizon = fold_horizon(ds.freq, len(panel.dates), config.n_folds)
    folds = make_folds(panel.dates, ds.freq, horizon, config.n_folds, min_train_steps(ds.freq))
    positions = folds.positions(panel.dates)
    configs = candidate_configs(config)
    scopes = local_scopes(panel, configs, config.local_budget, False, positions)
    compute = LocalCompute(1)
    preds = cross_validate(panel, configs, scopes, positions, folds, config, lambda _: None, compute)
    overall, _ = _score_all(panel, configs, preds, folds, positions)
    raw, scoped = {}, {}
    for ci, cfg in enumerate(configs):
        if cfg.get("family") == COMBINATION:
            members = [configs.index(m) for m in cfg["members"]]
            raw[ci] = combine([raw[i] for i in members], cfg)
            scoped[ci] = np.logical_and.reduce([scoped[i] for i in members])
            continue
        rows = scopes.get(ci, np.arange(panel.n_series))
        scoped[ci] = np.isin(np.arange(panel.n_series), rows)
        full = np.full((panel.n_series, ds.h), np.nan)
        if len(rows):
            full[rows] = raw_predict(panel, cfg, ds.h, config.random_state, rows)
        raw[ci] = full
    refit = {}
    for ci, r in raw.items():
        paths, _ = apply_fallbacks(panel, r)
        paths[~scoped[ci]] = np.nan
        refit[ci] = paths
    future = pd.date_range(cutoff, periods=ds.h + 1, freq=ds.alias)[1:]
    truth = ds.df[ds.df["ds"].isin(future)].pivot(index="unique_id", columns="ds", values="y")
    served_rows = {uid: panel.ids.index(sid) for uid, sid in served.items()}
    out = {
        "dataset": ds.name,
        "cutoff": cutoff,
        "ids": panel.ids,
        "freq": ds.freq,
        "configs": configs,
        "preds": preds,
        "overall": overall,
        "actual": [fold_truth(panel.values, pos, folds.horizon) for pos in positions],
        "weights": horizon_weights(panel.freq, folds.horizon),
        "intermittent": intermittent_series(panel),
        "refit": refit,
        "served_rows": served_rows,
        "truth": truth,
    }
    for name, alt in (extra_panels or {}).items():  # e.g. LightGBM without the holiday features
        alt_panel = dataclasses.replace(panel, holidays=alt)
        lgbm = next(i for i, c in enumerate(configs) if c.get("family") == "lgbm")
        out[f"extra_{name}"] = {
            "preds": cross_validate(
                alt_panel, [configs[lgbm]], {}, positions, folds, config, lambda _: None, compute
            )[0],
            "refit": apply_fallbacks(
                alt_panel, raw_predict(alt_panel, configs[lgbm], ds.h, 0, np.arange(panel.n_series))
            )[0],
        }
    return out


PEERS = ("SeasonalNaive", "AutoETS", "AutoTheta", "AutoARIMA", "LightGBM")


def _wape(preds: list[np.ndarray], actual: list[np.ndarray]) -> float:
    err = den = 0.0
    for p, a in zip(preds, actual, strict=True):
        cells = ~np.isnan(a) & ~np.isnan(p)
        err += float(np.abs(p[cells] - a[cells]).sum())
        den += float(np.abs(a[cells]).sum())
    return err / den if den else float("nan")


def engine_choice(state: dict, select=None) -> np.ndarray:
    """Each series' configuration as the engine picks it from the stored folds (``models.training``:
    ``_select`` with the held-out combination, then the level's noise-aware seasonal-naive floor).

    ``select``: a replacement for ``models.selection.select_per_series`` (same signature), to try a rule.
    """
    from models.candidates import COMBINATION
    from models.candidates.combination import held_out_combination
    from models.selection import assemble, clearly_worse, select_per_series

    select = select or select_per_series
    configs, preds, actual = state["configs"], state["preds"], state["actual"]
    covered = [int(np.any([np.isfinite(x).any(axis=1) for x in p], axis=0).sum()) for p in preds]
    combo = next((i for i, c in enumerate(configs) if c.get("family") == COMBINATION), None)
    held = None
    if combo is not None:
        full = [
            i for i, c in enumerate(configs) if c.get("family") != COMBINATION and covered[i] == covered[0]
        ]
        held = held_out_combination([configs[i] for i in full], [preds[i] for i in full], actual)
    choice, _ = select(
        actual,
        preds,
        state["weights"],
        state["intermittent"],
        combination=combo,
        combination_held_out=held,
    )
    served = assemble(choice, preds)
    if not _wape(served, actual) <= _wape(preds[0], actual) and clearly_worse(actual, served, preds[0]):
        choice = np.zeros_like(choice)  # the level's seasonal-naive floor, as models.training applies it
    return choice


def served_wape(store: dict, rule=engine_choice) -> pd.Series:
    """WAPE per dataset of the refit paths ``rule`` serves, pooled over series x windows x steps (clipped
    at 0, as the bench scores the engine)."""
    out = {}
    for name, windows in store.items():
        err = den = 0.0
        for state in windows:
            choice = rule(state)
            for uid, row in state["served_rows"].items():
                path = np.clip(state["refit"][int(choice[row])][row], 0, None)
                y = state["truth"].loc[uid].to_numpy(float)
                err += float(np.abs(path - y).sum())
                den += float(np.abs(y).sum())
        out[name] = err / den
    return pd.Series(out, name="wape")


_SHORT = {"seasonal_naive": "SN", "lgbm": "LGB", "ets": "ETS", "theta": "THT", "mstl": "MSTL", "arima": "ARI"}


def _window_wape(state: dict, rows: list[tuple[str, int]], paths: dict[int, np.ndarray]) -> float:
    """WAPE on the bench window of the given series paths (clipped at 0, as the bench scores)."""
    err = den = 0.0
    for uid, row in rows:
        y = state["truth"].loc[uid].to_numpy(float)
        err += float(np.abs(np.clip(paths[row], 0, None) - y).sum())
        den += float(np.abs(y).sum())
    return err / den


def window_table(store: dict, names: list[str] | None = None) -> pd.DataFrame:
    """One row per (dataset, window): the engine's served mix and WAPE, and each family's WAPE on the
    folds / on the window, pooled over the bench's series (families that ran on every one of them).

    Why: the engine can only choose from what its folds say; a window lost with the folds ranking the
    served model first is noise or a break the history did not show, one lost with the folds against it
    is the selection's fault. The all-stores total the engine also trains is left out, as the bench does.
    """
    from models.candidates import COMBINATION

    out = []
    for name in names or list(store):
        for state in store[name]:
            choice = engine_choice(state)
            rows = list(state["served_rows"].items())
            index = [r for _, r in rows]
            labels = [
                "CMB" if c.get("family") == COMBINATION else _SHORT.get(c.get("family"), "")
                for c in state["configs"]
            ]
            served = {r: state["refit"][int(choice[r])][r] for r in index}
            mix = pd.Series([labels[int(choice[r])] or "other" for r in index]).value_counts()
            record = {
                "dataset": name,
                "cutoff": state["cutoff"].date(),
                "served": " ".join(f"{k}:{v}" for k, v in mix.items()),
                "ours": _window_wape(state, rows, served),
            }
            for ci, label in enumerate(labels):
                paths = {r: state["refit"][ci][r] for r in index}
                if not label or any(np.isnan(p).any() for p in paths.values()):
                    continue  # another family, or not run on every bench series (budget, screening)
                folds = [p[index] for p in state["preds"][ci]]
                record[f"{label}_folds"] = _wape(folds, [a[index] for a in state["actual"]])
                record[f"{label}_window"] = _window_wape(state, rows, paths)
            out.append(record)
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    """``dump``: store the CV state of every dataset's windows in a pickle; ``replay``: score the engine's
    rule on it (and compare with a bench run's peers); ``table``: folds vs window per family and window."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["dump", "replay", "table"])
    parser.add_argument("--csv", type=Path, default=None, help="replay: a bench CSV of the same windows")
    parser.add_argument("--datasets", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--holdout", action="store_true", help="the held-out registry (holdout_data.py)")
    parser.add_argument("--no-holidays", action="store_true", help="also LightGBM with HOLIDAYS=none")
    args = parser.parse_args(argv)
    if args.command == "table":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            store = pickle.loads(args.out.read_bytes())
            table = window_table(store, [n for n in args.datasets.split(",") if n] or None)
        pct = table.select_dtypes("number").columns
        table[pct] = (100 * table[pct]).round(1)
        print(table.to_string(index=False))
        return 0
    if args.command == "replay":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = served_wape(pickle.loads(args.out.read_bytes())).to_frame("replayed")
        if args.csv is not None:
            wape = pd.read_csv(args.csv).pivot(index="dataset", columns="method", values="wape")
            peers = [m for m in PEERS if m in wape]
            table = table.join(wape[["ours"]] if "ours" in wape else wape[[]])
            table["vs_best_peer"] = table["replayed"] / wape[peers].min(axis=1).reindex(table.index)
            table["vs_naive"] = table["replayed"] / wape["SeasonalNaive"].reindex(table.index)
        print(table.round(4).to_string())
        return 0
    specs = holdout_data.SPECS if args.holdout else real_data.SPECS
    names = [n for n in args.datasets.split(",") if n] or list(specs)
    store = {}
    if args.out.exists():
        store = pickle.loads(args.out.read_bytes())
    for name in names:
        if name in store or not real_data.available(name, specs):
            continue
        quick = {"max_series": 8, "max_windows": 2} if args.quick else {}
        ds = real_data.load(name, specs=specs, **quick)
        extra = {"none": "none"} if args.no_holidays and ds.freq == "D" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            store[name] = [dump_window(ds, c, extra) for c in _cutoffs(ds)]
        args.out.write_bytes(pickle.dumps(store))
        print(f"dumped {name}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
