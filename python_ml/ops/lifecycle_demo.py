"""`make lifecycle`: the model lifecycle on the demo warehouse, end to end, on a copy.

1. Copy the demo warehouse and its raw sample to warehouse/lifecycle/ (the demo is untouched).
2. Append new days to the sample's live feed, with a drift regime starting at the first new
   hour, and run the hourly path after each day (score by the champion, drift, inference log).
3. Run the daily path: each task retrains walk-forward on the windows ending at its newest
   labelled target (the drift days included) and registers challengers.
4. Append two more weeks and run the daily path again: the champions score them, the
   challengers shadow-score them, and the promotion gates decide on their labelled days.
5. One more hourly run, so that a promoted challenger serves and its stability is measured.
6. Print drift alerts per day, the shadow comparison and the promotion decisions.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from python_ml.data.opsd_sample import DriftRegime, append_opsd_sample
from python_ml.ops import runs

# the task whose drift the daily lines and the summary's drift table follow
TASK = "spike_risk"


@dataclass(frozen=True)
class LifecycleSpec:
    source_warehouse: Path
    source_raw: Path
    out_dir: Path
    days: int = 10
    drift_kind: str = "fuel_price"
    drift_magnitude: float = 2.5
    # days appended after the retrain, shadow-scored and judged by the next daily run
    shadow_days: int = 14


class LifecycleError(Exception):
    """A precondition the user can fix (e.g. no demo warehouse yet)."""


def _prepare(spec: LifecycleSpec) -> tuple[Path, Path]:
    if not spec.source_warehouse.exists():
        raise LifecycleError(f"{spec.source_warehouse}: no demo warehouse; run `make demo` first")
    sidecar = spec.source_raw / "opsd" / ".opsd_sample.json"
    if not sidecar.exists():
        raise LifecycleError(
            f"{sidecar}: the lifecycle demo appends to the generated sample; "
            "run `make demo` (python -m python_ml generate opsd) first"
        )
    if spec.out_dir.exists():
        shutil.rmtree(spec.out_dir)
    spec.out_dir.mkdir(parents=True)
    warehouse = spec.out_dir / "open_power.duckdb"
    shutil.copyfile(spec.source_warehouse, warehouse)
    raw = spec.out_dir / "raw"
    shutil.copytree(spec.source_raw, raw)
    return warehouse, raw


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _severities(warehouse: Path, version: int, grain: str) -> str:
    """Alert and warn counts of one grain's features x zones on its latest judged day."""
    row = _query(
        warehouse,
        """
        select count(*) filter (where severity = 'alert'),
               count(*) filter (where severity = 'warn'),
               count(*) filter (where severity <> 'insufficient')
        from mon_feature_drift_psi
        where model_version = ? and grain = ? and drift_date = (
            select max(drift_date) from mon_feature_drift_psi
            where model_version = ? and grain = ?)""",
        [version, grain, version, grain],
    )[0]
    return f"{row[0]} alert, {row[1]} warn of {row[2]} judged"


def _day_line(warehouse: Path, day: str) -> str:
    champion = _query(
        warehouse,
        "select model_version, rows_scored, alerts_raised from "
        "mon_inference_runs where role = 'champion' and task = ? "
        "order by started_at_utc desc limit 1",
        [TASK],
    )[0]
    score = _query(
        warehouse,
        "select max(psi) from mon_prediction_drift where model_version = ? and drift_date = ?",
        [champion[0], day],
    )
    psi = score[0][0]
    return (
        f"{day}  champion v{champion[0]} scored {champion[1]:>3} rows, {champion[2]:>2} "
        f"alerts | hourly features: {_severities(warehouse, champion[0], 'target')} | "
        f"score PSI max {'-' if psi is None else f'{psi:.3f}'}"
    )


def run(spec: LifecycleSpec) -> int:
    warehouse, raw = _prepare(spec)
    base = {"raw_dir": str(raw)}
    sidecar = json.loads((raw / "opsd" / ".opsd_sample.json").read_text())
    start = sidecar["last_actual_utc"]
    print(
        f"[lifecycle] copy of the demo warehouse in {spec.out_dir}; appending {spec.days} "
        f"days after {start} with a {spec.drift_kind} drift (x{spec.drift_magnitude}, ramped "
        "over 14 days)",
        flush=True,
    )
    days: list[str] = []
    for number in range(1, spec.days + 1):
        drift = None
        if number == 1:
            drift = DriftRegime(
                start=_next_hour(start), kind=spec.drift_kind, magnitude=spec.drift_magnitude
            )  # type: ignore[arg-type]
        result = append_opsd_sample(raw / "opsd", 24, drift=drift)
        code = runs.run_path("hourly", warehouse, base, ["--quiet"])
        if code:
            print(f"[lifecycle] hourly run {number} failed (exit {code})", flush=True)
            return code
        day = _latest_scored_day(warehouse)
        days.append(day)
        print(
            f"[lifecycle] day {number:>2}: actuals to {result.last_actual_utc}; "
            + _day_line(warehouse, day),
            flush=True,
        )
    print(
        "[lifecycle] daily run: walk-forward retraining of every task up to its newest label",
        flush=True,
    )
    decisions_before = _query(warehouse, "select count(*) from ml_model_promotions")[0][0]
    code = runs.run_path("daily", warehouse, base, ["--quiet"])
    if code:
        print(f"[lifecycle] daily run failed (exit {code})", flush=True)
        return code
    append_opsd_sample(raw / "opsd", 24 * spec.shadow_days)
    print(
        f"[lifecycle] {spec.shadow_days} more days; daily run: champions score them, "
        "challengers shadow-score them, the gates decide",
        flush=True,
    )
    code = runs.run_path("daily", warehouse, base, ["--quiet"])
    if code:
        print(f"[lifecycle] daily run failed (exit {code})", flush=True)
        return code
    append_opsd_sample(raw / "opsd", 24)
    code = runs.run_path("hourly", warehouse, base, ["--quiet"])
    if code:
        return code
    print(summary(warehouse, days, decisions_before), flush=True)
    return 0


def _next_hour(iso_utc: str) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")) + timedelta(hours=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")  # naive: UTC to DriftRegime


def _latest_scored_day(warehouse: Path) -> str:
    return str(
        _query(
            warehouse, "select max(drift_date) from mon_prediction_drift where task = ?", [TASK]
        )[0][0]
    )


def summary(warehouse: Path, days: list[str], decisions_before: int) -> str:
    lines = ["", "=" * 100, "Lifecycle summary", "=" * 100]
    first_champion = _query(
        warehouse,
        "select champion_before from ml_model_promotions "
        "where task = ? order by decision_id limit 1",
        [TASK],
    )
    lines.append(
        "Drift of the serving champion (per day, trailing windows; features against "
        "its training rows, the score against its validation window; a feature x "
        "zone is judged when its window is large enough):"
    )
    version = first_champion[0][0] if first_champion else 1
    rows = _query(
        warehouse,
        """
        with f as (
            select drift_date,
                   count(*) filter (where severity = 'alert' and grain = 'target') as alerts,
                   count(*) filter (where severity = 'warn' and grain = 'target') as warns,
                   count(*) filter (where severity <> 'insufficient' and grain = 'target') as n,
                   count(*) filter (where severity = 'alert' and grain = 'origin') as o_alerts,
                   count(*) filter (where severity <> 'insufficient' and grain = 'origin')
                       as o_n
            from mon_feature_drift_psi where model_version = ? group by drift_date),
        p as (
            select drift_date, max(psi) as psi from mon_prediction_drift
            where model_version = ? group by drift_date)
        select f.drift_date, f.alerts, f.warns, f.n, f.o_alerts, f.o_n, p.psi
        from f join p using (drift_date)
        order by f.drift_date desc limit ?""",
        [version, version, len(days) + 7],
    )
    lines.append(f"  {'':<12}{'hourly features x zones':>28}{'daily (origin) features':>26}")
    lines.append(
        f"  {'day':<12}{'alert':>12}{'warn':>8}{'judged':>8}{'alert':>12}{'judged':>10}"
        f"{'score PSI (max zone)':>24}"
    )
    for day, alerts, warns, n, o_alerts, o_n, psi in sorted(rows):
        marker = "  <- drift regime" if str(day) in days else ""
        lines.append(
            f"  {str(day):<12}{alerts:>12}{warns:>8}{n:>8}{o_alerts:>12}{o_n:>10}"
            f"{psi:>24.3f}{marker}"
        )
    for grain, label in (("target", "hourly"), ("origin", "daily")):
        top = _query(
            warehouse,
            """
            select feature, round(max(psi), 2) from mon_feature_drift_psi
            where model_version = ? and drift_date = ? and severity in ('warn', 'alert')
              and grain = ?
            group by feature order by 2 desc limit 5""",
            [version, days[-1], grain],
        )
        lines.append(
            f"  most drifted {label} features on {days[-1]} (worst zone): "
            + (", ".join(f"{f} {p}" for f, p in top) or "none judged")
        )
    decisions = _query(
        warehouse,
        """
        select decision, challenger_version, champion_before, champion_after, labelled_rows,
               positives, champion_value, challenger_value, difference, ci_low, ci_high, reason,
               gates_json, window_start_utc, window_end_utc, task, metric
        from ml_model_promotions where decision_id > ? and window_end_utc is not null
        order by decision_id""",
        [decisions_before],
    )
    lines += ["", "Shadow comparison (labelled rows both scored, promotion window):"]
    for d in decisions:
        shadow = _query(
            warehouse,
            """
            select sum(labelled_rows),
                   sum(coalesce(brier_champion, mae_champion) * labelled_rows)
                       / sum(labelled_rows),
                   sum(coalesce(brier_challenger, mae_challenger) * labelled_rows)
                       / sum(labelled_rows),
                   avg(rank_correlation)
            from mon_shadow_comparison
            where task = ? and challenger_version = ? and champion_version = ?
              and target_date between cast(? as date) and cast(? as date)""",
            [d[15], d[1], d[2], d[13], d[14]],
        )[0]
        loss = "Brier" if d[16] == "pr_auc" else "MAE"
        positives = f", {d[5]} positives" if d[5] is not None else ""
        lines.append(
            f"  {d[15]}: challenger v{d[1]} vs champion v{d[2]}, {d[13]:%Y-%m-%d} to "
            f"{d[14]:%Y-%m-%d}: {d[4]} rows{positives}\n"
            f"    {d[16]} champion {_v(d[6])}, challenger {_v(d[7])}, difference {_f(d[8])} "
            f"[{_f(d[9])}, {_f(d[10])}]; daily {loss} champion {_v(shadow[1])}, challenger "
            f"{_v(shadow[2])}; mean daily rank correlation {_v(shadow[3])}"
        )
    lines += ["", "Promotion decision:"]
    for d in decisions:
        lines.append(f"  {d[15]} {d[0].upper()}: challenger v{d[1]}; champion v{d[2]} -> v{d[3]}")
        for gate in json.loads(d[12]):
            lines.append(
                f"    [{'pass' if gate['passed'] else 'FAIL'}] {gate['gate']}: {gate['detail']}"
            )
    if not decisions:
        lines.append("  no decision (no challenger, or the same window was decided before)")
    stability = _query(
        warehouse,
        "select task, previous_version, new_version, rows_compared, "
        "mean_abs_change, p99_abs_change, alert_flips "
        "from mon_prediction_stability",
    )
    for s in stability:
        lines.append(
            f"  {s[0]} stability v{s[1]} -> v{s[2]}: {s[3]} rows, mean |change| "
            f"{s[4]:.4f}, p99 {s[5]:.4f}, {s[6]} alerts flipped"
        )
    runs_logged = _query(warehouse, "select count(*), sum(rows_scored) from mon_inference_runs")
    lines += [
        "",
        f"Inference log: {runs_logged[0][0]} scoring runs, {runs_logged[0][1]} rows "
        f"({warehouse.parent / 'logs' / 'inference.jsonl'})",
        f"Warehouse: {warehouse}   Report: python -m python_ml report --warehouse {warehouse}",
        "=" * 100,
    ]
    return "\n".join(lines)


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _v(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
