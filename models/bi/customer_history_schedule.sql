{#-
  Customer history, schedule (docs/contract/reports.md 4): one row per scheduled event.
-#}
{{ config(materialized='view') }}
select
    event_id,
    client_key,
    scheduled_for,
    scheduled_date,
    event_type,
    status,
    coalesce(responsible_name, responsible_email) as responsible,
    order_code,
    completed_at,
    company_name,
    is_future
from {{ ref('fct_schedule_events') }}
