{#-
  Alert rule purchase_gap (statistical): z-score of the current gap since the client's
  last purchase against the client's own gaps between purchases. Needs min_gaps gaps;
  the standard deviation is floored at min_stddev_days so that a very regular buyer is
  not flagged after a few days. Raised on the day the gap crossed mean + z_score * sd.
-#}
{{ config(materialized='view', tags=['as_of']) }}

with settings as (
    {{ alert_settings('purchase_gap', {
        'min_gaps': 'integer', 'z_score': 'statistic', 'min_stddev_days': 'statistic'}) }}
),

purchase_days as (
    select distinct client_key, order_date
    from {{ ref('fct_orders') }}
    where not is_cancelled and order_date <= {{ as_of_date() }} and client_key is not null
),

purchase_gaps as (
    select
        client_key,
        order_date,
        {{ dbt.datediff('lag(order_date) over (partition by client_key order by order_date)', 'order_date', 'day') }}
            as gap_days
    from purchase_days
),

purchase_stats as (
    select
        client_key,
        max(order_date) as last_purchase_on,
        count(gap_days) as gaps,
        avg({{ cast_as_double('gap_days') }}) as mean_gap_days,
        coalesce(stddev_samp({{ cast_as_double('gap_days') }}), 0) as stddev_gap_days
    from purchase_gaps
    group by client_key
),

purchase_gap as (
    select
        purchase_stats.client_key,
        purchase_stats.last_purchase_on,
        purchase_stats.gaps,
        purchase_stats.mean_gap_days,
        purchase_stats.stddev_gap_days,
        case
            when purchase_stats.stddev_gap_days >= settings.min_stddev_days then purchase_stats.stddev_gap_days
            else settings.min_stddev_days
        end as effective_stddev_days,
        {{ dbt.datediff('purchase_stats.last_purchase_on', as_of_date(), 'day') }} as current_gap_days,
        settings.severity,
        settings.z_score,
        settings.z_score__text
    from purchase_stats
    cross join settings
    where settings.enabled and purchase_stats.gaps >= settings.min_gaps
)

select
    client_key,
    'purchase_gap' as rule,
    severity,
    cast(null as varchar) as subject,
    cast(last_purchase_on + cast(ceil(mean_gap_days + z_score * effective_stddev_days) as integer) as date)
        as raised_on,
    {{ portable_printf(
        'No purchase for %d days; the client usually buys every %.1f days (sd %.1f, %d gaps): z-score %.2f >= %s',
        ['current_gap_days', 'mean_gap_days', 'effective_stddev_days', 'gaps',
         '(current_gap_days - mean_gap_days) / effective_stddev_days', 'z_score__text']) }} as message,
    {{ json_object_function() }}(
        'last_purchase_on', last_purchase_on,
        'current_gap_days', current_gap_days,
        'gaps', gaps,
        'mean_gap_days', {{ round_double('mean_gap_days', 2) }},
        'stddev_gap_days', {{ round_double('stddev_gap_days', 2) }},
        'effective_stddev_days', {{ round_double('effective_stddev_days', 2) }},
        'z_score', {{ round_double('(current_gap_days - mean_gap_days) / effective_stddev_days', 2) }},
        'threshold_z_score', cast(z_score__text as json)
    ) as figures
from purchase_gap
where (current_gap_days - mean_gap_days) / effective_stddev_days >= z_score
