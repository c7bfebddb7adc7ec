{#-
  Studio bookings with their session and outcome (rule: macro booking_outcome,
  cut-off var('cancellation_cutoff_hours')). One row per booking.
  is_counted is false for session_cancelled: such bookings count nowhere.
-#}
{{ config(materialized='view') }}

with bookings as (
    select * from {{ ref('stg_studio__bookings') }}
),

sessions as (
    select * from {{ ref('stg_studio__sessions') }}
),

joined as (
    select
        bookings.booking_id,
        bookings.session_id,
        bookings.member_id,
        bookings.booked_at,
        bookings.cancelled_at,
        bookings.attendance,
        sessions.activity_id,
        sessions.area_id,
        sessions.instructor_id,
        sessions.starts_at,
        sessions.ends_at,
        sessions.finalized_at,
        sessions.cancelled as session_cancelled
    from bookings
    inner join sessions on sessions.session_id = bookings.session_id
)

select
    booking_id,
    session_id,
    member_id,
    booked_at,
    cancelled_at,
    attendance,
    activity_id,
    area_id,
    instructor_id,
    starts_at,
    ends_at,
    cast(starts_at as date) as session_date,
    finalized_at,
    session_cancelled,
    {{ booking_outcome('session_cancelled', 'finalized_at', 'cancelled_at', 'starts_at', 'attendance') }} as outcome,
    not session_cancelled as is_counted
from joined
