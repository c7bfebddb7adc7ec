{#-
  Alert rule payments_turning_late: the share of late titles (days_late > late_days)
  among those that fell due in the last window_days, against the same share before the
  window. Raised on as_of.
-#}
{{ config(materialized='view', tags=['as_of']) }}

with settings as (
    {{ alert_settings('payments_turning_late', {
        'window_days': 'integer', 'late_days': 'integer', 'min_recent_titles': 'integer',
        'min_baseline_titles': 'integer', 'min_recent_late_rate': 'statistic', 'min_rate_increase': 'statistic'}) }}
),

due_titles as (
    select
        receivables.client_key,
        receivables.due_on >= {{ dbt.dateadd('day', '-1 * settings.window_days', as_of_date()) }} as is_recent,
        receivables.days_late > settings.late_days as is_late
    from {{ ref('fct_receivables') }} as receivables
    cross join settings
    where receivables.status not in ('cancelled', 'renegotiated')
      and receivables.due_on < {{ as_of_date() }}
      and receivables.client_key is not null
),

lateness as (
    select
        client_key,
        sum(case when is_recent then 1 else 0 end) as recent_titles,
        sum(case when is_recent and is_late then 1 else 0 end) as recent_late_titles,
        sum(case when not is_recent then 1 else 0 end) as baseline_titles,
        sum(case when not is_recent and is_late then 1 else 0 end) as baseline_late_titles
    from due_titles
    group by client_key
),

lateness_rates as (
    select
        lateness.*,
        {{ cast_as_double('lateness.recent_late_titles') }} / nullif(lateness.recent_titles, 0) as recent_late_rate,
        {{ cast_as_double('lateness.baseline_late_titles') }} / nullif(lateness.baseline_titles, 0)
            as baseline_late_rate,
        settings.*
    from lateness
    cross join settings
)

select
    client_key,
    'payments_turning_late' as rule,
    severity,
    cast(null as varchar) as subject,
    {{ as_of_date() }} as raised_on,
    {{ portable_printf(
        '%d of %d titles due in the last %s days were paid late or are still unpaid (%.0f%%), '
        ~ 'against %d of %d before (%.0f%%)',
        ['recent_late_titles', 'recent_titles', 'window_days__text',
         '100 * recent_late_rate', 'baseline_late_titles', 'baseline_titles', '100 * baseline_late_rate']) }}
        as message,
    {{ json_object_function() }}(
        'window_days', window_days,
        'recent_titles', recent_titles,
        'recent_late_titles', recent_late_titles,
        'recent_late_rate', {{ round_double('recent_late_rate', 4) }},
        'baseline_titles', baseline_titles,
        'baseline_late_titles', baseline_late_titles,
        'baseline_late_rate', {{ round_double('baseline_late_rate', 4) }},
        'threshold_min_recent_late_rate', cast(min_recent_late_rate__text as json),
        'threshold_min_rate_increase', cast(min_rate_increase__text as json)
    ) as figures
from lateness_rates
where enabled
  and recent_titles >= min_recent_titles
  and baseline_titles >= min_baseline_titles
  and recent_late_rate >= min_recent_late_rate
  and recent_late_rate - baseline_late_rate >= min_rate_increase
