{#-
  One row per erp service-order line (a part or a service), with its service
  order, client and product. line_value = quantity * unit_price.
-#}
with lines as (
    select * from {{ ref('stg_erp__service_order_lines') }}
),

service_orders as (
    select service_order_id, company_id, customer_code, opened_at
    from {{ ref('stg_erp__service_orders') }}
)

select
    cast(lines.line_id as bigint) as line_id,
    cast(lines.service_order_id as bigint) as service_order_id,
    cast(service_orders.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(lines.line_type as varchar) as line_type,
    cast(lines.product_id as bigint) as product_id,
    cast(products.product_code as varchar) as product_code,
    cast(products.name as varchar) as product_name,
    cast(lines.description as varchar) as description,
    cast(lines.quantity as decimal(18, 2)) as quantity,
    cast(lines.unit_price as decimal(18, 2)) as unit_price,
    cast(lines.quantity * lines.unit_price as decimal(18, 2)) as line_value
from lines
left join service_orders on service_orders.service_order_id = lines.service_order_id
left join {{ ref('stg_erp__products') }} as products on products.product_id = lines.product_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = service_orders.customer_code
