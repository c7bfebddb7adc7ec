-- Sum of order values = sum over staged items of their line value
-- (quantity * unit_price - discount_amount, to the cent); items of unknown
-- orders excluded.
with facts as (
    select sum(order_value) as total from {{ ref('fct_orders') }}
),

staged as (
    select sum(cast(items.quantity * items.unit_price - items.discount_amount as decimal(18, 2))) as total
    from {{ ref('stg_erp__order_items') }} as items
    inner join {{ ref('stg_erp__orders') }} as orders on orders.order_id = items.order_id
)

select facts.total as facts_total, staged.total as staged_total
from facts
cross join staged
where coalesce(facts.total, 0) <> coalesce(staged.total, 0)
