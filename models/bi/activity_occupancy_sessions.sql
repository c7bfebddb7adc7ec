{#-
  Activity report, occupancy (docs/contract/reports.md 2): one row per session that is not
  cancelled. A BI tool sums capacity, booked and attended over any filter and
  recomputes the rates from those sums (occupancy = booked / capacity,
  attendance = attended / booked); the per-session rates are for the row only
  and must never be averaged.
-#}
{{ config(materialized='view') }}
with sessions as (
    select * from {{ ref('activity_sessions') }}
)

select
    session_id,
    session_date,
    starts_at,
    {{ time_label('starts_at') }} as start_time,
    activity_name as activity,
    area_name as area,
    instructor_name as instructor,
    1 as sessions,
    capacity,
    bookings,
    booked,
    attended,
    occupancy_rate,
    attendance_rate,
    as_of
from sessions
