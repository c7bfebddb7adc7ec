{#-
  One row per erp return of an order item, with the item's order, product and
  client (from fct_order_items).
-#}
select
    cast(returns.return_id as bigint) as return_id,
    cast(returns.order_item_id as bigint) as order_item_id,
    cast(items.order_id as bigint) as order_id,
    cast(items.order_code as varchar) as order_code,
    cast(items.company_id as bigint) as company_id,
    cast(items.customer_code as varchar) as customer_code,
    cast(items.client_key as varchar) as client_key,
    cast(items.product_id as bigint) as product_id,
    cast(items.product_code as varchar) as product_code,
    cast(items.product_name as varchar) as product_name,
    cast(returns.returned_on as date) as returned_on,
    cast(returns.quantity as decimal(18, 2)) as quantity,
    cast(returns.reason as varchar) as reason,
    cast(returns.refund_amount as decimal(18, 2)) as refund_amount
from {{ ref('stg_erp__returns') }} as returns
left join {{ ref('fct_order_items') }} as items on items.order_item_id = returns.order_item_id
