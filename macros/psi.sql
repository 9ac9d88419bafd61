{#-
    One bin's term of the Population Stability Index, sum((a - e) * ln(a / e)) over bins,
    where a and e are the actual and expected shares; an empty bin counts as `epsilon` so
    the logarithm stays finite.
-#}
{% macro psi_term(actual_share, expected_share, epsilon) -%}
    (greatest({{ actual_share }}, {{ epsilon }}) - greatest({{ expected_share }}, {{ epsilon }}))
    * ln(greatest({{ actual_share }}, {{ epsilon }}) / greatest({{ expected_share }}, {{ epsilon }}))
{%- endmacro %}

{% macro psi_severity(psi, noise_floor) -%}
    case
        when {{ noise_floor }} > {{ var('drift')['max_noise_floor'] }} then 'insufficient'
        when {{ psi }} >= {{ var('drift')['alert'] }} then 'alert'
        when {{ psi }} >= {{ var('drift')['warn'] }} then 'warn'
        else 'ok'
    end
{%- endmacro %}
