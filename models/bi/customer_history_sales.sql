{#-
  Customer history "sales" and client card "sales history" (docs/contract/reports.md 4, 5):
  one row per item of a non-cancelled order.
-#}
{{ config(materialized='view') }}
with items as (
    select * from {{ ref('fct_order_items') }}
    where not is_cancelled
)

select
    order_item_id,
    client_key,
    order_date,
    order_code,
    company_id,
    product_code,
    product_name,
    unit_price,
    quantity,
    discount_amount,
    line_value,
    lot_number,
    size
from items
