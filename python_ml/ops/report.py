"""`python -m python_ml report`: one static HTML page on a classification task's models
(default spike_risk), viewable offline.

Every plot is an inline SVG drawn by matplotlib from the warehouse's monitoring tables; the
page loads nothing (no script, no CDN, no image file). Sections:

1. Reliability: mean predicted probability against observed spike frequency, per model, on
   the labelled rows each scored.
2. Drift: PSI per feature and day for the serving champion (worst zone), features ordered by
   their largest PSI; windows too small to judge are blank.
3. Alert rate per day against the target the threshold was chosen for.
4. Champion against challengers over time: daily Brier score on the rows both scored.
5. Feature importance of the champion (total gain).
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# text stays text in the SVG (searchable, smaller); the viewer's sans-serif draws it
os.environ.setdefault("MPLBACKEND", "Agg")

TOP_FEATURES = 40


@dataclass
class Figure:
    key: str
    title: str
    caption: str
    svg: str | None  # None: nothing to plot yet, the caption says why


def _frame(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype: inline in HTML
    return re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # RDF creator block


def _pyplot():
    import matplotlib

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    import matplotlib.pyplot as plt

    return plt


@dataclass(frozen=True)
class TaskInfo:
    name: str
    mart: str
    label: str
    entity: str
    target_time: str


def task_info(con, task: str) -> TaskInfo:
    """The task's mart, label and key columns, from ml_tasks and the mart's schema record."""
    from python_ml.features.schema import latest_schema

    found = _frame(con, "select mart, config_json from ml_tasks where task = ?", [task])
    if found.empty:
        raise FileNotFoundError(f"task {task} is not in ml_tasks; run `make demo` first")
    config = json.loads(found["config_json"][0])
    if config.get("kind") != "classification":
        raise FileNotFoundError(
            f"task {task} is a {config.get('kind')} task; the report plots a classification task"
        )
    schema = latest_schema(
        _frame(con, "select * from feature_schema_versions"), str(found["mart"][0])
    )
    return TaskInfo(
        task,
        schema.model_name,
        str(config["label"]),
        schema.key("entity"),
        schema.key("target_time"),
    )


def champion(con, task: TaskInfo) -> dict[str, object] | None:
    rows = _frame(
        con,
        """
        select model_version, model_family, calibration_method, threshold, threshold_json,
               feature_importance_json, test_metrics_json, trained_at_utc
        from ml_model_registry where status = 'champion' and task = ?
        order by model_version desc limit 1""",
        [task.name],
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def reliability(con, task: TaskInfo, bins: int = 10) -> Figure:
    data = _frame(
        con,
        f"""
        select s.role, s.model_version, s.score as p, cast(m.{task.label} as int) as y
        from ml_predictions s
        join {task.mart} m on s.entity = cast(m.{task.entity} as varchar)
            and s.target_ts_utc = m.{task.target_time}
        where s.task = ? and m.{task.label} is not null""",
        [task.name],
    )
    caption = (
        "Calibrated probability against observed frequency in ten equal-count bins of "
        "each model's labelled predictions (champion and challengers, ml_predictions). "
        "On the diagonal, a probability of 5 % means events 5 % of the time."
    )
    if data.empty:
        return Figure("reliability", "Reliability", caption + " No labelled predictions yet.", None)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    top = 0.0
    for (role, version), group in data.groupby(["role", "model_version"], sort=True):
        order = np.argsort(group["p"].to_numpy(), kind="mergesort")
        parts = np.array_split(order, min(bins, len(order)))
        p = group["p"].to_numpy()
        y = group["y"].to_numpy()
        mean_p = [p[i].mean() for i in parts if len(i)]
        freq = [y[i].mean() for i in parts if len(i)]
        top = max(top, max(mean_p), max(freq))
        ax.plot(
            mean_p,
            freq,
            marker="o",
            linewidth=1.5 if role == "champion" else 1,
            linestyle="-" if role == "champion" else "--",
            label=f"v{version} ({role}, {len(group):,} rows)",
        )
    top = min(1.0, top * 1.1 + 1e-3)
    ax.plot([0, top], [0, top], color="grey", linewidth=0.8, label="perfect calibration")
    ax.set(
        xlim=(0, top),
        ylim=(0, top),
        xlabel="mean predicted probability",
        ylabel="observed frequency",
    )
    ax.legend(loc="upper left", frameon=False)
    return Figure("reliability", "Reliability", caption, _svg(fig))


def drift_heatmap(con, version: int | None) -> Figure:
    caption = (
        f"PSI of each feature against the champion's training rows, per day (worst "
        f"entity), for the {TOP_FEATURES} features with the largest PSI; blank where the "
        "trailing window is too small to judge (severity insufficient). Colour "
        "breaks at the warn (0.1) and alert (0.25) thresholds of var drift."
    )
    data = (
        pd.DataFrame()
        if version is None
        else _frame(
            con,
            """
        select feature, drift_date, max(psi) as psi
        from mon_feature_drift_psi
        where model_version = ? and severity <> 'insufficient'
        group by feature, drift_date""",
            [version],
        )
    )
    if data.empty:
        return Figure("drift", "Feature drift (PSI)", caption + " No judged window yet.", None)
    plt = _pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap

    order = (
        data.groupby("feature")["psi"]
        .max()
        .sort_values(ascending=False)
        .head(TOP_FEATURES)
        .index.tolist()
    )
    grid = data.pivot(index="feature", columns="drift_date", values="psi").loc[order]
    fig, ax = plt.subplots(figsize=(9.5, 0.2 * len(order) + 1.6))
    cmap = ListedColormap(["#e8f1e4", "#f6d776", "#d7301f"])
    norm = BoundaryNorm([0, 0.1, 0.25, max(1.0, float(np.nanmax(grid.to_numpy())) + 1)], cmap.N)
    image = ax.imshow(
        np.ma.masked_invalid(grid.to_numpy(dtype=float)),
        aspect="auto",
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
    )
    ax.set_yticks(range(len(order)), order, fontsize=7)
    dates = [pd.Timestamp(d) for d in grid.columns]
    step = max(1, len(dates) // 12)
    ax.set_xticks(
        range(0, len(dates), step),
        [d.strftime("%Y-%m-%d") for d in dates[::step]],
        rotation=45,
        ha="right",
    )
    bar = fig.colorbar(image, ax=ax, ticks=[0.05, 0.175, 0.6], fraction=0.03)
    bar.ax.set_yticklabels(["ok < 0.1", "warn", "alert >= 0.25"])
    ax.set_title(f"model v{version}", loc="left")
    return Figure("drift", "Feature drift (PSI)", caption, _svg(fig))


def alert_rate(con, task: TaskInfo, target: float | None) -> Figure:
    data = _frame(
        con,
        """
        select model_version, cast(target_ts_utc as date) as day,
               avg(case when is_alert then 1.0 else 0.0 end) as rate, count(*) as n
        from ml_predictions where task = ? and role = 'champion'
        group by 1, 2 order by 1, 2""",
        [task.name],
    )
    caption = (
        "Share of hours alerting per day, per serving model, against the alert-rate "
        "target the threshold was chosen for (var ml_tasks.<task>.alert_rate_target)."
    )
    if data.empty:
        return Figure("alert_rate", "Alert rate", caption + " No predictions yet.", None)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9.5, 3.4))
    for version, group in data.groupby("model_version"):
        ax.plot(pd.to_datetime(group["day"]), group["rate"], linewidth=1, label=f"v{version} daily")
        ax.plot(
            pd.to_datetime(group["day"]),
            group["rate"].rolling(7, min_periods=1).mean(),
            linewidth=2,
            label=f"v{version} 7-day mean",
        )
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    ax.set(ylabel="alert rate", ylim=(0, None))
    ax.legend(frameon=False, ncol=3)
    fig.autofmt_xdate()
    return Figure("alert_rate", "Alert rate against its target", caption, _svg(fig))


def champion_vs_challengers(con, task: TaskInfo) -> Figure:
    data = _frame(
        con,
        """
        select champion_version, challenger_version, target_date, brier_champion,
               brier_challenger, labelled_rows
        from mon_shadow_comparison where task = ? order by target_date""",
        [task.name],
    )
    caption = (
        "Daily Brier score (lower is better) of the champion and each challenger on the "
        "labelled rows both scored (mon_shadow_comparison), 7-day means. The promotion "
        "decision uses PR-AUC with a bootstrap interval (ml_model_promotions)."
    )
    if data.empty:
        return Figure(
            "shadow",
            "Champion and challengers",
            caption + " No shadow predictions with labels yet.",
            None,
        )
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9.5, 3.4))
    for champion_version, group in data.groupby("champion_version"):
        first = group.drop_duplicates("target_date")
        ax.plot(
            pd.to_datetime(first["target_date"]),
            first["brier_champion"].rolling(7, min_periods=1).mean(),
            linewidth=2,
            color="black",
            label=f"champion v{champion_version}",
        )
        for challenger, rows in group.groupby("challenger_version"):
            ax.plot(
                pd.to_datetime(rows["target_date"]),
                rows["brier_challenger"].rolling(7, min_periods=1).mean(),
                linewidth=1.2,
                linestyle="--",
                label=f"challenger v{challenger}",
            )
    ax.set(ylabel="Brier score, 7-day mean", ylim=(0, None))
    ax.legend(frameon=False, ncol=3)
    fig.autofmt_xdate()
    return Figure("shadow", "Champion and challengers over time", caption, _svg(fig))


def importance(record: dict[str, object] | None, top: int = 20) -> Figure:
    caption = (
        f"The champion's {top} most important features by total gain (share of the "
        "model's total), from the registry (feature_importance_json)."
    )
    if record is None:
        return Figure("importance", "Feature importance", caption + " No champion yet.", None)
    gains = pd.Series(json.loads(str(record["feature_importance_json"])), dtype=float)
    gains = (gains / gains.sum()).sort_values(ascending=False).head(top)[::-1]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 0.22 * len(gains) + 1.0))
    ax.barh(gains.index, gains.to_numpy(), color="#3b6ea5")
    ax.set(xlabel="share of total gain")
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(f"model v{record['model_version']} ({record['model_family']})", loc="left")
    return Figure("importance", "Feature importance", caption, _svg(fig))


def _summary_rows(con, task: TaskInfo) -> list[tuple[str, str]]:
    rows = []
    registry = _frame(
        con,
        "select model_version, model_family, status, trained_at_utc "
        "from ml_model_registry where task = ? order by model_version",
        [task.name],
    )
    for r in registry.itertuples():
        rows.append(
            (
                f"v{r.model_version}",
                f"{r.model_family}, {r.status}, trained "
                f"{pd.Timestamp(r.trained_at_utc):%Y-%m-%d %H:%M} UTC",
            )
        )
    decisions = _frame(
        con,
        "select decision_id, decision, challenger_version, champion_before,"
        " champion_after, reason from ml_model_promotions where task = ? "
        "order by decision_id desc limit 5",
        [task.name],
    )
    for d in decisions.itertuples():
        rows.append(
            (
                f"decision {d.decision_id}",
                f"{d.decision}: challenger "
                f"v{d.challenger_version}, champion v{d.champion_before} -> "
                f"v{d.champion_after}; {d.reason}",
            )
        )
    runs = _frame(
        con,
        "select count(*) n, sum(rows_scored) r, max(started_at_utc) "
        "as last_run from mon_inference_runs where task = ?",
        [task.name],
    )
    if len(runs) and runs["n"][0]:
        rows.append(
            (
                "inference log",
                f"{runs['n'][0]} scoring runs, {int(runs['r'][0]):,} "
                f"rows, last {pd.Timestamp(runs['last_run'][0]):%Y-%m-%d %H:%M} UTC",
            )
        )
    return rows


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
td, th { padding: 0.2rem 0.8rem 0.2rem 0; vertical-align: top; text-align: left; }
figure { margin: 0.5rem 0; } figcaption { color: #555; font-size: 0.85rem; max-width: 60rem; }
.plot svg { max-width: 100%; height: auto; } .empty { color: #a33; }
"""


def render(
    figures: list[Figure], summary: list[tuple[str, str]], warehouse: Path, task: str
) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Open Power ML: model report</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        f"<h1>Open Power ML: model report, task {html.escape(task)}</h1>",
        f"<p>Warehouse <code>{html.escape(str(warehouse))}</code>, generated "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        "<table>",
    ]
    parts += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary]
    parts.append("</table>")
    for f in figures:
        parts.append(f'<section id="{f.key}"><h2>{html.escape(f.title)}</h2><figure>')
        if f.svg:
            parts.append(f'<div class="plot">{f.svg}</div>')
        else:
            parts.append('<p class="empty">Nothing to plot yet.</p>')
        parts.append(f"<figcaption>{html.escape(f.caption)}</figcaption></figure></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(warehouse: Path, out_dir: Path, task: str = "spike_risk") -> Path:
    """Write out_dir/index.html from the warehouse (opened read-only); return its path."""
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse; run `make demo` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        info = task_info(con, task)
        record = champion(con, info)
        version = int(record["model_version"]) if record else None  # type: ignore[arg-type]
        target = None
        if record:
            target = json.loads(str(record["threshold_json"])).get("alert_rate_target")
        figures = [
            reliability(con, info),
            drift_heatmap(con, version),
            alert_rate(con, info, target),
            champion_vs_challengers(con, info),
            importance(record),
        ]
        summary = _summary_rows(con, info)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    temporary = page.with_suffix(".html.tmp")
    temporary.write_text(render(figures, summary, warehouse, task), encoding="utf-8")
    temporary.replace(page)
    return page
