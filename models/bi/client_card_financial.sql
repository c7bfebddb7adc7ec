{#-
  Client card, financial situation, and customer history header (docs/contract/reports.md
  4, 5): one row per client (dim_client) with identity and the financial
  figures as of as_of (zeros when the client has no titles). The on-time
  payment rate comes with its numerator (on_time_payments) and denominator
  (payments) so a BI tool recomputes it over several clients.
-#}
{{ config(tags=['as_of']) }}

with clients as (
    select * from {{ ref('dim_client') }}
),

status as (
    select * from {{ ref('client_financial_status') }}
)

select
    clients.client_key,
    clients.full_name,
    clients.document_number,
    clients.crm_client_id,
    clients.studio_member_id,
    clients.erp_customer_code,
    clients.email,
    clients.phone,
    clients.city,
    clients.client_group,
    clients.owner_staff_id,
    {{ as_of_date() }} as as_of,
    coalesce(status.total_receivable, 0) as total_receivable,
    coalesce(status.past_due_amount, 0) as overdue_amount,
    coalesce(status.open_count, 0) + coalesce(status.overdue_count, 0)
    + coalesce(status.credit_bureau_count, 0) + coalesce(status.in_collection_count, 0) as owed_titles,
    coalesce(status.credit_bureau_balance, 0) as credit_bureau_amount,
    coalesce(status.in_collection_balance, 0) as in_collection_amount,
    coalesce(status.payment_count, 0) as payments,
    coalesce(status.on_time_payment_count, 0) as on_time_payments,
    status.on_time_payment_rate,
    status.avg_days_late,
    status.max_days_late,
    status.last_payment_on
from clients
left join status on status.client_key = clients.client_key
