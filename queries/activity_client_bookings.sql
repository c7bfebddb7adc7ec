-- Activity report: clients, drill-down for one client (REPORTS.md section 1): each counted
-- booking of the client in the period with session date, start time, activity,
-- instructor, area and outcome. Same filters as activity_clients.sql.
--
-- Parameters: $client_key, $from_date, $to_date, $registration_types (list or null),
-- $outcomes (list or null).
select
    booking_id,
    session_date,
    strftime(starts_at, '%H:%M') as start_time,
    activity_name as activity,
    instructor_name as instructor,
    area_name as area,
    outcome
from marts.activity_bookings
where client_key = $client_key
  and session_date between $from_date and $to_date
  and ($registration_types is null or list_contains($registration_types, registration_type))
  and ($outcomes is null or list_contains($outcomes, outcome))
order by starts_at, booking_id
