{#-
  One row per studio booking with its outcome (int_bookings_outcome).
  Bookings of cancelled sessions are kept with outcome session_cancelled and
  is_counted = false: they count as a booking nowhere.
-#}
{{ config(materialized='incremental', unique_key='booking_id') }}

with bookings as (
    select * from {{ ref('int_bookings_outcome') }}
),

members as (
    select
        cast(members.member_id as {{ dbt.type_string() }}) as member_key,
        members.registration_type,
        identity.client_key
    from {{ ref('stg_studio__members') }} as members
    left join {{ ref('int_client_identity') }} as identity
        on identity.source_system = 'studio'
        and identity.source_id = cast(members.member_id as {{ dbt.type_string() }})
)

select
    cast(bookings.booking_id as bigint) as booking_id,
    cast(bookings.session_id as bigint) as session_id,
    cast(bookings.member_id as bigint) as member_id,
    cast(members.client_key as varchar) as client_key,
    cast(bookings.session_date as date) as session_date,
    cast(bookings.starts_at as timestamp) as starts_at,
    cast(bookings.ends_at as timestamp) as ends_at,
    cast(bookings.activity_id as bigint) as activity_id,
    cast(activities.name as varchar) as activity_name,
    cast(bookings.area_id as bigint) as area_id,
    cast(areas.name as varchar) as area_name,
    cast(bookings.instructor_id as bigint) as instructor_id,
    cast(instructors.full_name as varchar) as instructor_name,
    cast(members.registration_type as varchar) as registration_type,
    cast(bookings.booked_at as timestamp) as booked_at,
    cast(bookings.cancelled_at as timestamp) as cancelled_at,
    cast(bookings.attendance as varchar) as attendance,
    cast(bookings.outcome as varchar) as outcome,
    cast(bookings.is_counted as boolean) as is_counted,
    cast(bookings.cancelled_at is null and bookings.is_counted as boolean) as is_booked
from bookings
left join members on members.member_key = cast(bookings.member_id as {{ dbt.type_string() }})
left join {{ ref('stg_studio__activities') }} as activities
    on activities.activity_id = bookings.activity_id
left join {{ ref('stg_studio__areas') }} as areas
    on areas.area_id = bookings.area_id
left join {{ ref('stg_studio__instructors') }} as instructors
    on instructors.instructor_id = bookings.instructor_id
