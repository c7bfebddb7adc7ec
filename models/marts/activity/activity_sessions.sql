{#-
  Activity report (occupancy): one row per studio session that is not
  cancelled, with zero-booking sessions included (docs/contract/reports.md 2). Booking
  counts come from fct_bookings (outcome rule of int_bookings_outcome):
    bookings   counted bookings (every outcome but session_cancelled)
    booked     counted bookings without cancelled_at (fct_bookings.is_booked)
    attended / excused_absences / unexcused_absences / scheduled  per outcome
  Rates are per session; a report over many sessions must recompute them
  from the summed counts (queries/activity_occupancy.sql does).
-#}
{{ config(materialized='incremental', unique_key='session_id', tags=['as_of'],
          meta={'row_diff_constant_columns': ['as_of']}) }}

with sessions as (
    select *
    from {{ ref('stg_studio__sessions') }}
    where not cancelled
),

counts as (
    select
        session_id,
        count(*) as bookings,
        sum(case when is_booked then 1 else 0 end) as booked,
        sum(case when outcome = 'attended' then 1 else 0 end) as attended,
        sum(case when outcome = 'excused_absence' then 1 else 0 end) as excused_absences,
        sum(case when outcome = 'unexcused_absence' then 1 else 0 end) as unexcused_absences,
        sum(case when outcome = 'scheduled' then 1 else 0 end) as scheduled
    from {{ ref('fct_bookings') }}
    where is_counted
    group by session_id
)

select
    cast(sessions.session_id as bigint) as session_id,
    cast(sessions.starts_at as date) as session_date,
    cast(sessions.starts_at as timestamp) as starts_at,
    cast(sessions.starts_at as time) as start_time,
    cast(sessions.ends_at as timestamp) as ends_at,
    cast(sessions.activity_id as bigint) as activity_id,
    cast(activities.name as varchar) as activity_name,
    cast(sessions.area_id as bigint) as area_id,
    cast(areas.name as varchar) as area_name,
    cast(sessions.instructor_id as bigint) as instructor_id,
    cast(instructors.full_name as varchar) as instructor_name,
    cast(sessions.capacity as integer) as capacity,
    cast(sessions.finalized_at is not null as boolean) as is_finalized,
    cast(coalesce(counts.bookings, 0) as integer) as bookings,
    cast(coalesce(counts.booked, 0) as integer) as booked,
    cast(coalesce(counts.attended, 0) as integer) as attended,
    cast(coalesce(counts.excused_absences, 0) as integer) as excused_absences,
    cast(coalesce(counts.unexcused_absences, 0) as integer) as unexcused_absences,
    cast(coalesce(counts.scheduled, 0) as integer) as scheduled,
    cast(case when sessions.capacity > 0
        then round(cast(coalesce(counts.booked, 0) as decimal(18, 6)) / sessions.capacity, 4) end
        as decimal(9, 4))
        as occupancy_rate,
    cast(case when coalesce(counts.booked, 0) > 0
        then round(cast(counts.attended as decimal(18, 6)) / counts.booked, 4) end
        as decimal(9, 4)) as attendance_rate,
    cast({{ as_of_date() }} as date) as as_of
from sessions
left join counts on counts.session_id = sessions.session_id
left join {{ ref('stg_studio__activities') }} as activities
    on activities.activity_id = sessions.activity_id
left join {{ ref('stg_studio__areas') }} as areas
    on areas.area_id = sessions.area_id
left join {{ ref('stg_studio__instructors') }} as instructors
    on instructors.instructor_id = sessions.instructor_id
