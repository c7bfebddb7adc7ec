{#-
  Last contact with each client across every system, up to the end of the
  as_of day: the latest of
    - a crm interaction (any channel, either direction),
    - a pbx call matched to the client (answered or not: the call happened),
    - a crm task completed (status done, at completed_at),
    - an erp schedule event completed (status done, at completed_at).
  One row per client with at least one contact; last_contact_source names the
  system and kind of the latest one (ties: interaction, call, task, event).
-#}
{{ config(tags=['as_of']) }}

with contacts as (
    select client_key, occurred_at as contact_at, 'crm_interaction' as source, 1 as source_rank
    from {{ ref('fct_interactions') }}
    union all
    select client_key, started_at, 'pbx_call', 2
    from {{ ref('fct_calls') }}
    where match_status = 'matched'
    union all
    select client_key, completed_at, 'crm_task', 3
    from {{ ref('fct_tasks') }}
    where status = 'done' and completed_at is not null
    union all
    select client_key, completed_at, 'erp_schedule_event', 4
    from {{ ref('fct_schedule_events') }}
    where status = 'done' and completed_at is not null
),

in_range as (
    select *
    from contacts
    where client_key is not null
      and contact_at < {{ dbt.dateadd('day', 1, as_of_date()) }}
),

ranked as (
    select
        *,
        row_number() over (partition by client_key order by contact_at desc, source_rank asc) as recency,
        count(*) over (partition by client_key) as contacts
    from in_range
)

select
    cast(client_key as varchar) as client_key,
    cast({{ as_of_date() }} as date) as as_of,
    cast(contact_at as timestamp) as last_contact_at,
    cast(contact_at as date) as last_contact_date,
    cast(source as varchar) as last_contact_source,
    cast(contacts as integer) as contacts
from ranked
where recency = 1
