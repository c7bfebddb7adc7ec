{#-
  Alert rule spending_drop: sales value of the last window_days against the window_days
  before; fires when it fell to max_ratio of it or less (and the window before sold at
  least min_previous_value). Raised on as_of.
-#}
{{ config(materialized='view', tags=['as_of']) }}

with settings as (
    {{ alert_settings('spending_drop', {
        'window_days': 'integer', 'min_previous_value': 'numeric', 'max_ratio': 'numeric'}) }}
),

spending as (
    select
        orders.client_key,
        sum(case when orders.order_date > {{ dbt.dateadd('day', '-1 * settings.window_days', as_of_date()) }}
                 then orders.order_value else 0 end) as current_value,
        sum(case when orders.order_date <= {{ dbt.dateadd('day', '-1 * settings.window_days', as_of_date()) }}
                 then orders.order_value else 0 end) as previous_value
    from {{ ref('fct_orders') }} as orders
    cross join settings
    where not orders.is_cancelled
      and orders.client_key is not null
      and orders.order_date <= {{ as_of_date() }}
      and orders.order_date > {{ dbt.dateadd('day', '-2 * settings.window_days', as_of_date()) }}
    group by orders.client_key
),

{%- set ratio = cast_as_double('current_value') ~ ' / ' ~ cast_as_double('previous_value') %}

spending_ratios as (
    select spending.*, settings.*
    from spending
    cross join settings
)

select
    client_key,
    'spending_drop' as rule,
    severity,
    cast(null as varchar) as subject,
    {{ as_of_date() }} as raised_on,
    {{ portable_printf(
        'Sales of the last %d days: %s, against %s in the %d days before (%.0f%%)',
        ['window_days', 'cast(current_value as varchar)', 'cast(previous_value as varchar)',
         'window_days', '100 * ' ~ ratio]) }}
        as message,
    {{ json_object_function() }}(
        'window_days', window_days,
        'current_value', current_value,
        'previous_value', previous_value,
        'ratio', {{ round_double(ratio, 4) }},
        'threshold_max_ratio', cast(max_ratio__text as json),
        'threshold_min_previous_value', cast(min_previous_value__text as json)
    ) as figures
from spending_ratios
where enabled
  and previous_value >= min_previous_value
  and previous_value > 0
  and current_value <= previous_value * max_ratio
