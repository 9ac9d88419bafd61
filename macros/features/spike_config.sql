{#-
    The spike mart's feature plan, derived from the vars in dbt_project.yml (the one
    place where features are declared). Returns a list of origin-anchored features:
    {name, series, kind (last|stat|ramp), stat, hours, anchor (price|actual)}.
-#}

{% macro spike_origin_features() -%}
    {%- set features = [] -%}
    {%- set classes = var('spike_availability')['series'] -%}
    {%- for series, stats in var('spike_origin_series').items() -%}
        {%- set anchor = classes.get(series) -%}
        {%- if anchor not in ['price', 'actual'] -%}
            {{ exceptions.raise_compiler_error(
                "var spike_availability.series must say when " ~ series ~ " is public: "
                ~ "price or actual, not " ~ anchor) }}
        {%- endif -%}
        {%- do features.append({'name': series ~ '_last', 'series': series, 'kind': 'last',
                                'anchor': anchor}) -%}
        {%- for hours in var('spike_windows_hours') -%}
            {%- for stat in stats -%}
                {%- do features.append({'name': series ~ '_' ~ stat ~ '_' ~ hours ~ 'h',
                    'series': series, 'kind': 'stat', 'stat': stat, 'hours': hours,
                    'anchor': anchor}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for hours in var('spike_ramps_hours') -%}
            {%- do features.append({'name': series ~ '_ramp_' ~ hours ~ 'h', 'series': series,
                'kind': 'ramp', 'hours': hours, 'anchor': anchor}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(features) }}
{%- endmacro %}

{% macro spike_max_lookback_hours() -%}
    {#- Longest reach back in time of any feature or label, in hours on the spine. -#}
    {%- set reaches = var('spike_windows_hours') + var('spike_ramps_hours')
        + var('spike_price_lags_hours') + [var('spike_rule')['window_hours']] -%}
    {{ return(reaches | max) }}
{%- endmacro %}

{% macro spike_min_gap_hours() -%}
    {#- Hours between a training target and the first validation/test target such that no
        row on one side shares data with a row on the other: the longest lead time, the
        actuals' publication lag, and the longest reach back of any feature or label. -#}
    {{ return(spike_max_lead_hours() + 1
        + var('spike_availability')['actuals_publication_delay_hours']
        + spike_max_lookback_hours()) }}
{%- endmacro %}

{% macro spike_max_lead_hours() -%}
    {%- set origin = var('spike_forecast_origin') -%}
    {%- if origin['mode'] == 'gate_closure' -%}
        {%- set gate_hour = origin['gate_closure_local_time'].split(':')[0] | int -%}
        {#- the last hour of D starts 35 h after a 12:00 gate closure, 36 h on the 25-hour day -#}
        {{ return(48 - gate_hour) }}
    {%- else -%}
        {{ return(origin['horizon_hours']) }}
    {%- endif -%}
{%- endmacro %}

{% macro spike_definition_json() -%}
    {{ return(mart_definition_json('fct_spike_features')) }}
{%- endmacro %}

{% macro mart_definition_json(mart_name) -%}
    {#- The vars that define what a mart's rows contain (its meta.definition_vars), as
        canonical JSON. -#}
    {%- set definition = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.name == mart_name -%}
            {%- for name in node.config.meta.get('definition_vars', []) -%}
                {%- do definition.update({name: var(name)}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(tojson(definition, sort_keys=true)) }}
{%- endmacro %}

{% macro assert_spike_definition_unchanged() -%}
    {#-
        An incremental run keeps rows before its look-back as they are, so it must not
        follow a change of the vars that define them: compare with the definition the
        last build recorded in feature_schema_versions and stop with the way out.
    -#}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set record = adapter.get_relation(this.database, this.schema, 'feature_schema_versions') -%}
    {%- if record is none or 'definition_json' not in (
            adapter.get_columns_in_relation(record) | map(attribute='name') | list) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query("select definition_json from " ~ record
        ~ " where model_name = 'fct_spike_features' order by schema_version desc limit 1") -%}
    {%- set recorded = result.columns[0].values() | first if result.rows | length else none -%}
    {%- if recorded is not none and recorded != spike_definition_json() -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": the spike vars changed since the last build [rule: "
            ~ "definition_unchanged]; an incremental run would mix old and new rows. Rebuild: "
            ~ "dbt build --full-refresh --select int_spike__hourly_inputs+") }}
    {%- endif -%}
{%- endmacro %}

{% macro spike_origin_anchored_features() -%}
    {#- Features that take one value per zone and forecast origin (every target hour of a
        delivery day shares it): the origin features, and the scale-free features whose
        value term is one. Drift counts them once per origin, not once per target hour. -#}
    {%- set names = spike_origin_features() | map(attribute='name') | list -%}
    {%- for name, terms in var('spike_standardized_features').items() -%}
        {%- if terms[0] in names -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
