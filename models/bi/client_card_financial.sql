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
    cast(clients.client_key as varchar) as client_key,
    cast(clients.full_name as varchar) as full_name,
    cast(clients.document_number as varchar) as document_number,
    cast(clients.crm_client_id as varchar) as crm_client_id,
    cast(clients.studio_member_id as bigint) as studio_member_id,
    cast(clients.erp_customer_code as varchar) as erp_customer_code,
    cast(clients.email as varchar) as email,
    cast(clients.phone as varchar) as phone,
    cast(clients.city as varchar) as city,
    cast(clients.client_group as varchar) as client_group,
    cast(clients.owner_staff_id as varchar) as owner_staff_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(coalesce(status.total_receivable, 0) as decimal(18, 2)) as total_receivable,
    cast(coalesce(status.past_due_amount, 0) as decimal(18, 2)) as overdue_amount,
    cast(coalesce(status.open_count, 0) + coalesce(status.overdue_count, 0)
        + coalesce(status.credit_bureau_count, 0) + coalesce(status.in_collection_count, 0)
        as integer) as owed_titles,
    cast(coalesce(status.credit_bureau_balance, 0) as decimal(18, 2)) as credit_bureau_amount,
    cast(coalesce(status.in_collection_balance, 0) as decimal(18, 2)) as in_collection_amount,
    cast(coalesce(status.payment_count, 0) as integer) as payments,
    cast(coalesce(status.on_time_payment_count, 0) as integer) as on_time_payments,
    cast(status.on_time_payment_rate as decimal(9, 4)) as on_time_payment_rate,
    cast(status.avg_days_late as decimal(9, 2)) as avg_days_late,
    cast(status.max_days_late as integer) as max_days_late,
    cast(status.last_payment_on as date) as last_payment_on
from clients
left join status on status.client_key = clients.client_key
