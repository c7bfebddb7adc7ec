{#-
  One row per erp order item. line_value = quantity * unit_price -
  discount_amount (rounded to cents): the order value rule (fct_orders sums
  these). Items of cancelled orders are kept, flagged is_cancelled.
-#}
{{ config(materialized='incremental', unique_key='order_item_id') }}

with items as (
    select * from {{ ref('stg_erp__order_items') }}
),

orders as (
    select
        orders.order_id,
        orders.order_code,
        orders.company_id,
        orders.customer_code,
        orders.ordered_at,
        orders.status,
        identity.client_key
    from {{ ref('stg_erp__orders') }} as orders
    left join {{ ref('int_client_identity') }} as identity
        on identity.source_system = 'erp' and identity.source_id = orders.customer_code
),

returns as (
    select
        order_item_id,
        sum(quantity) as returned_quantity,
        sum(refund_amount) as refund_amount
    from {{ ref('stg_erp__returns') }}
    group by order_item_id
)

select
    cast(items.order_item_id as bigint) as order_item_id,
    cast(items.order_id as bigint) as order_id,
    cast(orders.order_code as varchar) as order_code,
    cast(orders.company_id as bigint) as company_id,
    cast(orders.customer_code as varchar) as customer_code,
    cast(orders.client_key as varchar) as client_key,
    cast(orders.ordered_at as timestamp) as ordered_at,
    cast(orders.ordered_at as date) as order_date,
    cast(items.product_id as bigint) as product_id,
    cast(products.product_code as varchar) as product_code,
    cast(products.name as varchar) as product_name,
    cast(products.category as varchar) as product_category,
    cast(items.quantity as decimal(18, 2)) as quantity,
    cast(items.unit_price as decimal(18, 2)) as unit_price,
    cast(items.discount_amount as decimal(18, 2)) as discount_amount,
    cast(items.quantity * items.unit_price - items.discount_amount as decimal(18, 2)) as line_value,
    cast(items.lot_number as varchar) as lot_number,
    cast(items.size as varchar) as size,
    cast(orders.status as varchar) as order_status,
    cast(orders.status = 'cancelled' as boolean) as is_cancelled,
    cast(coalesce(returns.returned_quantity, 0) as decimal(18, 2)) as returned_quantity,
    cast(coalesce(returns.refund_amount, 0) as decimal(18, 2)) as refund_amount
from items
left join orders on orders.order_id = items.order_id
left join {{ ref('stg_erp__products') }} as products on products.product_id = items.product_id
left join returns on returns.order_item_id = items.order_item_id
