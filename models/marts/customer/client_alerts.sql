{#-
  Client card alerts as of var('as_of'): one row per alert raised, each with
  the rule, a message that explains it and the figures behind it (JSON), so a
  reader can check why it fired.

  Thresholds are reference data, not code: the seeds alert_rules (enabled,
  severity) and alert_thresholds (one row per rule and setting), read when
  the model runs; each setting overridable per deployment through
  var('alert_thresholds') ({rule: {setting: value}}, merged over the seeds).
  A rule with enabled false raises nothing.

  purchase_gap           statistical: z-score of the current gap since the last
                         purchase against the client's own gaps between
                         purchases (needs min_gaps gaps; the standard deviation
                         is floored at min_stddev_days). Raised on the day the
                         gap crossed mean + z_score * stddev.
  payments_turning_late  share of late titles (days_late > late_days) among
                         those that fell due in the last window_days, against
                         the same share before the window. Raised on as_of.
  spending_drop          sales value of the last window_days against the
                         window_days before; fires when it fell to max_ratio
                         of it or less. Raised on as_of.
  returns_spike          returns in the last window_days against the client's
                         own rate over the baseline_days before. Raised on the
                         latest return.
  credit_bureau          one alert per title in status credit_bureau (reported
                         to a credit bureau and still owed). Raised on
                         credit_bureau_on.
-#}
{{ config(tags=['as_of']) }}

{%- set rule_names = ['purchase_gap', 'payments_turning_late', 'spending_drop', 'returns_spike', 'credit_bureau'] -%}
{%- set rules = {} -%}
{%- for name in rule_names -%}
    {%- do rules.update({name: {}}) -%}
{%- endfor -%}
{#- ref() outside `execute` so dbt builds the seeds before this model -#}
{%- set rules_relation = ref('alert_rules') -%}
{%- set thresholds_relation = ref('alert_thresholds') -%}
{%- if execute -%}
    {%- set configured = [] -%}
    {%- for row in run_query('select rule, enabled, severity from ' ~ rules_relation).rows -%}
        {%- if row['rule'] in rules -%}
            {%- do rules[row['rule']].update({'enabled': row['enabled'], 'severity': row['severity']}) -%}
            {%- do configured.append(row['rule']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in rule_names if name not in configured -%}
        {{ exceptions.raise_compiler_error("client_alerts: no row for alert rule '" ~ name ~ "' in seeds/alert_rules.csv") }}
    {%- endfor -%}
    {%- set seen = [] -%}
    {%- for row in run_query('select rule, setting, value from ' ~ thresholds_relation).rows -%}
        {%- set key = row['rule'] ~ '.' ~ row['setting'] -%}
        {%- if row['rule'] not in rules -%}
            {{ exceptions.raise_compiler_error("client_alerts: unknown rule '" ~ row['rule'] ~ "' in seeds/alert_thresholds.csv") }}
        {%- endif -%}
        {%- if key in seen -%}
            {{ exceptions.raise_compiler_error("client_alerts: " ~ key ~ " appears twice in seeds/alert_thresholds.csv") }}
        {%- endif -%}
        {%- do seen.append(key) -%}
        {%- set text = row['value'] | trim -%}
        {#- a JSON number: written with a decimal point it stays decimal (2.0 prints as 2.0) -#}
        {%- do rules[row['rule']].update({row['setting']: fromjson(text)}) -%}
    {%- endfor -%}
{%- endif -%}
{%- for name, values in var('alert_thresholds').items() if name in rules -%}
    {%- do rules[name].update(values) -%}
{%- endfor -%}

with purchase_days as (
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
        client_key,
        last_purchase_on,
        gaps,
        mean_gap_days,
        stddev_gap_days,
        {%- set min_stddev_days = rules['purchase_gap'].get('min_stddev_days', 0) %}
        case
            when stddev_gap_days >= {{ min_stddev_days }} then stddev_gap_days
            else {{ min_stddev_days }}
        end as effective_stddev_days,
        {{ dbt.datediff('last_purchase_on', as_of_date(), 'day') }} as current_gap_days
    from purchase_stats
    where gaps >= {{ rules['purchase_gap'].get('min_gaps', 0) }}
),

purchase_gap_alerts as (
    select
        client_key,
        'purchase_gap' as rule,
        cast(null as varchar) as subject,
        cast(last_purchase_on + cast(
            ceil(mean_gap_days + {{ rules['purchase_gap'].get('z_score', 0) }} * effective_stddev_days) as integer
        ) as date)
            as raised_on,
        {{ portable_printf(
            'No purchase for %d days; the client usually buys every %.1f days (sd %.1f, %d gaps): z-score %.2f >= %s',
            ['current_gap_days', 'mean_gap_days', 'effective_stddev_days', 'gaps',
             '(current_gap_days - mean_gap_days) / effective_stddev_days',
             "'" ~ rules['purchase_gap'].get('z_score', 0) ~ "'"]) }} as message,
        {{ json_object_function() }}(
            'last_purchase_on', last_purchase_on,
            'current_gap_days', current_gap_days,
            'gaps', gaps,
            'mean_gap_days', {{ round_double('mean_gap_days', 2) }},
            'stddev_gap_days', {{ round_double('stddev_gap_days', 2) }},
            'effective_stddev_days', {{ round_double('effective_stddev_days', 2) }},
            'z_score', {{ round_double('(current_gap_days - mean_gap_days) / effective_stddev_days', 2) }},
            'threshold_z_score', {{ rules['purchase_gap'].get('z_score', 0) }}
        ) as figures
    from purchase_gap
    where {{ 'true' if rules['purchase_gap'].get('enabled', true) else 'false' }}
      and (current_gap_days - mean_gap_days) / effective_stddev_days >= {{ rules['purchase_gap'].get('z_score', 0) }}
),

due_titles as (
    select
        client_key,
        {%- set late_window = rules['payments_turning_late'].get('window_days', 0) | int %}
        due_on >= {{ dbt.dateadd('day', -1 * late_window, as_of_date()) }}
            as is_recent,
        days_late > {{ rules['payments_turning_late'].get('late_days', 0) }} as is_late
    from {{ ref('fct_receivables') }}
    where status not in ('cancelled', 'renegotiated')
      and due_on < {{ as_of_date() }}
      and client_key is not null
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
        *,
        {{ cast_as_double('recent_late_titles') }} / nullif(recent_titles, 0) as recent_late_rate,
        {{ cast_as_double('baseline_late_titles') }} / nullif(baseline_titles, 0) as baseline_late_rate
    from lateness
),

payments_late_alerts as (
    select
        client_key,
        'payments_turning_late' as rule,
        cast(null as varchar) as subject,
        {{ as_of_date() }} as raised_on,
        {{ portable_printf(
            '%d of %d titles due in the last %s days were paid late or are still unpaid (%.0f%%), '
            ~ 'against %d of %d before (%.0f%%)',
            ['recent_late_titles', 'recent_titles', "'" ~ rules['payments_turning_late'].get('window_days', 0) ~ "'",
             '100 * recent_late_rate', 'baseline_late_titles', 'baseline_titles', '100 * baseline_late_rate']) }}
            as message,
        {{ json_object_function() }}(
            'window_days', {{ rules['payments_turning_late'].get('window_days', 0) }},
            'recent_titles', recent_titles,
            'recent_late_titles', recent_late_titles,
            'recent_late_rate', {{ round_double('recent_late_rate', 4) }},
            'baseline_titles', baseline_titles,
            'baseline_late_titles', baseline_late_titles,
            'baseline_late_rate', {{ round_double('baseline_late_rate', 4) }},
            'threshold_min_recent_late_rate', {{ rules['payments_turning_late'].get('min_recent_late_rate', 0) }},
            'threshold_min_rate_increase', {{ rules['payments_turning_late'].get('min_rate_increase', 0) }}
        ) as figures
    from lateness_rates
    where {{ 'true' if rules['payments_turning_late'].get('enabled', true) else 'false' }}
      and recent_titles >= {{ rules['payments_turning_late'].get('min_recent_titles', 0) }}
      and baseline_titles >= {{ rules['payments_turning_late'].get('min_baseline_titles', 0) }}
      and recent_late_rate >= {{ rules['payments_turning_late'].get('min_recent_late_rate', 0) }}
      and recent_late_rate - baseline_late_rate >= {{ rules['payments_turning_late'].get('min_rate_increase', 0) }}
),

{%- set spend_window = rules['spending_drop'].get('window_days', 0) | int %}
{%- set spend_ratio = cast_as_double('current_value') ~ ' / ' ~ cast_as_double('previous_value') %}

spending as (
    select
        client_key,
        sum(case when order_date > {{ dbt.dateadd('day', -1 * spend_window, as_of_date()) }}
                 then order_value else 0 end) as current_value,
        sum(case when order_date <= {{ dbt.dateadd('day', -1 * spend_window, as_of_date()) }}
                 then order_value else 0 end) as previous_value
    from {{ ref('fct_orders') }}
    where not is_cancelled
      and client_key is not null
      and order_date <= {{ as_of_date() }}
      and order_date > {{ dbt.dateadd('day', -2 * spend_window, as_of_date()) }}
    group by client_key
),

spending_alerts as (
    select
        client_key,
        'spending_drop' as rule,
        cast(null as varchar) as subject,
        {{ as_of_date() }} as raised_on,
        {{ portable_printf(
            'Sales of the last %d days: %s, against %s in the %d days before (%.0f%%)',
            [spend_window | string, 'cast(current_value as varchar)', 'cast(previous_value as varchar)',
             spend_window | string, '100 * ' ~ spend_ratio]) }}
            as message,
        {{ json_object_function() }}(
            'window_days', {{ spend_window }},
            'current_value', current_value,
            'previous_value', previous_value,
            'ratio', {{ round_double(spend_ratio, 4) }},
            'threshold_max_ratio', {{ rules['spending_drop'].get('max_ratio', 0) }},
            'threshold_min_previous_value', {{ rules['spending_drop'].get('min_previous_value', 0) }}
        ) as figures
    from spending
    where {{ 'true' if rules['spending_drop'].get('enabled', true) else 'false' }}
      and previous_value >= {{ rules['spending_drop'].get('min_previous_value', 0) }}
      and previous_value > 0
      and current_value <= previous_value * {{ rules['spending_drop'].get('max_ratio', 0) }}
),

{%- set ret_window = rules['returns_spike'].get('window_days', 0) | int %}
{%- set ret_baseline = rules['returns_spike'].get('baseline_days', 0) | int %}

returns_windowed as (
    select
        client_key,
        sum(case when returned_on > {{ dbt.dateadd('day', -1 * ret_window, as_of_date()) }}
                 then 1 else 0 end) as recent_returns,
        sum(case when returned_on <= {{ dbt.dateadd('day', -1 * ret_window, as_of_date()) }}
                 then 1 else 0 end) as baseline_returns,
        max(returned_on) as last_return_on
    from {{ ref('fct_returns') }}
    where client_key is not null
      and returned_on <= {{ as_of_date() }}
      and returned_on > {{ dbt.dateadd('day', -1 * (ret_window + ret_baseline), as_of_date()) }}
    group by client_key
),

returns_alerts as (
    select
        client_key,
        'returns_spike' as rule,
        cast(null as varchar) as subject,
        last_return_on as raised_on,
        {{ portable_printf(
            '%d returns in the last %d days, against a usual %.2f per %d days (%d in the %d days before)',
            ['recent_returns', ret_window | string,
             'baseline_returns * ' ~ ret_window ~ ' / ' ~ ret_baseline ~ '.0', ret_window | string,
             'baseline_returns', ret_baseline | string]) }} as message,
        {{ json_object_function() }}(
            'window_days', {{ ret_window }},
            'recent_returns', recent_returns,
            'baseline_days', {{ ret_baseline }},
            'baseline_returns', baseline_returns,
            'expected_returns', {{ round_double('baseline_returns * ' ~ ret_window ~ ' / ' ~ ret_baseline ~ '.0', 4) }},
            'threshold_min_returns', {{ rules['returns_spike'].get('min_returns', 0) }},
            'threshold_multiplier', {{ rules['returns_spike'].get('multiplier', 0) }}
        ) as figures
    from returns_windowed
    where {{ 'true' if rules['returns_spike'].get('enabled', true) else 'false' }}
      and recent_returns >= {{ rules['returns_spike'].get('min_returns', 0) }}
      and recent_returns >= {{ rules['returns_spike'].get('multiplier', 0) }}
          * baseline_returns * {{ ret_window }} / {{ ret_baseline }}.0
),

bureau_alerts as (
    select
        client_key,
        'credit_bureau' as rule,
        cast(receivable_id as varchar) as subject,
        credit_bureau_on as raised_on,
        {{ portable_printf(
            'Title %s installment %d/%d (due %s, balance %s) was reported to a credit bureau on %s',
            ['document_number', 'installment_number', 'installments_total', 'cast(due_on as varchar)',
             'cast(balance as varchar)', 'cast(credit_bureau_on as varchar)']) }} as message,
        {{ json_object_function() }}(
            'receivable_id', receivable_id,
            'document_number', document_number,
            'installment_number', installment_number,
            'due_on', due_on,
            'balance', balance,
            'days_late', days_late,
            'credit_bureau_on', credit_bureau_on
        ) as figures
    from {{ ref('fct_receivables') }}
    where {{ 'true' if rules['credit_bureau'].get('enabled', true) else 'false' }}
      and status = 'credit_bureau'
      and client_key is not null
),

alerts as (
    select * from purchase_gap_alerts
    union all
    select * from payments_late_alerts
    union all
    select * from spending_alerts
    union all
    select * from returns_alerts
    union all
    select * from bureau_alerts
)

select
    cast({{ dbt.hash(dbt.concat(["client_key", "'|'", "rule", "'|'", "coalesce(subject, '')"])) }} as varchar)
        as alert_id,
    cast(client_key as varchar) as client_key,
    cast({{ as_of_date() }} as date) as as_of,
    cast(rule as varchar) as rule,
    cast(case rule
        {%- for name, cfg in rules.items() %}
        when '{{ name }}' then '{{ cfg.get("severity", "warning") }}'
        {%- endfor %}
    end as varchar) as severity,
    cast(subject as varchar) as subject,
    cast(raised_on as date) as raised_on,
    cast(message as varchar) as message,
    cast(figures as json) as figures
from alerts
