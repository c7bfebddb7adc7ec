{#-
  Client card, alerts (docs/contract/reports.md 5): one row per alert raised as of as_of,
  with the rule that raised it and its figures (JSON text).
-#}
select
    cast(alert_id as varchar) as alert_id,
    cast(client_key as varchar) as client_key,
    cast(rule as varchar) as rule,
    cast(severity as varchar) as severity,
    cast(raised_on as date) as raised_on,
    cast(message as varchar) as message,
    cast(figures as varchar) as figures,
    cast(subject as varchar) as subject,
    cast(as_of as date) as as_of
from {{ ref('client_alerts') }}
