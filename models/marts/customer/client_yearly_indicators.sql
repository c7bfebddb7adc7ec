{#-
  Client card "yearly indicators": one row per (client, calendar year) for the
  5 years ending with the year of var('as_of'), empty years included (zeros),
  every figure counted up to as_of only.

  orders / sales_value / items / items_quantity
                   non-cancelled orders ordered in the year (fct_orders)
  amount_due       face value of the titles falling due in the year, except
                   cancelled and renegotiated ones (their debt moved)
  amount_paid      counted payments (not reversed, paid_on <= as_of) paid in
                   the year
  on_time_rate     of those payments, the share paid on or before the
                   title's due date (null when no payment)
  service_orders   service orders opened in the year, except cancelled ones
  returns / returned_quantity / refund_amount   returns in the year
-#}
{{ config(materialized='incremental', unique_key=['client_key', 'year'], tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

with years as (
    select distinct year
    from {{ ref('dim_date') }}
    where year between extract(year from {{ as_of_date() }}) - 4 and extract(year from {{ as_of_date() }})
),

clients as (
    select client_key from {{ ref('dim_client') }}
),

orders as (
    select
        client_key,
        extract(year from order_date) as year,
        count(*) as orders,
        sum(order_value) as sales_value,
        sum(item_count) as items,
        sum(total_quantity) as items_quantity
    from {{ ref('fct_orders') }}
    where not is_cancelled and order_date <= {{ as_of_date() }} and client_key is not null
    group by 1, 2
),

titles as (
    select
        client_key,
        extract(year from due_on) as year,
        sum(amount) as amount_due
    from {{ ref('fct_receivables') }}
    where status not in ('cancelled', 'renegotiated')
      and due_on <= {{ as_of_date() }}
      and client_key is not null
    group by 1, 2
),

payments as (
    select
        client_key,
        extract(year from paid_on) as year,
        sum(amount) as amount_paid,
        count(*) as payments,
        sum(case when is_on_time then 1 else 0 end) as on_time_payments
    from {{ ref('fct_payments') }}
    where is_counted and client_key is not null
    group by 1, 2
),

service_orders as (
    select
        client_key,
        extract(year from opened_date) as year,
        count(*) as service_orders
    from {{ ref('fct_service_orders') }}
    where status <> 'cancelled' and opened_date <= {{ as_of_date() }} and client_key is not null
    group by 1, 2
),

returns as (
    select
        client_key,
        extract(year from returned_on) as year,
        count(*) as returns,
        sum(quantity) as returned_quantity,
        sum(refund_amount) as refund_amount
    from {{ ref('fct_returns') }}
    where returned_on <= {{ as_of_date() }} and client_key is not null
    group by 1, 2
)

select
    cast(clients.client_key as varchar) as client_key,
    cast(years.year as integer) as year,
    cast({{ as_of_date() }} as date) as as_of,
    cast(coalesce(orders.orders, 0) as integer) as orders,
    cast(coalesce(orders.sales_value, 0) as decimal(18, 2)) as sales_value,
    cast(coalesce(orders.items, 0) as integer) as items,
    cast(coalesce(orders.items_quantity, 0) as decimal(18, 2)) as items_quantity,
    cast(coalesce(titles.amount_due, 0) as decimal(18, 2)) as amount_due,
    cast(coalesce(payments.amount_paid, 0) as decimal(18, 2)) as amount_paid,
    cast(coalesce(payments.payments, 0) as integer) as payments,
    cast(coalesce(payments.on_time_payments, 0) as integer) as on_time_payments,
    cast(case when payments.payments > 0
              then cast(payments.on_time_payments as decimal(18, 4)) / payments.payments
         end as decimal(9, 4)) as on_time_rate,
    cast(coalesce(service_orders.service_orders, 0) as integer) as service_orders,
    cast(coalesce(returns.returns, 0) as integer) as returns,
    cast(coalesce(returns.returned_quantity, 0) as decimal(18, 2)) as returned_quantity,
    cast(coalesce(returns.refund_amount, 0) as decimal(18, 2)) as refund_amount
from clients
cross join years
left join orders on orders.client_key = clients.client_key and orders.year = years.year
left join titles on titles.client_key = clients.client_key and titles.year = years.year
left join payments on payments.client_key = clients.client_key and payments.year = years.year
left join service_orders
    on service_orders.client_key = clients.client_key and service_orders.year = years.year
left join returns on returns.client_key = clients.client_key and returns.year = years.year
