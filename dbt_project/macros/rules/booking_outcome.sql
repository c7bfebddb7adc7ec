{#-
  Business rule: outcome of a studio booking (docs/contract/sources.md "Booking outcome").
  First rule that holds:
    1. session cancelled                                  -> session_cancelled
    2. session not finalized                              -> scheduled
    3. booking cancelled at least the cut-off before start -> excused_absence
       (inclusive: cancelled exactly cut-off hours before is excused)
    4. booking cancelled later than that                  -> unexcused_absence
    5. attendance = present                               -> attended
    6. otherwise                                          -> unexcused_absence
  The cut-off is var('cancellation_cutoff_hours') (default 2).
  Used by int_bookings_outcome, unit-tested there.
-#}
{%- macro booking_outcome(session_cancelled, finalized_at, cancelled_at, starts_at, attendance) -%}
    (case
        when {{ session_cancelled }} then 'session_cancelled'
        when {{ finalized_at }} is null then 'scheduled'
        when {{ cancelled_at }} is not null
             and {{ cancelled_at }} <= {{ dbt.dateadd('hour', -1 * (var('cancellation_cutoff_hours') | int), starts_at) }}
            then 'excused_absence'
        when {{ cancelled_at }} is not null then 'unexcused_absence'
        when {{ attendance }} = 'present' then 'attended'
        else 'unexcused_absence'
    end)
{%- endmacro -%}
