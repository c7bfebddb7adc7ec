{#-
    alert_settings(rule, settings): a one-row select of the rule's configuration, for a
    rule model to cross join: `enabled`, `severity`, and per setting two columns, the
    value cast to its type (`<setting>`) and as written (`<setting>__text`, for the
    message and the figures, so 2.0 shows as 2.0 and 3 as 3).

    `settings` maps each setting to its kind: `integer` (days, counts), `statistic`
    (z-scores, rates, multipliers: compared with statistics, cast as they are by
    cast_as_double) or `numeric` (compared with money, exactly). No row when the rule is missing from seeds/alert_rules.csv (the test
    assert_every_alert_rule_is_configured fails then); a setting missing from
    seeds/alert_thresholds.csv is null, and a comparison with it raises nothing.
-#}
{% macro alert_settings(rule, settings) -%}
    select
        rules.enabled,
        rules.severity
        {%- for name, kind in settings.items() %}
        {%- set text = "max(case when thresholds.setting = '" ~ name ~ "' then thresholds.value end)" %}
        {%- if kind == 'statistic' %}
        , {{ cast_as_double(text) }} as {{ name }}
        {%- elif kind == 'numeric' %}
        , cast({{ text }} as {{ dbt.type_numeric() }}) as {{ name }}
        {%- elif kind == 'integer' %}
        , cast({{ text }} as integer) as {{ name }}
        {%- else %}
        {{ exceptions.raise_compiler_error("alert_settings: unknown kind '" ~ kind ~ "' of " ~ rule ~ "." ~ name) }}
        {%- endif %}
        , {{ text }} as {{ name }}__text
        {%- endfor %}
    from {{ ref('int_alert_rules') }} as rules
    left join {{ ref('int_alert_thresholds') }} as thresholds
        on thresholds.rule = rules.rule
    where rules.rule = '{{ rule }}'
    group by rules.enabled, rules.severity
{%- endmacro %}
