{#-
    OPSD column-name conventions. Time series columns are <region>_<variable>, where
    the region may contain underscores (DE_LU, DK_1, DE_50hertz) and the variable
    starts with one of OPSD's variable families; weather columns are
    <country>_<variable>.
-#}

{% macro opsd_time_series_column_regex() -%}
    ^(.+?)_((load|price|solar|wind)_.+)$
{%- endmacro %}

{% macro opsd_weather_column_regex() -%}
    ^([A-Z]{2})_((temperature|radiation)(_.+)?)$
{%- endmacro %}

{% macro opsd_known_variables(source) -%}
    {#- The OPSD variables (column-name suffixes) the hourly layer reads from one raw
        file ('time_series' or 'weather'): what the staging models' known_columns rule
        recognises besides var opsd_ignore_columns. -#}
    {{ return(opsd_hourly_series() | selectattr('source', 'equalto', source)
        | map(attribute='variable') | list) }}
{%- endmacro %}

{% macro opsd_hourly_series() -%}
    {#-
        The typed hourly series built from OPSD, in one place: short name (for the
        flag is_<name>_missing), output column with its unit, the staging model it
        comes from and the OPSD variable (column-name suffix). Adding a series here
        adds its value column and missing flag to int_opsd__zone_hours; document the
        new columns in _intermediate__models.yml.
    -#}
    {{ return([
        {'name': 'price', 'column': 'price_eur_mwh', 'source': 'time_series', 'variable': 'price_day_ahead'},
        {'name': 'load_actual', 'column': 'load_actual_mw', 'source': 'time_series', 'variable': 'load_actual_entsoe_transparency'},
        {'name': 'load_forecast', 'column': 'load_forecast_mw', 'source': 'time_series', 'variable': 'load_forecast_entsoe_transparency'},
        {'name': 'solar', 'column': 'solar_mw', 'source': 'time_series', 'variable': 'solar_generation_actual'},
        {'name': 'wind_onshore', 'column': 'wind_onshore_mw', 'source': 'time_series', 'variable': 'wind_onshore_generation_actual'},
        {'name': 'wind_offshore', 'column': 'wind_offshore_mw', 'source': 'time_series', 'variable': 'wind_offshore_generation_actual'},
        {'name': 'temperature', 'column': 'temperature_c', 'source': 'weather', 'variable': 'temperature'},
        {'name': 'radiation_direct', 'column': 'radiation_direct_w_m2', 'source': 'weather', 'variable': 'radiation_direct_horizontal'},
        {'name': 'radiation_diffuse', 'column': 'radiation_diffuse_w_m2', 'source': 'weather', 'variable': 'radiation_diffuse_horizontal'},
    ]) }}
{%- endmacro %}
