-- Customer history, schedule: every scheduled event of the client
-- (bi.customer_history_schedule).
select
    event_id,
    scheduled_for,
    event_type,
    status,
    responsible,
    order_code,
    completed_at,
    company_name
from bi.customer_history_schedule
where client_key = $client_key
order by scheduled_for, event_id
