{#-
  Receivable titles as of var('as_of'): one row per title.

  Payments that count: non-reversed (a deleted payment is a reversed one)
  with paid_on <= as_of.
    paid_amount   sum of those payments
    balance       amount - paid_amount
    paid_off_on   first day the cumulative payments reached the amount
                  (the day the balance reached zero; issued_on for a title
                  of no amount), null if not yet
    status        macro receivable_status
    days_late     days from due_on to paid_off_on (or to as_of while
                  unpaid), never negative
    paid_on_time  the balance reached zero on or before due_on
-#}
{{ config(materialized='view', tags=['as_of']) }}

with receivables as (
    select * from {{ ref('stg_erp__receivables') }}
),

payments as (
    select receivable_id, paid_on, amount
    from {{ ref('stg_erp__payments') }}
    where not is_deleted
      and paid_on <= {{ as_of_date() }}
),

payments_per_day as (
    select receivable_id, paid_on, sum(amount) as amount
    from payments
    group by receivable_id, paid_on
),

cumulative as (
    select
        receivable_id,
        paid_on,
        sum(amount) over (
            partition by receivable_id
            order by paid_on
            rows between unbounded preceding and current row
        ) as paid_to_date
    from payments_per_day
),

paid as (
    select
        receivables.receivable_id,
        coalesce(sum(payments_per_day.amount), 0) as paid_amount,
        max(payments_per_day.paid_on) as last_paid_on
    from receivables
    left join payments_per_day on payments_per_day.receivable_id = receivables.receivable_id
    group by receivables.receivable_id
),

paid_off as (
    select
        cumulative.receivable_id,
        min(cumulative.paid_on) as paid_off_on
    from cumulative
    inner join receivables on receivables.receivable_id = cumulative.receivable_id
    where cumulative.paid_to_date >= receivables.amount
    group by cumulative.receivable_id
),

balances as (
    select
        receivables.*,
        cast(paid.paid_amount as decimal(18, 2)) as paid_amount,
        cast(receivables.amount - paid.paid_amount as decimal(18, 2)) as balance,
        paid.last_paid_on,
        coalesce(
            paid_off.paid_off_on,
            case when receivables.amount <= 0 then receivables.issued_on end
        ) as paid_off_on
    from receivables
    inner join paid on paid.receivable_id = receivables.receivable_id
    left join paid_off on paid_off.receivable_id = receivables.receivable_id
)

select
    receivable_id,
    company_id,
    customer_code,
    order_id,
    negotiation_id,
    document_number,
    installment_number,
    installments_total,
    issued_on,
    due_on,
    amount,
    paid_amount,
    balance,
    last_paid_on,
    paid_off_on,
    cancelled_on,
    renegotiated_on,
    credit_bureau_on,
    collection_on,
    {{ receivable_status(as_of_date(), 'balance', 'due_on', 'cancelled_on', 'renegotiated_on',
                         'credit_bureau_on', 'collection_on') }} as status,
    case
        when {{ dbt.datediff('due_on', 'coalesce(paid_off_on, ' ~ as_of_date() ~ ')', 'day') }} > 0
            then {{ dbt.datediff('due_on', 'coalesce(paid_off_on, ' ~ as_of_date() ~ ')', 'day') }}
        else 0
    end as days_late,
    coalesce(paid_off_on <= due_on, false) as paid_on_time,
    {{ as_of_date() }} as as_of
from balances
