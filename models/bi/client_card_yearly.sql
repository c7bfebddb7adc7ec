{#-
  Client card, yearly indicators (docs/contract/reports.md 5): one row per client and year,
  the 5 years ending with the year of as_of, years with nothing included. The
  on-time rate comes with its numerator and denominator.
-#}
{{ config(materialized='view') }}
select
    client_key,
    year,
    orders,
    sales_value,
    items,
    amount_due,
    amount_paid,
    payments,
    on_time_payments,
    on_time_rate,
    service_orders,
    returns,
    as_of
from {{ ref('client_yearly_indicators') }}
