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
    cast(session_id as bigint) as session_id,
    cast(session_date as date) as session_date,
    cast(starts_at as timestamp) as starts_at,
    cast({{ time_label('starts_at') }} as varchar) as start_time,
    cast(activity_name as varchar) as activity,
    cast(area_name as varchar) as area,
    cast(instructor_name as varchar) as instructor,
    cast(1 as integer) as sessions,
    cast(capacity as integer) as capacity,
    cast(bookings as integer) as bookings,
    cast(booked as integer) as booked,
    cast(attended as integer) as attended,
    cast(occupancy_rate as decimal(9, 4)) as occupancy_rate,
    cast(attendance_rate as decimal(9, 4)) as attendance_rate,
    cast(as_of as date) as as_of
from sessions
