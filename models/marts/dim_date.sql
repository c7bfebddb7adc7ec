{#-
  Calendar of local dates: from 1 January five years before the year of
  as_of (the client card shows the last 5 years) or the earliest date in the
  data if older, to 31 December of the year of the latest date in the data
  or of as_of. Built with a recursive CTE (portable).
-#}
{{ config(tags=['as_of']) }}

with recursive bounds_source as (
    select cast(starts_at as date) as d from {{ ref('stg_studio__sessions') }}
    union all
    select cast(started_at as date) from {{ ref('stg_pbx__calls') }}
    union all
    select cast(ordered_at as date) from {{ ref('stg_erp__orders') }}
    union all
    select issued_on from {{ ref('stg_erp__receivables') }}
    union all
    select due_on from {{ ref('stg_erp__receivables') }}
    union all
    select paid_on from {{ ref('stg_erp__payments') }}
    union all
    select cast(created_at as date) from {{ ref('stg_crm__clients') }}
    union all
    select cast(due_at as date) from {{ ref('stg_crm__tasks') }}
    union all
    select cast(occurred_at as date) from {{ ref('stg_crm__interactions') }}
    union all
    select {{ as_of_date() }}
),

bounds as (
    select
        min(d) as min_date,
        max(d) as max_date
    from bounds_source
),

limits as (
    select
        cast(case
            when min_date < {{ dbt.dateadd('year', -5, dbt.date_trunc('year', as_of_date())) }}
                then {{ dbt.date_trunc('year', 'min_date') }}
            else {{ dbt.dateadd('year', -5, dbt.date_trunc('year', as_of_date())) }}
        end as date) as start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'max_date'))) }} as date)
            as end_date
    from bounds
),

spine as (
    select start_date as date_day, end_date from limits
    union all
    select cast({{ dbt.dateadd('day', 1, 'date_day') }} as date), end_date
    from spine
    where date_day < end_date
)

select
    cast(date_day as date) as date_day,
    cast(extract(year from date_day) as integer) as year,
    cast(extract(quarter from date_day) as integer) as quarter,
    cast(extract(month from date_day) as integer) as month,
    cast(extract(day from date_day) as integer) as day_of_month,
    cast(extract(dow from date_day) as integer) as day_of_week,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
    cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start,
    cast(extract(dow from date_day) in (0, 6) as boolean) as is_weekend,
    cast(date_day <= {{ as_of_date() }} as boolean) as is_on_or_before_as_of
from spine
