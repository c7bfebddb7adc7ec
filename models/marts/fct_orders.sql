{#-
  One row per erp order. order_value = sum over its items of line_value
  (quantity * unit_price - discount_amount). A cancelled order counts
  nowhere: it is kept, flagged is_cancelled. is_pending = not delivered and
  not cancelled.
-#}
{{ config(materialized='incremental', unique_key='order_id') }}

with items as (
    select
        order_id,
        count(*) as item_count,
        sum(quantity) as total_quantity,
        sum(line_value) as order_value
    from {{ ref('fct_order_items') }}
    group by order_id
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
)

select
    cast(orders.order_id as bigint) as order_id,
    cast(orders.order_code as varchar) as order_code,
    cast(orders.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(orders.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(orders.salesperson_email as varchar) as salesperson_email,
    cast(salesperson.staff_id as varchar) as salesperson_staff_id,
    cast(orders.ordered_at as timestamp) as ordered_at,
    cast(orders.ordered_at as date) as order_date,
    cast(orders.status as varchar) as status,
    cast(orders.status = 'cancelled' as boolean) as is_cancelled,
    cast(orders.status not in ('delivered', 'cancelled') as boolean) as is_pending,
    cast(orders.promised_delivery_on as date) as promised_delivery_on,
    cast(orders.delivered_on as date) as delivered_on,
    cast(orders.invoice_number as varchar) as invoice_number,
    cast(orders.quote_id as bigint) as quote_id,
    cast(orders.contract_id as bigint) as contract_id,
    cast(coalesce(items.item_count, 0) as integer) as item_count,
    cast(coalesce(items.total_quantity, 0) as decimal(18, 2)) as total_quantity,
    cast(coalesce(items.order_value, 0) as decimal(18, 2)) as order_value
from orders
left join items on items.order_id = orders.order_id
left join {{ ref('stg_erp__companies') }} as companies on companies.company_id = orders.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = orders.customer_code
left join {{ ref('int_staff_by_email') }} as salesperson
    on salesperson.email = orders.salesperson_email
