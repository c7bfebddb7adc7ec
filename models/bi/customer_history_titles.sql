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
    titles.receivable_id,
    titles.client_key,
    clients.full_name as client_name,
    titles.company_id,
    titles.company_name,
    titles.order_code,
    titles.document_number,
    titles.installment_number,
    titles.installments_total,
    titles.issued_on,
    titles.due_on,
    titles.amount,
    titles.paid_amount as paid,
    titles.paid_off_on,
    titles.balance,
    titles.status,
    titles.is_owed,
    titles.is_owed and titles.due_on < titles.as_of as is_past_due,
    titles.days_late,
    case
        when titles.status in ('cancelled', 'renegotiated') then null
        when titles.paid_on_time then true
        when titles.balance <= 0 or titles.due_on < titles.as_of then false
    end as on_time,
    titles.negotiation_id,
    titles.as_of
from titles
left join clients on clients.client_key = titles.client_key
