{#-
    Convert a source timestamp to business-local wall time (timestamp without
    zone), the single representation of time in the warehouse.

    `source_timezone` is the zone the source system writes in: crm writes UTC,
    pbx/studio/erp already write business-local time (pass none: cast only).
    `(ts at time zone 'UTC') at time zone '<tz>'` reads the naive value as
    UTC (-> timestamptz) and renders it in <tz> (-> naive local); the
    semantics are the same on DuckDB (ICU) and PostgreSQL, so this stays
    portable. The outer cast pins the type on every engine.
-#}
{% macro stg_to_business_time(column, source_timezone=none) -%}
    {%- set business_timezone = var('business_timezone') -%}
    {%- if source_timezone is none or source_timezone == business_timezone -%}
        cast({{ column }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast(
            ((cast({{ column }} as {{ dbt.type_timestamp() }}) at time zone '{{ source_timezone }}')
                at time zone '{{ business_timezone }}')
            as {{ dbt.type_timestamp() }}
        )
    {%- endif -%}
{%- endmacro %}
