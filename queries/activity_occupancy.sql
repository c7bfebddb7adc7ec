-- Activity report: occupancy, docs/contract/reports.md section 2.
--
-- Reads bi.activity_occupancy_sessions only (one row per session that is not cancelled).
-- One row per session in the period, plus one total row (is_total = true) that is the
-- summary: the counts summed and the rates recomputed from the sums (never averaged).
--   booked          bookings with no cancelled_at
--   occupancy_rate  booked / capacity
--   attendance_rate attended / booked, null when booked = 0
--
-- Parameters: $from_date, $to_date (session dates, inclusive).
select
    grouping(session_id) = 1 as is_total,
    session_id,
    any_value(session_date) as session_date,
    any_value(start_time) as start_time,
    any_value(activity) as activity,
    any_value(area) as area,
    any_value(instructor) as instructor,
    cast(coalesce(sum(sessions), 0) as bigint) as sessions,
    coalesce(sum(capacity), 0) as capacity,
    coalesce(sum(booked), 0) as booked,
    coalesce(sum(attended), 0) as attended,
    cast(case when sum(capacity) > 0 then round(sum(booked) / sum(capacity), 4) end
        as decimal(9, 4)) as occupancy_rate,
    cast(case when sum(booked) > 0 then round(sum(attended) / sum(booked), 4) end
        as decimal(9, 4)) as attendance_rate
from bi.activity_occupancy_sessions
where session_date between $from_date and $to_date
group by grouping sets ((session_id), ())
order by is_total desc, session_date asc, start_time asc, session_id asc
