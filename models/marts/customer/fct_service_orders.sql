{#-
  One row per erp service order with its client and the totals of its lines
  (fct_service_order_lines): parts and services, count and value. is_open:
  status open or in_progress (not done, not cancelled).
-#}
with service_orders as (
    select * from {{ ref('stg_erp__service_orders') }}
),

lines as (
    select
        service_order_id,
        sum(case when line_type = 'part' then 1 else 0 end) as part_lines,
        sum(case when line_type = 'service' then 1 else 0 end) as service_lines,
        sum(case when line_type = 'part' then line_value else 0 end) as parts_amount,
        sum(case when line_type = 'service' then line_value else 0 end) as services_amount,
        string_agg(case when line_type = 'part' then description end, '; ' order by line_id) as parts,
        string_agg(case when line_type = 'service' then description end, '; ' order by line_id)
            as services
    from {{ ref('fct_service_order_lines') }}
    group by service_order_id
)

select
    cast(service_orders.service_order_id as bigint) as service_order_id,
    cast(service_orders.company_id as bigint) as company_id,
    cast(companies.name as varchar) as company_name,
    cast(service_orders.customer_code as varchar) as customer_code,
    cast(identity.client_key as varchar) as client_key,
    cast(service_orders.equipment as varchar) as equipment,
    cast(service_orders.serial_number as varchar) as serial_number,
    cast(service_orders.opened_at as timestamp) as opened_at,
    cast(service_orders.opened_at as date) as opened_date,
    cast(service_orders.closed_at as timestamp) as closed_at,
    cast(service_orders.status as varchar) as status,
    cast(service_orders.status in ('open', 'in_progress') as boolean) as is_open,
    cast(service_orders.technician_name as varchar) as technician_name,
    cast(coalesce(lines.part_lines, 0) as integer) as part_lines,
    cast(coalesce(lines.service_lines, 0) as integer) as service_lines,
    cast(lines.parts as varchar) as parts,
    cast(lines.services as varchar) as services,
    cast(coalesce(lines.parts_amount, 0) as decimal(18, 2)) as parts_amount,
    cast(coalesce(lines.services_amount, 0) as decimal(18, 2)) as services_amount,
    cast(coalesce(lines.parts_amount, 0) + coalesce(lines.services_amount, 0) as decimal(18, 2))
        as total_amount
from service_orders
left join lines on lines.service_order_id = service_orders.service_order_id
left join {{ ref('stg_erp__companies') }} as companies
    on companies.company_id = service_orders.company_id
left join {{ ref('int_client_identity') }} as identity
    on identity.source_system = 'erp' and identity.source_id = service_orders.customer_code
