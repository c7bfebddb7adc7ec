{#-
  Client card, pending orders (docs/contract/reports.md 5): one row per order not delivered
  and not cancelled.
-#}
select
    cast(order_id as bigint) as order_id,
    cast(client_key as varchar) as client_key,
    cast(order_code as varchar) as order_code,
    cast(order_date as date) as order_date,
    cast(status as varchar) as status,
    cast(promised_delivery_on as date) as promised_delivery_on,
    cast(order_value as decimal(18, 2)) as order_value,
    cast(company_name as varchar) as company_name
from {{ ref('fct_orders') }}
where is_pending
