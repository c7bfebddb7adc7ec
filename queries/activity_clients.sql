-- Activity report: clients (bookings and attendance), REPORTS.md section 1.
--
-- Reads marts.activity_bookings only (one row per counted booking: outcome is never
-- session_cancelled there). One row per client with at least one counted booking in the
-- period, plus one total row (is_total = true) that is the report's summary:
-- clients, bookings, attended, excused_absences, unexcused_absences, scheduled.
-- bookings = attended + excused_absences + unexcused_absences + scheduled on every row.
--
-- Parameters (DuckDB named parameters):
--   $from_date, $to_date      session dates, inclusive (local dates)
--   $registration_types       list of registration types, or null for all
--   $outcomes                 list of outcomes, or null for all
select
    grouping(client_key) = 1 as is_total,
    client_key,
    any_value(full_name) as full_name,
    any_value(registration_type) as registration_type,
    count(distinct client_key) as clients,
    count(*) as bookings,
    count(*) filter (where outcome = 'attended') as attended,
    count(*) filter (where outcome = 'excused_absence') as excused_absences,
    count(*) filter (where outcome = 'unexcused_absence') as unexcused_absences,
    count(*) filter (where outcome = 'scheduled') as scheduled
from marts.activity_bookings
where session_date between $from_date and $to_date
  and ($registration_types is null or list_contains($registration_types, registration_type))
  and ($outcomes is null or list_contains($outcomes, outcome))
group by grouping sets ((client_key), ())
order by is_total desc, full_name asc, client_key asc
