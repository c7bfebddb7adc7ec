{#-
  Telesales report (docs/contract/reports.md 3): measures per (owner_mode, owner, client,
  date), for every (owner, client) pair of that mode's population
  (bi.telesales_population). Calls count only matched outbound calls from the
  OWNER's extension (telesales_client_calls); appointments, orders, collected
  and debt are the client's (telesales_client_activity, nothing after as_of).
  A pair under two opportunities of one owner has its measures once here.
  The report's call period [from, to] bounds the call measures; appointment
  and order measures run from `from` up to as_of.
-#}
{{ config(
    materialized='incremental',
    unique_key=['owner_mode', 'owner', 'client_key', 'activity_date'],
    tags=['as_of'],
    meta={'row_diff_constant_columns': ['as_of']}
) }}

with pairs as (
    select distinct owner_mode, owner_staff_id, owner, owner_name, client_key
    from {{ ref('telesales_population') }}
),

clients as (
    select client_key, full_name, source, client_group from {{ ref('dim_client') }}
),

calls as (
    select
        pairs.owner_mode,
        pairs.owner_staff_id,
        pairs.client_key,
        calls.call_date as activity_date,
        calls.calls,
        calls.successful_calls,
        calls.talk_seconds
    from pairs
    inner join {{ ref('telesales_client_calls') }} as calls
        on calls.client_key = pairs.client_key
        and calls.staff_id = pairs.owner_staff_id
),

activity as (
    select
        pairs.owner_mode,
        pairs.owner_staff_id,
        pairs.client_key,
        activity.activity_date,
        activity.appointments,
        activity.appointments_done,
        activity.orders,
        activity.order_value,
        activity.collected,
        activity.debt
    from pairs
    inner join {{ ref('telesales_client_activity') }} as activity
        on activity.client_key = pairs.client_key
),

days as (
    select owner_mode, owner_staff_id, client_key, activity_date from calls
    union
    select owner_mode, owner_staff_id, client_key, activity_date from activity
)

select
    days.owner_mode,
    days.owner_staff_id,
    pairs.owner,
    pairs.owner_name,
    days.client_key,
    clients.full_name,
    clients.source,
    clients.client_group,
    days.activity_date,
    coalesce(calls.calls, 0) as calls,
    coalesce(calls.successful_calls, 0) as successful_calls,
    coalesce(calls.talk_seconds, 0) as talk_seconds,
    coalesce(activity.appointments, 0) as appointments,
    coalesce(activity.appointments_done, 0) as appointments_done,
    coalesce(activity.orders, 0) as orders,
    coalesce(activity.order_value, 0) as order_value,
    coalesce(activity.collected, 0) as collected,
    coalesce(activity.debt, 0) as debt,
    {{ as_of_date() }} as as_of
from days
inner join pairs
    on pairs.owner_mode = days.owner_mode
    and pairs.owner_staff_id is not distinct from days.owner_staff_id
    and pairs.client_key = days.client_key
left join clients on clients.client_key = days.client_key
left join calls
    on calls.owner_mode = days.owner_mode
    and calls.owner_staff_id is not distinct from days.owner_staff_id
    and calls.client_key = days.client_key
    and calls.activity_date = days.activity_date
left join activity
    on activity.owner_mode = days.owner_mode
    and activity.owner_staff_id is not distinct from days.owner_staff_id
    and activity.client_key = days.client_key
    and activity.activity_date = days.activity_date
