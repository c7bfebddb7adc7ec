-- Client card, pending orders: not delivered and not cancelled.
select
    order_id,
    order_code,
    order_date,
    status,
    promised_delivery_on,
    order_value,
    company_name
from bi.client_card_pending_orders
where client_key = $client_key
order by order_date, order_id
