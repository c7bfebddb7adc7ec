{#-
  Client card, service orders (docs/contract/reports.md 5): one row per service order with
  equipment, parts, services and technician.
-#}
select
    service_order_id,
    client_key,
    opened_at,
    opened_date,
    status,
    equipment,
    serial_number,
    technician_name,
    parts,
    services,
    parts_amount,
    services_amount,
    total_amount
from {{ ref('fct_service_orders') }}
