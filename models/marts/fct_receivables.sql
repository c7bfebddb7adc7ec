{#-
  One row per receivable title as of var('as_of'): status, paid, balance,
  days late, paid on time (rules in int_receivables_status).
-#}
{{ config(materialized='incremental', unique_key='receivable_id', tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

with titles as (
    select * from {{ ref('int_receivables_status') }}
)

select
    cast(titles.receivable_id as bigint) as receivable_id,
    cast(titles.as_of as date) as as_of,
    cast(titles.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(titles.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(titles.order_id as bigint) as order_id,
    cast(orders.order_code as varchar) as order_code,
    cast(titles.negotiation_id as bigint) as negotiation_id,
    cast(titles.document_number as varchar) as document_number,
    cast(titles.installment_number as integer) as installment_number,
    cast(titles.installments_total as integer) as installments_total,
    cast(titles.issued_on as date) as issued_on,
    cast(titles.due_on as date) as due_on,
    cast(titles.amount as decimal(18, 2)) as amount,
    cast(titles.paid_amount as decimal(18, 2)) as paid_amount,
    cast(titles.balance as decimal(18, 2)) as balance,
    cast(titles.status as varchar) as status,
    cast(titles.status in {{ receivable_statuses_owed() }} as boolean) as is_owed,
    cast(titles.days_late as integer) as days_late,
    cast(titles.paid_on_time as boolean) as paid_on_time,
    cast(titles.paid_off_on as date) as paid_off_on,
    cast(titles.last_paid_on as date) as last_paid_on,
    cast(titles.cancelled_on as date) as cancelled_on,
    cast(titles.renegotiated_on as date) as renegotiated_on,
    cast(titles.credit_bureau_on as date) as credit_bureau_on,
    cast(titles.collection_on as date) as collection_on
from titles
left join {{ ref('stg_erp__companies') }} as companies on companies.company_id = titles.company_id
left join {{ ref('stg_erp__orders') }} as orders on orders.order_id = titles.order_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = titles.customer_code
