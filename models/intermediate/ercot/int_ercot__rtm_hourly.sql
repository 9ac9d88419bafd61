-- Real-time settlement point prices resampled from 15-minute intervals to
-- hourly means per settlement point, with the intervals seen (4 in a complete
-- hour) and a flag when fewer.
{{ config(unique_key='hour_start_utc') }}
{{ ercot_resample_hourly(ref('stg_ercot__rtm_spp'), 'rtm_spp', 'rtm_spp', 4) }}
