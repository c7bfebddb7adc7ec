{#-
  Client card, agenda and CRM (docs/contract/reports.md 5): one row per crm task, erp
  scheduled event or crm interaction of a client, past and future
  (is_future: after the as_of day).
-#}
{{ config(materialized='incremental', unique_key=['kind', 'item_id'], tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

with agenda as (
    select
        'task' as kind,
        task_id as item_id,
        client_key,
        due_at as occurs_at,
        task_type as item_type,
        status,
        assigned_staff_id as staff,
        cast(null as varchar) as subject
    from {{ ref('fct_tasks') }}
    union all
    select
        'schedule_event',
        cast(event_id as varchar),
        client_key,
        scheduled_for,
        event_type,
        status,
        coalesce(responsible_name, responsible_email),
        order_code
    from {{ ref('fct_schedule_events') }}
    union all
    select
        'interaction',
        interaction_id,
        client_key,
        occurred_at,
        channel || ' ' || direction,
        'done',
        staff_id,
        subject
    from {{ ref('fct_interactions') }}
)

select
    kind,
    item_id,
    client_key,
    occurs_at,
    -- the day of a time stamp (a conversion, not a restated type)
    cast(occurs_at as date) as occurs_on,
    item_type,
    status,
    staff,
    subject,
    cast(occurs_at as date) > {{ as_of_date() }} as is_future,
    {{ as_of_date() }} as as_of
from agenda
where client_key is not null
