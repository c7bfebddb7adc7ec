{#- Use the folder's schema name as is (staging, intermediate, marts, bi) instead of
    dbt's default "<target schema>_<custom>", so BI users see stable names.
    `carteira publish-postgres` sets var build_schema_suffix to build every schema beside
    the served ones (marts -> marts__building) and then swaps them in, in one transaction. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{{ var('build_schema_suffix') }}{%- endif -%}
{%- endmacro %}
