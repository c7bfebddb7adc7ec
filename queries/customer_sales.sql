-- Every item the client bought (non-cancelled orders): customer history
-- "sales" and client card "sales history" (bi.customer_history_sales).
select
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
    size,
    order_item_id
from bi.customer_history_sales
where client_key = $client_key
order by order_date, order_code, order_item_id
