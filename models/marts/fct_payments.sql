{#-
  One row per erp payment, reversed ones included (is_reversed = the payment
  was deleted in the source). is_counted: not reversed and paid on or before
  as_of (the payments that reduce a balance). is_on_time: paid_on <= the
  title's due_on.
-#}
{{ config(materialized='incremental', unique_key='payment_id', tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

with payments as (
    select * from {{ ref('stg_erp__payments') }}
),

titles as (
    select receivable_id, due_on, order_id, company_id, customer_code
    from {{ ref('stg_erp__receivables') }}
)

select
    cast(payments.payment_id as bigint) as payment_id,
    cast(payments.receivable_id as bigint) as receivable_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(titles.company_id as bigint) as company_id,
    cast(titles.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(titles.order_id as bigint) as order_id,
    cast(orders.order_code as varchar) as order_code,
    cast(payments.paid_on as date) as paid_on,
    cast(titles.due_on as date) as due_on,
    cast(payments.amount as decimal(18, 2)) as amount,
    cast(payments.method as varchar) as method,
    cast(payments.is_deleted as boolean) as is_reversed,
    cast(payments.deleted_at as timestamp) as reversed_at,
    cast(not payments.is_deleted and payments.paid_on <= {{ as_of_date() }} as boolean) as is_counted,
    cast(payments.paid_on <= titles.due_on as boolean) as is_on_time
from payments
left join titles on titles.receivable_id = payments.receivable_id
left join {{ ref('stg_erp__orders') }} as orders on orders.order_id = titles.order_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = titles.customer_code
