{#-
  Activity report (clients): one row per booking that counts, i.e. every
  studio booking whose outcome is not session_cancelled (docs/contract/reports.md 1). The
  outcome is the rule of int_bookings_outcome, read through fct_bookings; this
  model only adds the client's attributes so a BI tool can group by client,
  registration type, activity, area or instructor for any period without
  touching staging.

  registration_type is the client's (dim_client, the primary studio record),
  falling back to the booking member's own when the client has none (e.g. the
  member record is deleted): the same value is used to filter and to show.
  A view: a second copy of fct_bookings' counted rows would cost a write of every
  booking each day, and the drill-down reads one client of it as fast.
-#}
{{ config(materialized='view', tags=['as_of']) }}

with bookings as (
    select *
    from {{ ref('fct_bookings') }}
    where is_counted
),

clients as (
    select client_key, full_name, registration_type
    from {{ ref('dim_client') }}
)

select
    cast(bookings.booking_id as bigint) as booking_id,
    cast(bookings.session_id as bigint) as session_id,
    cast(bookings.client_key as varchar) as client_key,
    cast(clients.full_name as varchar) as full_name,
    cast(coalesce(clients.registration_type, bookings.registration_type) as varchar)
        as registration_type,
    cast(bookings.outcome as varchar) as outcome,
    cast(bookings.session_date as date) as session_date,
    cast(bookings.starts_at as timestamp) as starts_at,
    cast(bookings.starts_at as time) as start_time,
    cast(bookings.activity_id as bigint) as activity_id,
    cast(bookings.activity_name as varchar) as activity_name,
    cast(bookings.area_id as bigint) as area_id,
    cast(bookings.area_name as varchar) as area_name,
    cast(bookings.instructor_id as bigint) as instructor_id,
    cast(bookings.instructor_name as varchar) as instructor_name,
    cast(bookings.booked_at as timestamp) as booked_at,
    cast(bookings.cancelled_at as timestamp) as cancelled_at,
    cast(bookings.attendance as varchar) as attendance,
    cast(bookings.is_booked as boolean) as is_booked,
    cast({{ as_of_date() }} as date) as as_of
from bookings
left join clients on clients.client_key = bookings.client_key
