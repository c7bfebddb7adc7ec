{#-
  Client card, open quotes (docs/contract/reports.md 5): one row per quote open and still
  valid on as_of.
-#}
select
    quote_id,
    client_key,
    created_date,
    valid_until,
    amount,
    salesperson_email,
    company_name
from {{ ref('fct_quotes') }}
where is_open
