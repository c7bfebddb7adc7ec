{#-
    The raw layer's lineage columns every staging model carries (docs/architecture.md):
    where the winning version came from, and the order keys that decided it.
-#}
{% macro stg_lineage_columns() -%}
        cast(_extract_date as date) as _extract_date,
        cast(_delivery_seq as integer) as _delivery_seq,
        cast(_row_number as {{ dbt.type_bigint() }}) as _row_number,
        cast(_file_name as {{ dbt.type_string() }}) as _file_name,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
{%- endmacro %}
