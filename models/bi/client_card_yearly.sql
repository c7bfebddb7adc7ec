{#-
  Client card, yearly indicators (docs/contract/reports.md 5): one row per client and year,
  the 5 years ending with the year of as_of, years with nothing included. The
  on-time rate comes with its numerator and denominator.
-#}
{{ config(materialized='view') }}
select
    cast(client_key as varchar) as client_key,
    cast(year as integer) as year,
    cast(orders as integer) as orders,
    cast(sales_value as decimal(18, 2)) as sales_value,
    cast(items as integer) as items,
    cast(amount_due as decimal(18, 2)) as amount_due,
    cast(amount_paid as decimal(18, 2)) as amount_paid,
    cast(payments as integer) as payments,
    cast(on_time_payments as integer) as on_time_payments,
    cast(on_time_rate as decimal(9, 4)) as on_time_rate,
    cast(service_orders as integer) as service_orders,
    cast(returns as integer) as returns,
    cast(as_of as date) as as_of
from {{ ref('client_yearly_indicators') }}
