# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Open Power ML: a walk through the warehouse
#
# This notebook reads the warehouse that `make demo` builds (`warehouse/open_power.duckdb`)
# and follows one use case, price-spike risk per bidding zone, from the raw file to a
# scored hour:
#
# 1. raw file → staging → hourly layer → feature mart;
# 2. the model registry and the evaluation beside the baselines, with a reliability curve;
# 3. predictions, alerts and drift;
# 4. how new data gets scored.
#
# It only reads: the connection is read-only, so a scheduled `dbt build` is never blocked
# by it. Render it with `make notebook` (HTML under `warehouse/notebook/`), or open it in
# Jupyter with jupytext. Point it at another warehouse with `OPEN_POWER_DUCKDB`.

# %%
import json
import os
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import pandas as pd

pd.set_option("display.max_columns", 12)
pd.set_option("display.width", 120)


def project_root() -> Path:
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").exists():
            return folder
    raise FileNotFoundError(f"no dbt_project.yml in {here} or above: run from the project")


ROOT = project_root()
WAREHOUSE = Path(os.environ.get("OPEN_POWER_DUCKDB", ROOT / "warehouse" / "open_power.duckdb"))
RAW_DIR = Path(os.environ.get("OPEN_POWER_RAW_DIR", ROOT / "warehouse" / "raw"))
if not WAREHOUSE.is_absolute():
    WAREHOUSE = ROOT / WAREHOUSE
if not WAREHOUSE.exists():
    raise FileNotFoundError(f"{WAREHOUSE} does not exist: run `make demo` first")
con = duckdb.connect(str(WAREHOUSE), read_only=True)


def sql(query: str) -> pd.DataFrame:
    return con.sql(query).df()


print(f"warehouse: {WAREHOUSE}")

# %% [markdown]
# ## 1. Raw → features
#
# The raw OPSD time-series file is wide: one row per UTC hour, one column per zone and
# variable. dbt reads it by header name, all text, and fails the build with the file,
# column, line and rule when something is wrong (docs/checks.md).

# %%
raw_file = RAW_DIR / "opsd" / "time_series_60min_singleindex.csv"
if raw_file.exists():
    raw = pd.read_csv(raw_file, nrows=3, dtype=str)
    print(f"{raw_file.name}: {raw.shape[1]} columns")
    display(raw.iloc[:, :6])  # noqa: F821 (IPython provides display)
else:
    print(f"{raw_file} is not here (the warehouse was built from another raw folder)")

# %% [markdown]
# Staging makes it long, typed and in UTC, one row per non-empty cell, each row keeping
# the file and line it came from:

# %%
sql("""
    select ts_utc, zone, variable, value, source_column, source_line
    from stg_opsd__time_series
    order by ts_utc, zone, variable
    limit 5
""")

# %% [markdown]
# The hourly layer puts every zone on a complete hourly grid (missing hours are rows with
# a flag, never silently dropped), with local time and holidays:

# %%
sql("""
    select zone, ts_utc, price_eur_mwh, load_actual_mw, solar_mw, is_price_missing
    from int_opsd__zone_hours
    order by zone, ts_utc
    limit 5
""")

# %% [markdown]
# The feature mart `fct_spike_features` has one row per zone and target hour. Every
# feature is computed from what was public at the forecast origin (the day-ahead gate
# closure on D-1), and the label says whether the hour's price crossed its spike
# threshold, a trailing mean plus k standard deviations (var `spike_rule`).

# %%
mart = sql("""
    select zone, target_ts_utc, forecast_origin_ts_utc, lead_hours,
        price_lag_24h, price_eur_mwh_mean_168h, residual_load_mw_last,
        price_eur_mwh, spike_threshold_eur_mwh, is_spike, split
    from fct_spike_features
    order by target_ts_utc, zone
""")
# the last labelled hours (the first weeks have no 672-hour history yet)
mart[mart["is_spike"].notna()].tail()

# %%
zone = mart["zone"].value_counts().index[0]
recent = mart[mart["zone"] == zone].tail(24 * 28)
fig, ax = plt.subplots(figsize=(11, 3.5))
ax.plot(recent["target_ts_utc"], recent["price_eur_mwh"], lw=0.8, label="day-ahead price")
ax.plot(
    recent["target_ts_utc"],
    recent["spike_threshold_eur_mwh"],
    lw=1.2,
    color="tab:red",
    label="spike threshold",
)
spikes = recent[recent["is_spike"]]
ax.scatter(spikes["target_ts_utc"], spikes["price_eur_mwh"], s=12, color="tab:red")
ax.set_ylabel("EUR/MWh")
ax.set_title(f"{zone}: the last four weeks of the mart, spikes marked")
ax.legend(loc="upper left")
plt.show()

# %%
sql("""
    select split, count(*) as zone_hours, round(avg(is_spike::int), 4) as spike_share
    from fct_spike_features
    group by split
    order by min(target_ts_utc)
""")

# %% [markdown]
# ## 2. The registry and the evaluation
#
# Each training run registers its models in `ml_model_registry`, with their window,
# feature schema hash, hyperparameters, calibration, threshold and test metrics. The
# status (champion, challenger, retired) comes from the promotion gates.

# %%
sql("""
    select r.model_version, r.task, r.model_family, s.status, r.training_mode,
        r.train_start_utc, r.test_end_utc, r.threshold
    from ml_model_registry as r
    inner join ml_model_status as s using (model_version)
    order by r.model_version
""")

# %% [markdown]
# The evaluation puts every model beside two baselines on the same test hours:
# persistence (yesterday's spike at this hour) and climatology (the training spike rate),
# with day-block bootstrap intervals.

# %%
evaluation = sql("""
    select e.model_version, e.model_family, e.predictor, e.metric,
        round(e.value, 4) as value, round(e.ci_low, 4) as ci_low,
        round(e.ci_high, 4) as ci_high
    from ml_model_evaluation as e
    where e.task = 'spike_risk' and e.split = 'test' and e.entity = 'ALL'
        and e.metric in ('pr_auc', 'brier', 'ece', 'log_loss')
""")
evaluation.pivot_table(
    index=["model_version", "model_family", "predictor"], columns="metric", values="value"
)

# %%
champion = sql("""
    select r.*
    from ml_model_registry as r
    inner join ml_model_status as s using (model_version)
    where s.task = 'spike_risk' and s.status = 'champion'
""").iloc[0]
print(f"champion: model_version {champion.model_version} ({champion.model_family})")
print(json.dumps(json.loads(champion.test_metrics_json), indent=2)[:600])

# %% [markdown]
# A reliability curve of the champion on its test hours: the mean predicted probability
# of each bin against the share of spikes observed in it. Points on the diagonal are
# well calibrated.

# %%
scored_test = sql(f"""
    select p.spike_probability, f.is_spike
    from ml_spike_predictions as p
    inner join fct_spike_features as f
        on p.zone = f.zone and p.target_ts_utc = f.target_ts_utc
    where p.model_version = {int(champion.model_version)}
        and f.split = 'test' and f.is_spike is not null
""")
scored_test["bin"] = pd.qcut(scored_test["spike_probability"], 10, duplicates="drop")
curve = scored_test.groupby("bin", observed=True).agg(
    predicted=("spike_probability", "mean"),
    observed=("is_spike", "mean"),
    rows=("is_spike", "size"),
)
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
ax.plot(curve["predicted"], curve["observed"], marker="o")
ax.set_xlabel("mean predicted probability")
ax.set_ylabel("observed spike share")
ax.set_title(f"reliability, model_version {champion.model_version}, test hours")
top = max(curve["predicted"].max(), curve["observed"].max()) * 1.1
ax.set_xlim(0, top)
ax.set_ylim(0, top)
plt.show()
curve

# %% [markdown]
# ## 3. Predictions, alerts and drift
#
# `ml_spike_predictions` is what people query: one row per zone, target hour and model,
# with the calibrated probability, the alert flag at the model's threshold and the
# features that were outside the training range.

# %%
sql("""
    select zone, target_ts_utc, model_version, round(spike_probability, 4) as p,
        is_alert, alert_threshold, features_out_of_range
    from ml_spike_predictions
    where is_alert
    order by target_ts_utc desc, zone
    limit 10
""")

# %%
sql("""
    select p.zone, count(*) as hours, sum(p.is_alert::int) as alerts,
        sum((p.is_alert and f.is_spike)::int) as alerts_that_spiked,
        sum(f.is_spike::int) as spikes
    from ml_spike_predictions as p
    inner join fct_spike_features as f
        on p.zone = f.zone and p.target_ts_utc = f.target_ts_utc
    inner join ml_model_status as s on p.model_version = s.model_version
    where s.status = 'champion'
    group by p.zone
    order by p.zone
""")

# %% [markdown]
# Drift: the population stability index (PSI) of each feature and of the predictions,
# per day, against the training window's bins (`mon_drift_psi`), with a noise floor for
# small windows. Severity `insufficient` means too few rows to tell.

# %%
sql("""
    select kind, grain, severity, count(*) as windows
    from mon_drift_psi
    group by all
    order by kind, grain, severity
""")

# %%
sql("""
    select drift_date, entity, feature, round(psi, 3) as psi, severity
    from mon_drift_psi
    where kind = 'feature' and grain = 'target' and severity = 'alert'
    order by psi desc
    limit 8
""")

# %% [markdown]
# ## 4. Scoring new data
#
# New raw files land in `warehouse/raw/`; `python -m python_ml run hourly` builds the
# new hours into the mart and lets the champion score them, appending to
# `ml_spike_scores` (docs/operations.md). The same scoring is a few lines of Python: the
# registry row holds everything the model needs, and the parity check refuses a feature
# frame whose names, order or types differ from the training schema.

# %%
from python_ml.registry.model import RegisteredModel

model = RegisteredModel.from_record(champion.to_dict())
latest = sql(f"""
    select f.*
    from fct_spike_features as f
    inner join ml_spike_predictions as p
        on f.zone = p.zone and f.target_ts_utc = p.target_ts_utc
    where p.model_version = {model.model_version}
    order by f.target_ts_utc desc
    limit 48
""")
scores = model.score(latest)
rescored = latest[["zone", "target_ts_utc"]].assign(spike_probability=scores.score)
stored = sql(f"""
    select zone, target_ts_utc, spike_probability as stored
    from ml_spike_predictions
    where model_version = {model.model_version}
""")
check = rescored.merge(stored, on=["zone", "target_ts_utc"])
print(
    f"rescored {len(check)} rows; largest difference to the stored scores: "
    f"{(check.spike_probability - check.stored).abs().max():.2e}"
)
check.head()

# %%
con.close()
