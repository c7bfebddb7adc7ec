{#-
    Only the raw rows of extracts dated up to var('extracts_through') (inclusive).

    `carteira refresh --as-of D` sets it to D, so a warehouse for an earlier day is built
    from the extracts of that day and before, even when later files are already in the
    raw history (reproducible as-of builds). Unset (the default, and dbt runs by hand)
    reads every extract. The incremental staging models continuing from a state built
    with later extracts is prevented by the refresh (carteira/refresh/state.py: full refresh).
-#}
{% macro stg_extracted_through() -%}
    {%- set through = daily_var('extracts_through') -%}
    {%- if through -%}
        _extract_date <= cast('{{ through }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
