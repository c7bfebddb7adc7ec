-- Client card, yearly indicators: the 5 years ending with the year of as_of,
-- years with nothing included (zeros).
select
    year,
    orders,
    sales_value,
    items,
    amount_due,
    amount_paid,
    on_time_rate,
    service_orders,
    returns
from bi.client_card_yearly
where client_key = $client_key
order by year
