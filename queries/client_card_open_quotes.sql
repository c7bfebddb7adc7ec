-- Client card, open quotes: status open and still valid on as_of.
select
    quote_id,
    created_date,
    valid_until,
    amount,
    salesperson_email,
    company_name
from bi.client_card_open_quotes
where client_key = $client_key
order by created_date, quote_id
