-- Champion against each challenger of a task, per day, on the rows both scored whose labels
-- have arrived. Classification: Brier score and log-loss of each, alerts of each and their
-- agreement. Regression: MAE and RMSE of each. Both: the mean absolute score difference
-- and Spearman's rank correlation of the scores. (The promotion metric with its bootstrap
-- interval over the promotion window is in ml_model_promotions.)
{{ config(materialized='table', tags=['daily']) }}
{%- set tasks = var('ml_tasks') %}

with

labels as (

    {%- for name, task in tasks.items() %}
    {%- set mart = task['mart'] %}
    select
        '{{ name }}' as task,
        cast({{ contract_key(mart, 'entity') }} as varchar) as entity,
        {{ contract_key(mart, 'target_time') }} as target_ts_utc,
        cast({{ task['label'] }} as double) as y
    from {{ ref(mart) }}
    where {{ task['label'] }} is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

pairs as (

    select
        champion.task,
        champion.kind,
        champion.model_version as champion_version,
        shadow.model_version as challenger_version,
        cast(champion.target_ts_utc as date) as target_date,
        champion.score as p_champion,
        shadow.score as p_challenger,
        champion.is_alert as alert_champion,
        shadow.is_alert as alert_challenger,
        labels.y
    from {{ ref('ml_predictions') }} as shadow
    inner join {{ ref('ml_predictions') }} as champion
        on shadow.task = champion.task
        and shadow.entity = champion.entity
        and shadow.target_ts_utc = champion.target_ts_utc
        and champion.role = 'champion'
    inner join labels
        on shadow.task = labels.task
        and shadow.entity = labels.entity
        and shadow.target_ts_utc = labels.target_ts_utc
    where shadow.role = 'challenger'
      -- a promoted challenger is not compared with itself
      and shadow.model_version <> champion.model_version

),

ranked as (

    -- average ranks (ties share the mean of the ranks they span), as Spearman's rho needs
    select
        *,
        (rank() over (partition by task, champion_version, challenger_version, target_date
                      order by p_champion)
         + count(*) over (partition by task, champion_version, challenger_version,
                          target_date)
         + 1 - rank() over (partition by task, champion_version, challenger_version,
                            target_date order by p_champion desc)) / 2.0 as rank_champion,
        (rank() over (partition by task, champion_version, challenger_version, target_date
                      order by p_challenger)
         + count(*) over (partition by task, champion_version, challenger_version,
                          target_date)
         + 1 - rank() over (partition by task, champion_version, challenger_version,
                            target_date order by p_challenger desc)) / 2.0
            as rank_challenger
    from pairs

)

select
    cast(task as varchar) as task,
    cast(champion_version as bigint) as champion_version,
    cast(challenger_version as bigint) as challenger_version,
    cast(target_date as date) as target_date,
    cast(count(*) as bigint) as labelled_rows,
    cast(case when min(kind) = 'classification' then sum(y) end as bigint) as positives,
    case when min(kind) = 'classification' then avg(power(p_champion - y, 2)) end
        as brier_champion,
    case when min(kind) = 'classification' then avg(power(p_challenger - y, 2)) end
        as brier_challenger,
    case when min(kind) = 'classification' then
        -avg(y * ln(greatest(p_champion, 1e-15))
             + (1 - y) * ln(greatest(1 - p_champion, 1e-15))) end as log_loss_champion,
    case when min(kind) = 'classification' then
        -avg(y * ln(greatest(p_challenger, 1e-15))
             + (1 - y) * ln(greatest(1 - p_challenger, 1e-15))) end as log_loss_challenger,
    cast(sum(case when alert_champion then 1 else 0 end) as bigint) as alerts_champion,
    cast(sum(case when alert_challenger then 1 else 0 end) as bigint) as alerts_challenger,
    avg(case when alert_champion = alert_challenger then 1.0
             when alert_champion is null then null else 0.0 end) as alert_agreement,
    case when min(kind) = 'regression' then avg(abs(p_champion - y)) end as mae_champion,
    case when min(kind) = 'regression' then avg(abs(p_challenger - y)) end as mae_challenger,
    case when min(kind) = 'regression' then sqrt(avg(power(p_champion - y, 2))) end
        as rmse_champion,
    case when min(kind) = 'regression' then sqrt(avg(power(p_challenger - y, 2))) end
        as rmse_challenger,
    avg(abs(p_challenger - p_champion)) as mean_abs_difference,
    corr(rank_champion, rank_challenger) as rank_correlation
from ranked
group by task, champion_version, challenger_version, target_date
