-- Client card, returns of items the client bought.
select
    return_id,
    returned_on,
    order_code,
    product_code,
    product_name,
    quantity,
    reason,
    refund_amount
from bi.client_card_returns
where client_key = $client_key
order by returned_on, return_id
