{#-
  The client-card alert rules as this build applies them: one row per rule of the seed
  alert_rules (enabled, severity), with the per-deployment overrides of
  var('alert_thresholds') ({rule: {'enabled': false, 'severity': 'info', ...}}) laid over
  it. The var is only turned into rows here; every rule model joins this relation.
-#}
{{ config(materialized='view') }}

{%- set overrides = [] %}
{%- for rule, values in var('alert_thresholds').items() %}
    {%- if 'enabled' in values or 'severity' in values %}
        {%- do overrides.append({
            'rule': rule,
            'enabled': values.get('enabled'),
            'severity': values.get('severity'),
        }) %}
    {%- endif %}
{%- endfor %}

with overrides as (
    {%- for o in overrides %}
    select
        '{{ o.rule }}' as rule,
        cast({{ 'null' if o.enabled is none else ('true' if o.enabled else 'false') }} as boolean) as enabled,
        cast({{ 'null' if o.severity is none else "'" ~ o.severity ~ "'" }} as varchar) as severity
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as varchar) as rule, cast(null as boolean) as enabled, cast(null as varchar) as severity
    where false
    {%- endfor %}
)

select
    seeded.rule,
    coalesce(overrides.enabled, seeded.enabled) as enabled,
    coalesce(overrides.severity, seeded.severity) as severity
from {{ ref('alert_rules') }} as seeded
left join overrides on overrides.rule = seeded.rule
