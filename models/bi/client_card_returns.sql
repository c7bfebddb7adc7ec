{#-
  Client card, returns (docs/contract/reports.md 5): one row per returned item.
-#}
select
    return_id,
    client_key,
    returned_on,
    order_code,
    product_code,
    product_name,
    quantity,
    reason,
    refund_amount
from {{ ref('fct_returns') }}
