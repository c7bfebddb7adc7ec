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
    cast(booking_id as bigint) as booking_id,
    cast(session_id as bigint) as session_id,
    cast(client_key as varchar) as client_key,
    cast(full_name as varchar) as full_name,
    cast(registration_type as varchar) as registration_type,
    cast(session_date as date) as session_date,
    cast(starts_at as timestamp) as starts_at,
    cast({{ time_label('starts_at') }} as varchar) as start_time,
    cast(activity_name as varchar) as activity,
    cast(instructor_name as varchar) as instructor,
    cast(area_name as varchar) as area,
    cast(outcome as varchar) as outcome,
    cast(as_of as date) as as_of
from bookings
