{#-
  Client card, returns (docs/contract/reports.md 5): one row per returned item.
-#}
select
    cast(return_id as bigint) as return_id,
    cast(client_key as varchar) as client_key,
    cast(returned_on as date) as returned_on,
    cast(order_code as varchar) as order_code,
    cast(product_code as varchar) as product_code,
    cast(product_name as varchar) as product_name,
    cast(quantity as decimal(18, 2)) as quantity,
    cast(reason as varchar) as reason,
    cast(refund_amount as decimal(18, 2)) as refund_amount
from {{ ref('fct_returns') }}
