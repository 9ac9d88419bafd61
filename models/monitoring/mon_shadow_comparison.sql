-- Champion against each challenger, per day, on the rows both scored whose labels have
-- arrived: Brier score and log-loss of each, alerts of each and their agreement, the mean
-- absolute probability difference and Spearman's rank correlation of the probabilities.
-- (PR-AUC with its bootstrap interval over the promotion window is in ml_model_promotions.)
{{ config(materialized='table', tags=['daily']) }}

with

pairs as (

    select
        champion.model_version as champion_version,
        shadow.model_version as challenger_version,
        cast(champion.target_ts_utc as date) as target_date,
        champion.spike_probability as p_champion,
        shadow.spike_probability as p_challenger,
        champion.is_alert as alert_champion,
        shadow.is_alert as alert_challenger,
        cast(mart.is_spike as integer) as y
    from {{ ref('ml_shadow_scores') }} as shadow
    inner join {{ ref('ml_spike_scores') }} as champion
        on shadow.zone = champion.zone
        and shadow.target_ts_utc = champion.target_ts_utc
    inner join {{ ref('fct_spike_features') }} as mart
        on shadow.zone = mart.zone
        and shadow.target_ts_utc = mart.target_ts_utc
    where mart.is_spike is not null
      -- a promoted challenger is not compared with itself
      and shadow.model_version <> champion.model_version

),

ranked as (

    -- average ranks (ties share the mean of the ranks they span), as Spearman's rho needs
    select
        *,
        (rank() over (partition by champion_version, challenger_version, target_date
                      order by p_champion)
         + count(*) over (partition by champion_version, challenger_version, target_date)
         + 1 - rank() over (partition by champion_version, challenger_version, target_date
                            order by p_champion desc)) / 2.0 as rank_champion,
        (rank() over (partition by champion_version, challenger_version, target_date
                      order by p_challenger)
         + count(*) over (partition by champion_version, challenger_version, target_date)
         + 1 - rank() over (partition by champion_version, challenger_version, target_date
                            order by p_challenger desc)) / 2.0 as rank_challenger
    from pairs

)

select
    cast(champion_version as bigint) as champion_version,
    cast(challenger_version as bigint) as challenger_version,
    cast(target_date as date) as target_date,
    cast(count(*) as bigint) as labelled_rows,
    cast(sum(y) as bigint) as positives,
    avg(power(p_champion - y, 2)) as brier_champion,
    avg(power(p_challenger - y, 2)) as brier_challenger,
    -avg(y * ln(greatest(p_champion, 1e-15))
         + (1 - y) * ln(greatest(1 - p_champion, 1e-15))) as log_loss_champion,
    -avg(y * ln(greatest(p_challenger, 1e-15))
         + (1 - y) * ln(greatest(1 - p_challenger, 1e-15))) as log_loss_challenger,
    cast(sum(case when alert_champion then 1 else 0 end) as bigint) as alerts_champion,
    cast(sum(case when alert_challenger then 1 else 0 end) as bigint) as alerts_challenger,
    avg(case when alert_champion = alert_challenger then 1.0 else 0.0 end) as alert_agreement,
    avg(abs(p_challenger - p_champion)) as mean_abs_difference,
    corr(rank_champion, rank_challenger) as rank_correlation
from ranked
group by champion_version, challenger_version, target_date
