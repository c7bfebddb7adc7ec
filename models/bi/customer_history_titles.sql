{#-
  Customer history, financial section, and client card installment history
  (docs/contract/reports.md 4 and 5): one row per receivable title with its status as of
  the warehouse's as_of. Sums over any filter are the report's figures:
  total receivable = sum(balance) where is_owed; overdue amount =
  sum(balance) where is_past_due. on_time: true = paid in full on or before
  the due date; false = paid late, or past due and still unpaid; null = not
  due yet, or cancelled / renegotiated.
-#}
{{ config(materialized='incremental', unique_key='receivable_id',
          meta={'row_diff_constant_columns': ['as_of']}) }}

with titles as (
    select * from {{ ref('fct_receivables') }}
),

clients as (
    select client_key, full_name from {{ ref('dim_client') }}
)

select
    cast(titles.receivable_id as bigint) as receivable_id,
    cast(titles.client_key as varchar) as client_key,
    cast(clients.full_name as varchar) as client_name,
    cast(titles.company_id as bigint) as company_id,
    cast(titles.company_name as varchar) as company_name,
    cast(titles.order_code as varchar) as order_code,
    cast(titles.document_number as varchar) as document_number,
    cast(titles.installment_number as integer) as installment_number,
    cast(titles.installments_total as integer) as installments_total,
    cast(titles.issued_on as date) as issued_on,
    cast(titles.due_on as date) as due_on,
    cast(titles.amount as decimal(18, 2)) as amount,
    cast(titles.paid_amount as decimal(18, 2)) as paid,
    cast(titles.paid_off_on as date) as paid_off_on,
    cast(titles.balance as decimal(18, 2)) as balance,
    cast(titles.status as varchar) as status,
    cast(titles.is_owed as boolean) as is_owed,
    cast(titles.is_owed and titles.due_on < titles.as_of as boolean) as is_past_due,
    cast(titles.days_late as integer) as days_late,
    cast(case
        when titles.status in ('cancelled', 'renegotiated') then null
        when titles.paid_on_time then true
        when titles.balance <= 0 or titles.due_on < titles.as_of then false
    end as boolean) as on_time,
    cast(titles.negotiation_id as bigint) as negotiation_id,
    cast(titles.as_of as date) as as_of
from titles
left join clients on clients.client_key = titles.client_key
