-- Activity report: clients, drill-down for one client (docs/contract/reports.md section 1): each counted
-- booking of the client in the period with session date, start time, activity,
-- instructor, area and outcome (bi.activity_client_bookings). Same filters as
-- activity_clients.sql.
--
-- Parameters: $client_key, $from_date, $to_date, $registration_types (list or null),
-- $outcomes (list or null).
select
    booking_id,
    session_date,
    start_time,
    activity,
    instructor,
    area,
    outcome
from bi.activity_client_bookings
where client_key = $client_key
  and session_date between $from_date and $to_date
  and ($registration_types is null or list_contains($registration_types, registration_type))
  and ($outcomes is null or list_contains($outcomes, outcome))
order by starts_at, booking_id
