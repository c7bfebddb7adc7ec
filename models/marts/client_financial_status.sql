{#-
  One row per client having at least one receivable title, as of var('as_of').

  total_receivable      sum of balances of titles in an owed status
                        (open, overdue, credit_bureau, in_collection)
  past_due_amount       part of it whose due_on < as_of
  <status>_count/_amount/_balance   titles, face value and balance per status
  on_time_payment_rate  counted payments (non-reversed, paid_on <= as_of)
                        with paid_on <= due_on / counted payments
  paid_on_time_title_rate  titles paid on time / titles settled (balance <= 0)
  max_days_late, avg_days_late  over the titles that are due or settled
                        (due_on < as_of or balance <= 0), excluding cancelled
                        and renegotiated ones
  last_payment_on       latest counted payment
-#}
{{ config(tags=['as_of']) }}

{%- set statuses = ['open', 'overdue', 'credit_bureau', 'in_collection', 'received', 'cancelled', 'renegotiated'] -%}
with titles as (
    select * from {{ ref('fct_receivables') }}
    where client_key is not null
),

payments as (
    select
        client_key,
        count(*) as payment_count,
        sum(case when is_on_time then 1 else 0 end) as on_time_payment_count,
        max(paid_on) as last_payment_on
    from {{ ref('fct_payments') }}
    where is_counted and client_key is not null
    group by client_key
),

per_client as (
    select
        client_key,
        count(*) as title_count,
        sum(amount) as total_amount,
        sum(paid_amount) as total_paid,
        sum(case when is_owed then balance else 0 end) as total_receivable,
        sum(case when is_owed and due_on < as_of then balance else 0 end) as past_due_amount,
        {%- for s in statuses %}
        sum(case when status = '{{ s }}' then 1 else 0 end) as {{ s }}_count,
        sum(case when status = '{{ s }}' then amount else 0 end) as {{ s }}_amount,
        sum(case when status = '{{ s }}' then balance else 0 end) as {{ s }}_balance,
        {%- endfor %}
        sum(case when balance <= 0 and status not in ('cancelled', 'renegotiated') then 1 else 0 end)
            as settled_title_count,
        sum(case when paid_on_time and status not in ('cancelled', 'renegotiated') then 1 else 0 end)
            as paid_on_time_title_count,
        max(case when status not in ('cancelled', 'renegotiated') and (due_on < as_of or balance <= 0)
                 then days_late end) as max_days_late,
        avg(case when status not in ('cancelled', 'renegotiated') and (due_on < as_of or balance <= 0)
                 then cast(days_late as decimal(18, 4)) end) as avg_days_late
    from titles
    group by client_key
)

select
    cast(per_client.client_key as varchar) as client_key,
    cast({{ as_of_date() }} as date) as as_of,
    cast(per_client.title_count as integer) as title_count,
    cast(per_client.total_amount as decimal(18, 2)) as total_amount,
    cast(per_client.total_paid as decimal(18, 2)) as total_paid,
    cast(per_client.total_receivable as decimal(18, 2)) as total_receivable,
    cast(per_client.past_due_amount as decimal(18, 2)) as past_due_amount,
    {%- for s in statuses %}
    cast(per_client.{{ s }}_count as integer) as {{ s }}_count,
    cast(per_client.{{ s }}_amount as decimal(18, 2)) as {{ s }}_amount,
    cast(per_client.{{ s }}_balance as decimal(18, 2)) as {{ s }}_balance,
    {%- endfor %}
    cast(coalesce(payments.payment_count, 0) as integer) as payment_count,
    cast(coalesce(payments.on_time_payment_count, 0) as integer) as on_time_payment_count,
    cast(case when payments.payment_count > 0
              then cast(payments.on_time_payment_count as decimal(18, 4)) / payments.payment_count
         end as decimal(9, 4)) as on_time_payment_rate,
    cast(per_client.settled_title_count as integer) as settled_title_count,
    cast(per_client.paid_on_time_title_count as integer) as paid_on_time_title_count,
    cast(case when per_client.settled_title_count > 0
              then cast(per_client.paid_on_time_title_count as decimal(18, 4)) / per_client.settled_title_count
         end as decimal(9, 4)) as paid_on_time_title_rate,
    cast(per_client.max_days_late as integer) as max_days_late,
    cast(per_client.avg_days_late as decimal(9, 2)) as avg_days_late,
    cast(payments.last_payment_on as date) as last_payment_on
from per_client
left join payments on payments.client_key = per_client.client_key
