-- Population Stability Index per model, zone, kind (feature or prediction), feature and
-- day: the rows scored in the trailing var drift.window_days days ending that day against
-- the model's reference bins (mon_drift_reference), with empty bins counted as
-- var drift.epsilon, and a severity (ok, warn, alert; thresholds in var drift).
-- Read through mon_feature_drift_psi and mon_prediction_drift.
{{ config(materialized='table') }}
{%- set drift = var('drift') %}

with

counts as (

    select * from {{ ref('int_mon__drift_bin_counts') }}

),

reference as (

    select model_version, zone, kind, feature, bin, expected_share
    from {{ ref('mon_drift_reference') }}

),

days as (

    select distinct model_version, zone, kind, feature, scored_date as drift_date
    from counts

),

windowed as (

    select
        days.model_version,
        days.zone,
        days.kind,
        days.feature,
        days.drift_date,
        counts.bin,
        sum(counts.rows_in_bin) as rows_in_bin
    from days
    inner join counts
        on days.model_version = counts.model_version
        and days.zone = counts.zone
        and days.kind = counts.kind
        and days.feature = counts.feature
        and counts.scored_date <= days.drift_date
        and counts.scored_date > days.drift_date - {{ drift['window_days'] }}
    group by days.model_version, days.zone, days.kind, days.feature, days.drift_date,
        counts.bin

),

totals as (

    select model_version, zone, kind, feature, drift_date, sum(rows_in_bin) as window_rows
    from windowed
    group by model_version, zone, kind, feature, drift_date

),

shares as (

    select
        totals.model_version,
        totals.zone,
        totals.kind,
        totals.feature,
        totals.drift_date,
        totals.window_rows,
        reference.bin,
        reference.expected_share,
        coalesce(windowed.rows_in_bin, 0) / totals.window_rows as actual_share
    from totals
    inner join reference
        on totals.model_version = reference.model_version
        and totals.zone = reference.zone
        and totals.kind = reference.kind
        and totals.feature = reference.feature
    left join windowed
        on totals.model_version = windowed.model_version
        and totals.zone = windowed.zone
        and totals.kind = windowed.kind
        and totals.feature = windowed.feature
        and totals.drift_date = windowed.drift_date
        and reference.bin = windowed.bin

),

psi as (

    select
        model_version,
        zone,
        kind,
        feature,
        drift_date,
        max(window_rows) as window_rows,
        count(*) as bins,
        -- summed in bin order: a fixed order makes reruns bitwise identical
        sum({{ psi_term('actual_share', 'expected_share', drift['epsilon']) }} order by bin)
            as psi
    from shares
    group by model_version, zone, kind, feature, drift_date

)

select
    cast(model_version as bigint) as model_version,
    cast(zone as varchar) as zone,
    cast(kind as varchar) as kind,
    cast(feature as varchar) as feature,
    cast(drift_date as date) as drift_date,
    cast(window_rows as bigint) as window_rows,
    cast(bins as integer) as bins,
    cast(psi as double) as psi,
    cast({{ psi_severity('psi') }} as varchar) as severity
from psi
