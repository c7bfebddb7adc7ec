{#-
  Activity report, clients (docs/contract/reports.md 1), for BI tools: counted bookings per
  client, session date, outcome and registration type. Summing the measures
  over any filter (period, registration types, outcomes) gives the report's
  per-client rows; count(distinct client_key) gives its "clients" card. Every
  booking is in exactly one row, so nothing is counted twice.
-#}
{{ config(
    materialized='incremental',
    unique_key=['client_key', 'session_date', 'outcome', 'registration_type'],
    tags=['as_of'],
    meta={'row_diff_constant_columns': ['as_of']}
) }}

with bookings as (
    select * from {{ ref('activity_bookings') }}
)

select
    client_key,
    full_name,
    registration_type,
    session_date,
    outcome,
    -- count() is a bigint; the contract serves the counts as integer
    cast(count(*) as integer) as bookings,
    cast(count(*) filter (where outcome = 'attended') as integer) as attended,
    cast(count(*) filter (where outcome = 'excused_absence') as integer) as excused_absences,
    cast(count(*) filter (where outcome = 'unexcused_absence') as integer) as unexcused_absences,
    cast(count(*) filter (where outcome = 'scheduled') as integer) as scheduled,
    {{ as_of_date() }} as as_of
from bookings
group by client_key, full_name, registration_type, session_date, outcome
