{#-
  One row per erp schedule event (delivery, technical visit, follow-up call,
  assembly) with its client, responsible staff member (crm staff by e-mail)
  and order. is_future: scheduled after as_of (the agenda's "future" part).
-#}
{{ config(materialized='incremental', unique_key='event_id', tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

select
    cast(events.event_id as bigint) as event_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(events.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(events.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(events.event_type as varchar) as event_type,
    cast(events.scheduled_for as timestamp) as scheduled_for,
    cast(events.scheduled_for as date) as scheduled_date,
    cast(events.completed_at as timestamp) as completed_at,
    cast(events.status as varchar) as status,
    cast(events.responsible_email as varchar) as responsible_email,
    cast(responsible.staff_id as varchar) as responsible_staff_id,
    cast(staff.full_name as varchar) as responsible_name,
    cast(events.order_id as bigint) as order_id,
    cast(orders.order_code as varchar) as order_code,
    cast(cast(events.scheduled_for as date) > {{ as_of_date() }} as boolean) as is_future
from {{ ref('stg_erp__schedule_events') }} as events
left join {{ ref('stg_erp__companies') }} as companies on companies.company_id = events.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = events.customer_code
left join {{ ref('int_staff_by_email') }} as responsible
    on responsible.email = events.responsible_email
left join {{ ref('stg_crm__staff') }} as staff on staff.staff_id = responsible.staff_id
left join {{ ref('stg_erp__orders') }} as orders on orders.order_id = events.order_id
