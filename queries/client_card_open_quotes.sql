-- Client card, open quotes: status open and still valid on as_of.
select
    quote_id,
    created_date,
    valid_until,
    amount,
    salesperson_email,
    company_name
from marts.fct_quotes
where client_key = $client_key
  and is_open
order by created_date, quote_id
