{#-
  Client card, service orders (docs/contract/reports.md 5): one row per service order with
  equipment, parts, services and technician.
-#}
select
    cast(service_order_id as bigint) as service_order_id,
    cast(client_key as varchar) as client_key,
    cast(opened_at as timestamp) as opened_at,
    cast(opened_date as date) as opened_date,
    cast(status as varchar) as status,
    cast(equipment as varchar) as equipment,
    cast(serial_number as varchar) as serial_number,
    cast(technician_name as varchar) as technician_name,
    cast(parts as varchar) as parts,
    cast(services as varchar) as services,
    cast(parts_amount as decimal(18, 2)) as parts_amount,
    cast(services_amount as decimal(18, 2)) as services_amount,
    cast(total_amount as decimal(18, 2)) as total_amount
from {{ ref('fct_service_orders') }}
