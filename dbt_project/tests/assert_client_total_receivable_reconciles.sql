-- client_financial_status.total_receivable per client = sum of the balances
-- of that client's titles in an owed status (open, overdue, credit_bureau,
-- in_collection) in fct_receivables; and every client with titles has a row.
with from_titles as (
    select
        client_key,
        sum(case when status in {{ receivable_statuses_owed() }} then balance else 0 end) as total_receivable
    from {{ ref('fct_receivables') }}
    where client_key is not null
    group by client_key
)

select
    from_titles.client_key,
    from_titles.total_receivable as expected,
    status.total_receivable as actual
from from_titles
left join {{ ref('client_financial_status') }} as status
    on status.client_key = from_titles.client_key
where status.client_key is null
   or status.total_receivable <> from_titles.total_receivable
