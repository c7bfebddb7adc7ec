{#-
  Telesales report: what happened to a client on a local date, up to as_of
  (one row per client and date with at least one of these):
    appointments        crm tasks of type appointment created that day (by
                        anyone, any status; deleted tasks are gone)
    appointments_done   of those, the ones with status done
    orders, order_value non-cancelled erp orders ordered that day (order
                        value rule of fct_orders)
    collected           payments counted up to as_of (fct_receivables
                        paid_amount: non-reversed, paid_on <= as_of) on the
                        titles of those orders
    debt                balances of those titles whose status as of as_of is
                        owed (open, overdue, credit_bureau, in_collection)
  The report sums the rows from the start of the call period on; since every
  row is on or before as_of, that is "from the start of the call period up to
  as_of" (docs/contract/reports.md 3).
-#}
{{ config(
    materialized='incremental',
    unique_key=['client_key', 'activity_date'],
    tags=['as_of'],
    meta={'row_diff_constant_columns': ['as_of']}
) }}

with appointments as (
    select
        client_key,
        created_date as activity_date,
        count(*) as appointments,
        sum(case when status = 'done' then 1 else 0 end) as appointments_done
    from {{ ref('fct_tasks') }}
    where task_type = 'appointment'
      and client_key is not null
      and created_date <= {{ as_of_date() }}
    group by client_key, created_date
),

orders as (
    select order_id, client_key, order_date, order_value
    from {{ ref('fct_orders') }}
    where not is_cancelled
      and client_key is not null
      and order_date <= {{ as_of_date() }}
),

order_totals as (
    select
        client_key,
        order_date as activity_date,
        count(*) as orders,
        sum(order_value) as order_value
    from orders
    group by client_key, order_date
),

title_totals as (
    select
        orders.client_key,
        orders.order_date as activity_date,
        sum(titles.paid_amount) as collected,
        sum(case when titles.is_owed then titles.balance else 0 end) as debt
    from {{ ref('fct_receivables') }} as titles
    inner join orders on orders.order_id = titles.order_id
    group by orders.client_key, orders.order_date
),

keys as (
    select client_key, activity_date from appointments
    union
    select client_key, activity_date from order_totals
    union
    select client_key, activity_date from title_totals
)

select
    cast(keys.client_key as varchar) as client_key,
    cast(keys.activity_date as date) as activity_date,
    cast(coalesce(appointments.appointments, 0) as integer) as appointments,
    cast(coalesce(appointments.appointments_done, 0) as integer) as appointments_done,
    cast(coalesce(order_totals.orders, 0) as integer) as orders,
    cast(coalesce(order_totals.order_value, 0) as decimal(18, 2)) as order_value,
    cast(coalesce(title_totals.collected, 0) as decimal(18, 2)) as collected,
    cast(coalesce(title_totals.debt, 0) as decimal(18, 2)) as debt,
    cast({{ as_of_date() }} as date) as as_of
from keys
left join appointments
    on appointments.client_key = keys.client_key
    and appointments.activity_date = keys.activity_date
left join order_totals
    on order_totals.client_key = keys.client_key
    and order_totals.activity_date = keys.activity_date
left join title_totals
    on title_totals.client_key = keys.client_key
    and title_totals.activity_date = keys.activity_date
