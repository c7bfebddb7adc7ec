{#-
  Activity report, clients, drill-down (docs/contract/reports.md 1): one row per counted
  booking with session date, start time (text HH:MM, plus the timestamp),
  activity, instructor, area and outcome.
-#}
{{ config(materialized='view') }}
with bookings as (
    select * from {{ ref('activity_bookings') }}
)

select
    booking_id,
    session_id,
    client_key,
    full_name,
    registration_type,
    session_date,
    starts_at,
    {{ time_label('starts_at') }} as start_time,
    activity_name as activity,
    instructor_name as instructor,
    area_name as area,
    outcome,
    as_of
from bookings
