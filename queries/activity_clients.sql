-- Activity report: clients (bookings and attendance), docs/contract/reports.md section 1.
--
-- Reads bi.activity_client_day_outcome only (counted bookings per client, session date,
-- outcome and registration type), the relation a BI tool sums: one row per client with at
-- least one counted booking in the period, plus one total row (is_total = true) that is
-- the report's summary: clients, bookings, attended, excused_absences,
-- unexcused_absences, scheduled.
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
    cast(coalesce(sum(bookings), 0) as bigint) as bookings,
    cast(coalesce(sum(attended), 0) as bigint) as attended,
    cast(coalesce(sum(excused_absences), 0) as bigint) as excused_absences,
    cast(coalesce(sum(unexcused_absences), 0) as bigint) as unexcused_absences,
    cast(coalesce(sum(scheduled), 0) as bigint) as scheduled
from bi.activity_client_day_outcome
where session_date between $from_date and $to_date
  and ($registration_types is null or list_contains($registration_types, registration_type))
  and ($outcomes is null or list_contains($outcomes, outcome))
group by grouping sets ((client_key), ())
order by is_total desc, full_name asc, client_key asc
