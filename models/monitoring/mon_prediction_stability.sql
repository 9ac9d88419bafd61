-- How much a change of champion moved the served forecast: for each promotion or rollback
-- (ml_model_promotions), the rows both the previous and the new champion scored, with the
-- distribution of probability changes and the alerts that flipped.
{{ config(materialized='table') }}

with

changes as (

    select decision_id, decided_at_utc, decision, champion_before, champion_after
    from {{ ref('ml_model_promotions') }}
    where champion_after <> champion_before

),

pairs as (

    select
        changes.decision_id,
        changes.decided_at_utc,
        changes.decision,
        changes.champion_before,
        changes.champion_after,
        after.spike_probability - before.spike_probability as change,
        before.is_alert as alert_before,
        after.is_alert as alert_after
    from changes
    inner join {{ ref('ml_spike_scores') }} as before
        on before.model_version = changes.champion_before
    inner join {{ ref('ml_spike_scores') }} as after
        on after.model_version = changes.champion_after
        and after.zone = before.zone
        and after.target_ts_utc = before.target_ts_utc

)

select
    cast(decision_id as bigint) as decision_id,
    cast(decided_at_utc as timestamp) as decided_at_utc,
    cast(decision as varchar) as decision,
    cast(champion_before as bigint) as previous_version,
    cast(champion_after as bigint) as new_version,
    cast(count(*) as bigint) as rows_compared,
    avg(change) as mean_change,
    avg(abs(change)) as mean_abs_change,
    percentile_cont(0.5) within group (order by abs(change)) as p50_abs_change,
    percentile_cont(0.9) within group (order by abs(change)) as p90_abs_change,
    percentile_cont(0.99) within group (order by abs(change)) as p99_abs_change,
    max(abs(change)) as max_abs_change,
    cast(sum(case when alert_before <> alert_after then 1 else 0 end) as bigint) as alert_flips,
    cast(sum(case when alert_after and not alert_before then 1 else 0 end) as bigint)
        as alerts_added,
    cast(sum(case when alert_before and not alert_after then 1 else 0 end) as bigint)
        as alerts_removed,
    avg(case when alert_before <> alert_after then 1.0 else 0.0 end) as alert_flip_share
from pairs
group by decision_id, decided_at_utc, decision, champion_before, champion_after
