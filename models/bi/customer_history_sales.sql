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
    cast(order_item_id as bigint) as order_item_id,
    cast(client_key as varchar) as client_key,
    cast(order_date as date) as order_date,
    cast(order_code as varchar) as order_code,
    cast(company_id as bigint) as company_id,
    cast(product_code as varchar) as product_code,
    cast(product_name as varchar) as product_name,
    cast(unit_price as decimal(18, 2)) as unit_price,
    cast(quantity as decimal(18, 2)) as quantity,
    cast(discount_amount as decimal(18, 2)) as discount_amount,
    cast(line_value as decimal(18, 2)) as line_value,
    cast(lot_number as varchar) as lot_number,
    cast(size as varchar) as size
from items
