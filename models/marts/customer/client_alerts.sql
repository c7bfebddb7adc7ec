{#-
  Client card alerts as of var('as_of'): one row per alert raised, each with the rule,
  a message that explains it and the figures behind it (JSON), so a reader can check
  why it fired.

  Each rule is a model of its own (models/intermediate/alerts/int_client_alerts__<rule>,
  where its comment says what it looks for and when it is raised), with its unit test.
  Thresholds are reference data, not code: the seeds alert_rules (enabled, severity)
  and alert_thresholds (one row per rule and setting), joined in SQL when the rule
  models run (int_alert_rules, int_alert_thresholds), each setting overridable per
  deployment through var('alert_thresholds') ({rule: {setting: value}}, laid over the
  seeds). A rule with enabled false raises nothing.
-#}
{{ config(tags=['as_of']) }}

with alerts as (
    {%- for rule in ['purchase_gap', 'payments_turning_late', 'spending_drop', 'returns_spike', 'credit_bureau'] %}
    select client_key, rule, severity, subject, raised_on, message, figures
    from {{ ref('int_client_alerts__' ~ rule) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    cast({{ dbt.hash(dbt.concat(["client_key", "'|'", "rule", "'|'", "coalesce(subject, '')"])) }} as varchar)
        as alert_id,
    cast(client_key as varchar) as client_key,
    cast({{ as_of_date() }} as date) as as_of,
    cast(rule as varchar) as rule,
    cast(severity as varchar) as severity,
    cast(subject as varchar) as subject,
    cast(raised_on as date) as raised_on,
    cast(message as varchar) as message,
    cast(figures as json) as figures
from alerts
