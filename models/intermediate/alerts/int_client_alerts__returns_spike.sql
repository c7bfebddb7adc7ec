{#-
  Alert rule returns_spike: returns in the last window_days against the client's own
  rate over the baseline_days before; fires at min_returns or more and at multiplier
  times the usual rate or more. Raised on the latest return.
-#}
{{ config(materialized='view', tags=['as_of']) }}

with settings as (
    {{ alert_settings('returns_spike', {
        'window_days': 'integer', 'baseline_days': 'integer', 'min_returns': 'statistic', 'multiplier': 'statistic'}) }}
),

returns_windowed as (
    select
        returns.client_key,
        sum(case when returns.returned_on > {{ dbt.dateadd('day', '-1 * settings.window_days', as_of_date()) }}
                 then 1 else 0 end) as recent_returns,
        sum(case when returns.returned_on <= {{ dbt.dateadd('day', '-1 * settings.window_days', as_of_date()) }}
                 then 1 else 0 end) as baseline_returns,
        max(returns.returned_on) as last_return_on
    from {{ ref('fct_returns') }} as returns
    cross join settings
    where returns.client_key is not null
      and returns.returned_on <= {{ as_of_date() }}
      and returns.returned_on
          > {{ dbt.dateadd('day', '-1 * (settings.window_days + settings.baseline_days)', as_of_date()) }}
    group by returns.client_key
),

{#- the returns the client's usual rate gives over a window of window_days -#}
{%- set expected = 'baseline_returns * window_days / ' ~ cast_as_double('baseline_days') %}

returns_rates as (
    select returns_windowed.*, settings.*
    from returns_windowed
    cross join settings
)

select
    client_key,
    'returns_spike' as rule,
    severity,
    cast(null as varchar) as subject,
    last_return_on as raised_on,
    {{ portable_printf(
        '%d returns in the last %d days, against a usual %.2f per %d days (%d in the %d days before)',
        ['recent_returns', 'window_days', expected, 'window_days', 'baseline_returns', 'baseline_days']) }}
        as message,
    {{ json_object_function() }}(
        'window_days', window_days,
        'recent_returns', recent_returns,
        'baseline_days', baseline_days,
        'baseline_returns', baseline_returns,
        'expected_returns', {{ round_double(expected, 4) }},
        'threshold_min_returns', cast(min_returns__text as json),
        'threshold_multiplier', cast(multiplier__text as json)
    ) as figures
from returns_rates
where enabled
  and recent_returns >= min_returns
  and recent_returns >= multiplier * {{ expected }}
