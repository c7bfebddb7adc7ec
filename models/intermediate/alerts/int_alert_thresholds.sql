{#-
  The thresholds of the client-card alert rules as this build applies them: one row per
  rule and setting of the seed alert_thresholds, with the per-deployment overrides of
  var('alert_thresholds') ({rule: {setting: value}}) laid over it (an override may also
  add a setting). The value stays text as written (3, 2.0): each rule model casts it to
  the type it compares with, and shows the text in its message and figures.
-#}
{{ config(materialized='view') }}

{%- set overrides = [] %}
{%- for rule, values in var('alert_thresholds').items() %}
    {%- for setting, value in values.items() if setting not in ('enabled', 'severity') %}
        {%- do overrides.append({'rule': rule, 'setting': setting, 'value': tojson(value)}) %}
    {%- endfor %}
{%- endfor %}

with seeded as (
    select rule, setting, trim(value) as value
    from {{ ref('alert_thresholds') }}
),

overrides as (
    {%- for o in overrides %}
    select
        cast('{{ o.rule }}' as varchar) as rule,
        cast('{{ o.setting }}' as varchar) as setting,
        cast('{{ o.value }}' as varchar) as value
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as varchar) as rule, cast(null as varchar) as setting, cast(null as varchar) as value
    where false
    {%- endfor %}
)

select
    coalesce(overrides.rule, seeded.rule) as rule,
    coalesce(overrides.setting, seeded.setting) as setting,
    coalesce(overrides.value, seeded.value) as value
from seeded
full outer join overrides
    on overrides.rule = seeded.rule and overrides.setting = seeded.setting
