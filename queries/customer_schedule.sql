-- Customer history, schedule: every scheduled event of the client.
select
    event_id,
    scheduled_for,
    event_type,
    status,
    coalesce(responsible_name, responsible_email) as responsible,
    order_code,
    completed_at,
    company_name
from marts.fct_schedule_events
where client_key = $client_key
order by scheduled_for, event_id
