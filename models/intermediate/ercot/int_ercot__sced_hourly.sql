-- SCED LMPs resampled from 5-minute intervals to hourly means per settlement
-- point, with the intervals seen (12 in a complete hour) and a flag when fewer.
{{ config(unique_key='hour_start_utc') }}
{{ ercot_resample_hourly(ref('stg_ercot__sced_lmp'), 'lmp', 'sced_lmp', 12) }}
