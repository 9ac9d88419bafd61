-- Every zone named in var opsd_zones must appear in the hourly spine: a typo or a zone
-- the raw file does not carry fails the build instead of silently building nothing.
{{ config(tags=['hourly']) }}
{%- set selected_zones = var('opsd_zones') %}

{% if selected_zones %}
select requested.zone as zone_requested_but_not_in_raw_file
from (values {% for zone in selected_zones %}('{{ zone }}'){{ ", " if not loop.last }}{% endfor %})
    as requested(zone)
where requested.zone not in (
    select distinct zone from {{ ref('int_opsd__zone_hourly_spine') }}
)
{% else %}
select null as zone_requested_but_not_in_raw_file where false
{% endif %}
