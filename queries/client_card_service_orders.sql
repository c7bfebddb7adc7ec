-- Client card, service orders: equipment, parts, services and technician.
select
    service_order_id,
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
from bi.client_card_service_orders
where client_key = $client_key
order by opened_at, service_order_id
