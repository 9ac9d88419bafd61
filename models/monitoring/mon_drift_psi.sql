-- Population Stability Index per task, model, entity, kind (feature or
-- prediction), feature and day: the rows scored in a trailing window ending
-- that day against the model's reference bins (mon_drift_reference), empty
-- bins counted as var drift.epsilon. The window is var drift.window_days for
-- hourly values and the score, var drift.origin_window_days for features with
-- one value per forecast origin (one observation a day).
-- PSI of a sample of n rows from the reference itself is about
-- (k - 1)(1/n + 1/m) (k bins, m reference rows): noise_floor. Where it exceeds
-- var drift.max_noise_floor the window is too small to tell drift from chance
-- and severity is 'insufficient'; otherwise ok, warn or alert by var drift.warn
-- and drift.alert. Read through mon_feature_drift_psi and mon_prediction_drift.
{{ config(materialized='table') }}
{%- set drift = var('drift') %}

with

counts as (

    select * from {{ ref('int_mon__drift_bin_counts') }}

),

reference as (

    select
        model_version,
        entity,
        kind,
        feature,
        bin,
        expected_share,
        reference_rows
    from {{ ref('mon_drift_reference') }}

),

days as (

    select distinct
        task,
        model_version,
        entity,
        kind,
        feature,
        grain,
        scored_date as drift_date
    from counts

),

windowed as (

    select
        days.task,
        days.model_version,
        days.entity,
        days.kind,
        days.feature,
        days.grain,
        days.drift_date,
        counts.bin,
        sum(counts.rows_in_bin) as rows_in_bin
    from days
    inner join counts
        on days.model_version = counts.model_version
        and days.entity = counts.entity
        and days.kind = counts.kind
        and days.feature = counts.feature
        -- kept as a range on scored_date (ST09 would flip the first bound)
        and counts.scored_date <= days.drift_date  -- noqa: ST09
        and counts.scored_date > days.drift_date - case days.grain
            when 'origin' then {{ drift['origin_window_days'] }}
            else {{ drift['window_days'] }}
        end
    group by
        days.task,
        days.model_version,
        days.entity,
        days.kind,
        days.feature,
        days.grain,
        days.drift_date,
        counts.bin

),

totals as (

    select
        task,
        model_version,
        entity,
        kind,
        feature,
        grain,
        drift_date,
        sum(rows_in_bin) as window_rows
    from windowed
    group by task, model_version, entity, kind, feature, grain, drift_date

),

shares as (

    select
        totals.task,
        totals.model_version,
        totals.entity,
        totals.kind,
        totals.feature,
        totals.grain,
        totals.drift_date,
        totals.window_rows,
        reference.reference_rows,
        reference.bin,
        reference.expected_share,
        coalesce(windowed.rows_in_bin, 0) / totals.window_rows as actual_share
    from totals
    inner join reference
        on totals.model_version = reference.model_version
        and totals.entity = reference.entity
        and totals.kind = reference.kind
        and totals.feature = reference.feature
    left join windowed
        on totals.model_version = windowed.model_version
        and totals.entity = windowed.entity
        and totals.kind = windowed.kind
        and totals.feature = windowed.feature
        and totals.drift_date = windowed.drift_date
        and reference.bin = windowed.bin

),

psi as (

    select
        task,
        model_version,
        entity,
        kind,
        feature,
        grain,
        drift_date,
        max(window_rows) as window_rows,
        count(*) as bins,
        (count(*) filter (where expected_share > 0) - 1)
        * (1.0 / max(window_rows) + 1.0 / max(reference_rows)) as noise_floor,
        -- summed in bin order: a fixed order makes reruns bitwise identical
        sum(
            {{ psi_term('actual_share', 'expected_share', drift['epsilon']) }}
            order by bin
        ) as psi
    from shares
    group by task, model_version, entity, kind, feature, grain, drift_date

)

select
    cast(task as varchar) as task,
    cast(model_version as bigint) as model_version,
    cast(entity as varchar) as entity,
    cast(kind as varchar) as kind,
    cast(feature as varchar) as feature,
    cast(grain as varchar) as grain,
    cast(drift_date as date) as drift_date,
    cast(window_rows as bigint) as window_rows,
    cast(bins as integer) as bins,
    cast(noise_floor as double) as noise_floor,
    cast(psi as double) as psi,
    cast({{ psi_severity('psi', 'noise_floor') }} as varchar) as severity
from psi
