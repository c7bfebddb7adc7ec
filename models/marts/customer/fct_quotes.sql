{#-
  One row per erp quote with its client and salesperson (crm staff by
  e-mail). is_open: status open and still valid on as_of (valid_until >=
  as_of); an open quote past its validity is shown as open in the source but
  no longer offered, so it is not "open" here.
-#}
{{ config(tags=['as_of']) }}

select
    cast(quotes.quote_id as bigint) as quote_id,
    cast({{ as_of_date() }} as date) as as_of,
    cast(quotes.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(quotes.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(quotes.salesperson_email as varchar) as salesperson_email,
    cast(salesperson.staff_id as varchar) as salesperson_staff_id,
    cast(quotes.created_at as timestamp) as created_at,
    cast(quotes.created_at as date) as created_date,
    cast(quotes.valid_until as date) as valid_until,
    cast(quotes.status as varchar) as status,
    cast(quotes.amount as decimal(18, 2)) as amount,
    cast(quotes.status = 'open' and quotes.valid_until >= {{ as_of_date() }} as boolean) as is_open
from {{ ref('stg_erp__quotes') }} as quotes
left join {{ ref('stg_erp__companies') }} as companies on companies.company_id = quotes.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = quotes.customer_code
left join {{ ref('int_staff_by_email') }} as salesperson
    on salesperson.email = quotes.salesperson_email
