-- Sum of title balances = sum of staged title amounts minus the non-reversed
-- payments paid on or before as_of (of existing titles). Returns a row when
-- the two sides differ.
with titles as (
    select sum(balance) as total_balance from {{ ref('fct_receivables') }}
),

staged as (
    select sum(amount) as total_amount from {{ ref('stg_erp__receivables') }}
),

paid as (
    select sum(payments.amount) as total_paid
    from {{ ref('stg_erp__payments') }} as payments
    inner join {{ ref('stg_erp__receivables') }} as receivables
        on receivables.receivable_id = payments.receivable_id
    where not payments.is_deleted
      and payments.paid_on <= {{ as_of_date() }}
)

select
    titles.total_balance,
    staged.total_amount,
    paid.total_paid
from titles
cross join staged
cross join paid
where coalesce(titles.total_balance, 0)
   <> coalesce(staged.total_amount, 0) - coalesce(paid.total_paid, 0)
