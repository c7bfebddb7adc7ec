{#-
  Client card, open quotes (docs/contract/reports.md 5): one row per quote open and still
  valid on as_of.
-#}
select
    cast(quote_id as bigint) as quote_id,
    cast(client_key as varchar) as client_key,
    cast(created_date as date) as created_date,
    cast(valid_until as date) as valid_until,
    cast(amount as decimal(18, 2)) as amount,
    cast(salesperson_email as varchar) as salesperson_email,
    cast(company_name as varchar) as company_name
from {{ ref('fct_quotes') }}
where is_open
