-- How much a change of champion moved the served forecast: for each promotion or rollback
-- (ml_model_promotions), the rows both the previous and the new champion of the task
-- scored, with the distribution of the score's changes and, for classifiers, the alerts
-- that flipped.
{{ config(materialized='table') }}

with

changes as (

    select task, decision_id, decided_at_utc, decision, champion_before, champion_after
    from {{ ref('ml_model_promotions') }}
    where champion_after <> champion_before

),

served as (

    select task, model_version, entity, target_ts_utc, score, is_alert
    from {{ ref('ml_predictions') }}
    where role = 'champion'

),

pairs as (

    select
        changes.task,
        changes.decision_id,
        changes.decided_at_utc,
        changes.decision,
        changes.champion_before,
        changes.champion_after,
        after.score - before.score as change,
        before.is_alert as alert_before,
        after.is_alert as alert_after
    from changes
    inner join served as before
        on before.task = changes.task
        and before.model_version = changes.champion_before
    inner join served as after
        on after.task = changes.task
        and after.model_version = changes.champion_after
        and after.entity = before.entity
        and after.target_ts_utc = before.target_ts_utc

)

select
    cast(task as varchar) as task,
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
group by task, decision_id, decided_at_utc, decision, champion_before, champion_after
