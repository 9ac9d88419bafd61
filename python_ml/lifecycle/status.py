"""Who is champion, which challengers shadow it, and which artifacts are kept.

A model's status is never written back into the registry rows (ml_training_runs is
append-only, and promotions read predictions that depend on the champion, so a write-back
would make a cycle in the dbt DAG). It is derived from two logs, per task:

- the registry rows: the best model of a task's first training run is its initial champion;
- the promotions log (ml_model_promotions): each decision records the champion after it.

Statuses: `champion` (the champion after the task's latest decision, else the initial one),
`challenger` (the other models of the task's latest training run, unless they were champion
before) and `retired` (everything else). Scoring reads the promotions log as the previous run
left it, so a promotion takes effect from the next run on.
"""

from __future__ import annotations

import pandas as pd


def _versions(values: pd.Series) -> set[int]:
    return {int(v) for v in values.dropna()}


def current_champion(runs: pd.DataFrame, promotions: pd.DataFrame, task: str) -> int | None:
    decided = promotions[promotions["task"] == task] if len(promotions) else promotions
    if len(decided):
        return int(decided.sort_values("decision_id")["champion_after"].iloc[-1])
    initial = runs[(runs["task"] == task) & (runs["status"] == "champion")]
    return int(initial["model_version"].max()) if len(initial) else None


def model_statuses(runs: pd.DataFrame, promotions: pd.DataFrame) -> pd.DataFrame:
    """model_version, task, status for every registered model (see the module docstring)."""
    out = []
    for task, rows in runs.groupby("task", sort=True):
        champion = current_champion(runs, promotions, str(task))
        decided = promotions[promotions["task"] == task] if len(promotions) else promotions
        former = (
            _versions(decided["champion_before"]) | _versions(decided["champion_after"])
            if len(decided)
            else set()
        )
        former |= _versions(rows.loc[rows["status"] == "champion", "model_version"])
        newest_run = rows.sort_values("model_version")["dbt_invocation_id"].iloc[-1]
        for row in rows.itertuples():
            version = int(row.model_version)
            if version == champion:
                status = "champion"
            elif row.dbt_invocation_id == newest_run and version not in former:
                status = "challenger"
            else:
                status = "retired"
            out.append({"model_version": version, "task": str(task), "status": status})
    return pd.DataFrame(out, columns=["model_version", "task", "status"])


def former_champions(runs: pd.DataFrame, promotions: pd.DataFrame) -> list[int]:
    """Models that were champion, most recently replaced first."""
    out: list[int] = []
    if len(promotions):
        for version in promotions.sort_values("decision_id", ascending=False)["champion_before"]:
            if pd.notna(version) and int(version) not in out:
                out.append(int(version))
    for version in runs.loc[runs["status"] == "champion", "model_version"]:
        if int(version) not in out:
            out.append(int(version))
    return out


def retained_versions(
    statuses: pd.DataFrame, keep: int, former: list[int] | None = None
) -> set[int]:
    """Versions whose artifacts are kept: champions and challengers always, then former
    champions (most recently replaced first: the likely rollback targets), then the newest
    other retired ones, until `keep` artifacts in all."""
    live = statuses[statuses["status"] != "retired"]
    retired = set(_versions(statuses.loc[statuses["status"] == "retired", "model_version"]))
    order = [v for v in (former or []) if v in retired]
    order += sorted(retired - set(order), reverse=True)
    room = max(keep - len(live), 0)
    return _versions(live["model_version"]) | set(order[:room])


def artifacts_to_prune(runs: pd.DataFrame, promotions: pd.DataFrame, keep: int) -> list[int]:
    """Versions whose stored artifact goes (var ml_lifecycle.keep_artifacts): the registry
    row stays, the model text is nulled. Champions and challengers are always kept."""
    if not len(runs):
        return []
    statuses = model_statuses(runs, promotions)
    keep_set = retained_versions(statuses, keep, former_champions(runs, promotions))
    present = runs[runs["model_artifact"].notna()]["model_version"]
    return sorted(int(v) for v in present if int(v) not in keep_set)
