{#-
    dbt-postgres reads column types from information_schema.columns.data_type,
    which says just "ARRAY" for array columns (e.g. stg_crm__clients.phones,
    text[]). "ARRAY" is not a type one can cast to, so unit tests (which cast
    every fixture value to the column's type) and schema-change checks break
    on them. Same query as the adapter's, with the element type spelled out
    from udt_name ("_text" -> "text[]").
-#}
{% macro postgres__get_columns_in_relation(relation) -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          case
              when data_type = 'ARRAY' then substr(udt_name, 2) || '[]'
              else data_type
          end as data_type,
          character_maximum_length,
          numeric_precision,
          numeric_scale
      from {{ relation.information_schema('columns') }}
      where table_name = '{{ relation.identifier }}'
        {% if relation.schema %}
        and table_schema = '{{ relation.schema }}'
        {% endif %}
      order by ordinal_position
  {% endcall %}
  {% set table = load_result('get_columns_in_relation').table %}
  {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
