{#-
  Client card, alerts (docs/contract/reports.md 5): one row per alert raised as of as_of,
  with the rule that raised it and its figures (JSON text).
-#}
select
    alert_id,
    client_key,
    rule,
    severity,
    raised_on,
    message,
    -- JSON in the mart; BI tools read it as text
    cast(figures as varchar) as figures,
    subject,
    as_of
from {{ ref('client_alerts') }}
