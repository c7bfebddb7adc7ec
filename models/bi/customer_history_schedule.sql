{#-
  Customer history, schedule (docs/contract/reports.md 4): one row per scheduled event.
-#}
{{ config(materialized='view') }}
select
    cast(event_id as bigint) as event_id,
    cast(client_key as varchar) as client_key,
    cast(scheduled_for as timestamp) as scheduled_for,
    cast(scheduled_date as date) as scheduled_date,
    cast(event_type as varchar) as event_type,
    cast(status as varchar) as status,
    cast(coalesce(responsible_name, responsible_email) as varchar) as responsible,
    cast(order_code as varchar) as order_code,
    cast(completed_at as timestamp) as completed_at,
    cast(company_name as varchar) as company_name,
    cast(is_future as boolean) as is_future
from {{ ref('fct_schedule_events') }}
