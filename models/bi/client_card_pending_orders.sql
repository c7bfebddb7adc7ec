{#-
  Client card, pending orders (docs/contract/reports.md 5): one row per order not delivered
  and not cancelled.
-#}
select
    order_id,
    client_key,
    order_code,
    order_date,
    status,
    promised_delivery_on,
    order_value,
    company_name
from {{ ref('fct_orders') }}
where is_pending
