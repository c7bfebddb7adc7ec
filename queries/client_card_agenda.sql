-- Client card, agenda and CRM: tasks, scheduled events and interactions of
-- the client, past and future (after the as_of day), in time order.
with as_of as (
    select max(date_day) as as_of
    from marts.dim_date
    where is_on_or_before_as_of
),

agenda as (
    select
        'task' as kind,
        due_at as at,
        task_type as type,
        status,
        assigned_staff_id as staff,
        cast(null as varchar) as subject
    from marts.fct_tasks
    where client_key = $client_key
    union all
    select
        'schedule_event',
        scheduled_for,
        event_type,
        status,
        coalesce(responsible_name, responsible_email),
        order_code
    from marts.fct_schedule_events
    where client_key = $client_key
    union all
    select
        'interaction',
        occurred_at,
        channel || ' ' || direction,
        'done',
        staff_id,
        subject
    from marts.fct_interactions
    where client_key = $client_key
)

select
    agenda.kind,
    agenda.at,
    agenda.type,
    agenda.status,
    agenda.staff,
    agenda.subject,
    cast(agenda.at as date) > as_of.as_of as is_future
from agenda
cross join as_of
order by agenda.at, agenda.kind
