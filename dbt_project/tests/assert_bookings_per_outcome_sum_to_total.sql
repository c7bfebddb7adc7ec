-- Every staged booking of a staged session is in fct_bookings, and the bookings per
-- outcome add up to the total; counted bookings = total - session_cancelled
-- = attended + excused + unexcused + scheduled. That no booking is there twice is
-- fct_bookings' unique test on booking_id, not counted again here (a distinct count
-- of every booking_id: half this test's time at large).
with facts as (
    select
        count(*) as total,
        sum(case when is_counted then 1 else 0 end) as counted,
        sum(case when outcome = 'session_cancelled' then 1 else 0 end) as session_cancelled,
        sum(case when outcome = 'attended' then 1 else 0 end) as attended,
        sum(case when outcome = 'excused_absence' then 1 else 0 end) as excused,
        sum(case when outcome = 'unexcused_absence' then 1 else 0 end) as unexcused,
        sum(case when outcome = 'scheduled' then 1 else 0 end) as scheduled
    from {{ ref('fct_bookings') }}
),

staged as (
    select count(*) as total
    from {{ ref('stg_studio__bookings') }} as bookings
    inner join {{ ref('stg_studio__sessions') }} as sessions
        on sessions.session_id = bookings.session_id
)

select facts.*, staged.total as staged_total
from facts
cross join staged
where facts.total <> staged.total
   or coalesce(facts.session_cancelled + facts.attended + facts.excused + facts.unexcused + facts.scheduled, 0)
      <> facts.total
   or coalesce(facts.counted, 0) <> coalesce(facts.total - facts.session_cancelled, 0)
